local rules = require "compliance.rules"

local compliance = {}

local function countries(grant)
  local funder, recipient = grant.funder, grant.recipient
  return funder and funder.country, recipient and recipient.country
end

function compliance.check(grant)
  local from, to = countries(grant)
  if not from or not to then
    return false, "The funder's or the recipient's country is not recorded."
  end
  if from == to then
    return false, ("Funder and recipient are both registered in %s."):format(to)
  end
  return true, ("The funder is registered in %s and the recipient in %s."):format(from, to)
end

function compliance.obligations(grant)
  if not compliance.check(grant) then return {} end
  local _, to = countries(grant)
  local base = grant.decided_on and time.parse(grant.decided_on) or time.now()
  local list = {}
  for _, rule in ipairs(rules[to] or rules.default or {}) do
    list[#list + 1] = { title = rule.title, due = base + time.days(rule.days) }
  end
  return list
end

function compliance.track(grant)
  local cross_border = compliance.check(grant)
  if grant.cross_border ~= cross_border then grants.update(grant, { cross_border = cross_border }) end
  local tracked = {}
  for t in tasks.find { kind = "compliance", about = grant } do tracked[t.title] = true end
  local made = 0
  for _, obligation in ipairs(compliance.obligations(grant)) do
    local title = obligation.title .. ": " .. grant.title
    if not tracked[title] then
      tasks.create { title = title, kind = "compliance", about = grant, due = obligation.due }
      made = made + 1
    end
  end
  return made
end

return compliance
