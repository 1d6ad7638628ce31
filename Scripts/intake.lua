-- Intake: applications arrive as files in inbox/ (CSV or JSON), one row each, with
-- the columns organisation, org_identifier, country, email, programme, summary,
-- requested ("500000.00 RUB"), practical ("yes"/"no"), international ("yes"/"no")
-- and, optionally, identifier.
--
-- Each row: the applicant organisation is found (by org-id, then by name and country,
-- compared without case, punctuation or extra spaces) or made; the application is
-- recorded, scored by the rules below, and accepted, dismissed with its reasons, or
-- put under review with a task for the reviewer; an acknowledgement is queued in the
-- outbox. A file whose rows all went in moves to inbox/processed/. Running it again
-- changes nothing: each application is known by its identifier (the row's, or
-- FILE:LINE).

-- The rules. Edit them: each adds its points when its test holds.
local RULES = {
  { points = 3, says = "practical application of the work", test = function(a) return a.practical end },
  { points = 1, says = "experience of international cooperation", test = function(a) return a.international end },
  { points = 1, says = "summary of at least 40 characters", test = function(a) return #a.summary >= 40 end },
  { points = -2, says = "a request over 5,000,000 RUB", test = function(a)
      return a.requested ~= nil and a.requested.currency == "RUB" and a.requested > money(5000000, "RUB") end },
}
local ACCEPT_AT = 4   -- this many points or more: accepted
local REVIEW_AT = 2   -- this many: a person decides; fewer: dismissed

local function yes(text) return text ~= nil and ({ yes = true, ["true"] = true, ["1"] = true, y = true })[text:lower()] == true end

local function normal(name)
  return (name:lower():gsub("[%p]", " "):gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

-- The applicant: by org-id, else by normalised name and country, else a new one.
local function applicant(row)
  if row.org_identifier and row.org_identifier ~= "" then
    local found = orgs.get(row.org_identifier)
    if found then return found end
  end
  local wanted = normal(row.organisation)
  for o in orgs.find { country = row.country ~= "" and row.country or nil } do
    if normal(o.name) == wanted then return o end
  end
  return orgs.create {
    name = row.organisation, country = row.country ~= "" and row.country or nil,
    identifier = row.org_identifier ~= "" and row.org_identifier or nil,
    email = row.email ~= "" and row.email or nil,
  }
end

local function score(a)
  local points, met, missed = 0, {}, {}
  for _, rule in ipairs(RULES) do
    if rule.test(a) then
      points = points + rule.points
      met[#met + 1] = rule.says
    elseif rule.points > 0 then
      missed[#missed + 1] = "no " .. rule.says
    end
  end
  return points, met, missed
end

local function reviewer(name)
  for p in people.find { name = name, limit = 1 } do return p end
  return people.create { name = name, role = "reviewer" }
end

local function take(ctx, file, row)
  local identifier = (row.identifier and row.identifier ~= "") and row.identifier or (file .. ":" .. row._line)
  if applications.get(identifier) then return "known" end
  local requested = (row.requested and row.requested ~= "") and money(row.requested) or nil
  local org = applicant(row)
  local app = applications.create {
    identifier = identifier, applicant = org, programme = row.programme, summary = row.summary,
    requested = requested, received_at = time.now(),
  }
  local points, met, missed = score {
    summary = row.summary or "", requested = requested,
    practical = yes(row.practical), international = yes(row.international),
  }
  local decision
  if points >= ACCEPT_AT then
    applications.accept(app)
    decision = "accepted"
  elseif points >= REVIEW_AT then
    applications.review(app)
    tasks.create {
      title = "Review the application of " .. org.name, kind = "application-review", about = app,
      assignee = reviewer(ctx.params.reviewer), due = time.now() + time.days(ctx.params.review_days),
    }
    decision = "under review"
  else
    applications.dismiss(app, { dismissal_reason = table.concat(missed, "; ") })
    decision = "dismissed"
  end
  if row.email and row.email ~= "" then
    mail.send {
      to = row.email, about = app,
      subject = "Your application" .. (row.programme and row.programme ~= "" and (" to " .. row.programme) or ""),
      body = ("Dear %s,\n\nWe have received your application (%s). Its status: %s.%s\n"):format(
        org.name, identifier, decision,
        decision == "dismissed" and ("\nThe reasons: " .. app.dismissal_reason .. ".") or ""),
    }
  end
  ctx.log(("%s: %s, %s (%d points)"):format(identifier, org.name, decision, points))
  return decision
end

return workflow {
  name = "intake",
  description = "Applications from inbox/: applicant found or made, scored, accepted, dismissed or reviewed, acknowledged",
  params = {
    reviewer = { type = "string", default = "Elena Topoleva", description = "Who reviews borderline applications" },
    review_days = { type = "integer", default = 7, description = "Days a review may take" },
  },
  run = function(ctx)
    local counts = { accepted = 0, dismissed = 0, ["under review"] = 0, known = 0, failed = 0 }
    for _, file in ipairs(inbox.files()) do
      -- A file that cannot be read (removed meanwhile, not CSV) is named and left.
      local readable, rows = pcall(function()
        if file:match("%.csv$") then return csv.read(file) end
        if file:match("%.json$") then
          local list = json.read(file)
          for i, row in ipairs(list) do row._line = i end
          return list
        end
      end)
      if not readable then
        counts.failed = counts.failed + 1
        ctx.log(("%s: %s"):format(file, tostring(rows)))
        rows = nil
      end
      if rows then
        local ok = true
        for _, row in ipairs(rows) do
          local done, result = pcall(take, ctx, file, row)
          if done then
            counts[result] = counts[result] + 1
          else
            ok = false
            counts.failed = counts.failed + 1
            ctx.log(("%s:%d: %s"):format(file, row._line, tostring(result)))
          end
        end
        -- A file with a failed row stays in inbox/: fix it and run again.
        if ok then inbox.move(file, "processed") end
      end
    end
    print(("intake: %d accepted, %d under review, %d dismissed, %d already known, %d failed"):format(
      counts.accepted, counts["under review"], counts.dismissed, counts.known, counts.failed))
  end,
}
