-- Every part of the Lua API, called once per entry: CoroutineAPITests calls each entry
-- outside any coroutine and in every way inside one (coroutine.wrap, coroutine.resume,
-- nested coroutines, after a yield, a find loop...), and compares what they return.
--
-- One entry per name, and the test checks that the names are exactly these:
--   * every function of the registry:                ["grants.award"]
--   * every field of every type of the API:          ["Money.amount"], ["Grant.funder"]
--   * every method of every type:                    ["Time:format"]
--   * every operator a type declares:                ["Money add(Money): Money"]
-- A function, field or operator added to the API without an entry here fails the test.
--
-- An entry returns a description of what it got (`show(...)`), the same every time it
-- is called: it makes the records it needs itself, in the status a step needs, with
-- names from `fresh`, whose numbers ("~12~") the test leaves out, and descriptions
-- leave out ids (which differ at every call). Errors are results too: `attempt(f, ...)`
-- describes what f gave, or the error it raised.
--
-- The module returns a function of the API's types (for each, the names of its fields),
-- which `describe` uses to show a record or a value field by field.
return function(types)
  local described = {} -- names the test made, to leave out

  -- A label with a number of its own ("Org ~12~"); the test shows it as "Org ~".
  local serial = 0
  local function token()
    serial = serial + 1
    return "~" .. serial .. "~"
  end
  local function fresh(label) return label .. " " .. token() end

  -- The API type of a userdata value, from its "has no field" message.
  local function typeOf(value)
    local ok, message = pcall(function() return value.__no_such_field end)
    if ok then return nil end
    return tostring(message):match("(%u%w*) has no field '__no_such_field'")
  end

  local records = {}
  for _, name in ipairs({ "Organisation", "Person", "Grant", "Partnership", "Event", "Application", "Task" }) do
    records[name] = true
  end

  local describe
  local function describeTable(t, depth)
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
      if math.type(a) and math.type(b) then return a < b end
      if math.type(a) then return true end
      if math.type(b) then return false end
      return tostring(a) < tostring(b)
    end)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. describe(t[k], depth + 1) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end

  -- A value as text, without ids: records field by field (referenced records by name).
  function describe(value, depth)
    depth = depth or 0
    local kind = type(value)
    if kind == "nil" or kind == "boolean" then return tostring(value) end
    if kind == "number" then return math.type(value) .. " " .. tostring(value) end
    if kind == "string" then return string.format("%q", value) end
    if kind == "function" then return "function" end
    if kind == "table" then
      if depth > 6 then return "{...}" end
      return describeTable(value, depth)
    end
    if kind ~= "userdata" then return kind end
    local name = typeOf(value)
    if name == nil then return "userdata " .. tostring(value) end
    if records[name] then
      if depth > 0 then
        -- A record inside a record or a table: which one, by its label and status.
        local function read(field)
          local ok, v = pcall(function() return value[field] end)
          if ok then return v end
        end
        local shown = read("name") or read("title") or read("purpose") or "?"
        local status = read("status")
        return name .. "(" .. tostring(shown) .. (status and ", " .. status or "") .. ")"
      end
      local parts = {}
      for _, field in ipairs(types[name] or {}) do
        if field ~= "id" then parts[#parts + 1] = field .. "=" .. describe(value[field], depth + 1) end
      end
      return name .. "{" .. table.concat(parts, ", ") .. "}"
    end
    local parts = {}
    for _, field in ipairs(types[name] or {}) do parts[#parts + 1] = field .. "=" .. describe(value[field], depth + 1) end
    return name .. " " .. tostring(value) .. " {" .. table.concat(parts, ", ") .. "}"
  end

  -- Every value given, described, and how many there were.
  local function show(...)
    local parts = { select("#", ...) .. " values:" }
    for i = 1, select("#", ...) do parts[#parts + 1] = describe((select(i, ...))) end
    return table.concat(parts, " ")
  end

  -- What calling f gave, as one value: an error is a result too.
  local function attempt(f, ...)
    local results = table.pack(pcall(f, ...))
    if results[1] then return "gave " .. show(table.unpack(results, 2, results.n)) end
    return "raised " .. tostring(results[2])
  end

  -- Fresh records with every field set (each call makes new ones).
  local function with(base, changes)
    for k, v in pairs(changes or {}) do base[k] = v end
    return base
  end
  local function org(changes)
    return orgs.create(with({
      name = fresh("Org"), kind = "national_ngo", country = "RU", identifier = "RU-INN-" .. token(),
      website = "https://example.org/", email = "info@example.org", description = "Helps", tags = { "civic", "rights" },
    }, changes))
  end
  local function person(changes)
    return people.create(with({
      name = fresh("Person"), email = "someone@example.org", organisation = org(), role = "director", identifier = token(),
    }, changes))
  end
  local function grant(changes)
    return grants.create(with({
      title = fresh("Grant"), funder = org(), recipient = org(), programme = "Civic",
      amount_requested = money("1,500,000.00 RUB"), amount_awarded = money(1000000, "RUB"),
      applied_on = "2021-01-10", decided_on = "2021-02-01", starts_on = "2021-03-01", ends_on = "2021-12-31",
      report_due = "2022-01-31", identifier = token(),
    }, changes))
  end
  local function partnership(changes)
    return partnerships.create(with({
      members = { org(), org() }, facilitator = org(), kind = "alliance", purpose = fresh("Purpose"),
      starts_on = "2021-02-01", ends_on = "2021-12-31", identifier = token(),
    }, changes))
  end
  local function event(changes)
    return events.create(with({
      title = fresh("Event"), kind = "round_table", starts_at = time.parse("2021-01-26T11:00:00+03:00"),
      ends_at = time.parse("2021-01-26T13:00:00+03:00"), time_zone = "Asia/Tokyo", platform = "Zoom",
      venue = "Hall", city = "Moscow", country = "RU", organisers = { org(), org() }, identifier = token(),
    }, changes))
  end
  local function application(changes)
    return applications.create(with({
      applicant = org(), programme = "Civic", received_at = time.parse("2021-01-20T10:00:00Z"),
      summary = fresh("Proposal"), requested = money("250,000.00 RUB"), identifier = token(),
    }, changes))
  end
  local function task(changes)
    return tasks.create(with({
      title = fresh("Task"), kind = "event-report", about = org(), assignee = person(),
      due = time.parse("2021-01-20T00:00:00Z"), identifier = token(),
    }, changes))
  end
  local make = {
    orgs = org, people = person, grants = grant, partnerships = partnership, events = event,
    applications = application, tasks = task,
  }
  -- A field each collection can find its fresh records by.
  local label = {
    orgs = "name", people = "name", grants = "title", partnerships = "purpose", events = "title",
    applications = "summary", tasks = "title",
  }
  -- A field `clear` can empty.
  local optional = {
    orgs = "website", people = "role", grants = "programme", partnerships = "kind", events = "venue",
    applications = "summary", tasks = "kind",
  }

  local calls = {}

  -- Core: money and time.
  calls["money"] = function()
    return show(money(1300000000, "RUB"), money("12.50", "USD"), money("1,300,000,000.00 RUB"),
      attempt(money, "1.234", "RUB"), attempt(money, "5"), attempt(money, 5, "XYZ"))
  end
  calls["time.now"] = function() return show(time.now(), time.now() == time.now()) end
  calls["time.parse"] = function()
    return show(time.parse("2021-01-26"), time.parse("2021-01-26T11:00", "America/New_York"),
      time.parse("2021-01-26T11:00:00+03:00"), attempt(time.parse, "soon"), attempt(time.parse, "2021-01-26", "Mars/Olympus"))
  end
  calls["time.days"] = function() return show(time.days(14), time.days(-1), attempt(time.days, "x")) end
  calls["time.hours"] = function() return show(time.hours(36), time.hours(-2)) end
  calls["time.minutes"] = function() return show(time.minutes(90), time.minutes(0)) end
  calls["workflow"] = function()
    return show(workflow { name = "coroutine-check", on = { "grant.*" }, run = function() end },
      attempt(workflow, { name = "x", run = function() end, shedule = "* * * * *" }))
  end
  calls["report"] = function()
    return show(report {
      title = "Totals", subtitle = "By funder",
      sections = { { heading = "Grants", text = "As of now",
                     table = { columns = { "funder", "amount", "when" }, rows = { { "A", money(5, "RUB"), time.now() } } },
                     chart = { kind = "bar", labels = { "A", "B" }, values = { 1, 2 } } } },
    }, attempt(report, { title = "x", sections = { { chart = { kind = "pie" } } } }))
  end

  -- Files: the inbox the test made (a.csv, b.json), mail and secrets.
  calls["inbox.files"] = function() return show(inbox.files()) end
  calls["inbox.move"] = function()
    return show(inbox.move("a.csv", "processed"), attempt(inbox.move, "missing.csv", "processed"),
      attempt(inbox.move, "a.csv", "../out"))
  end
  calls["csv.read"] = function() return show(csv.read("a.csv"), attempt(csv.read, "../secrets")) end
  calls["json.read"] = function() return show(json.read("b.json"), attempt(json.read, "missing.json")) end
  calls["json.decode"] = function()
    return show(json.decode('{"a": [1, 2.5, "x", true, null], "b": {"c": "d"}}'), attempt(json.decode, "{nope"))
  end
  calls["json.encode"] = function()
    return show(json.encode({ 1, "two", 3.5, true }), json.encode({ b = { money(5, "RUB") }, a = time.now(), d = time.days(2) }, true),
      attempt(json.encode, { f = print }))
  end
  calls["mail.send"] = function()
    local about = org()
    local first = mail.send { to = "a@example.org", subject = "Hello", body = "Text", about = about }
    local second = mail.send { to = "b@example.org", subject = "Again", body = "More" }
    return show(math.type(first), second - first, attempt(mail.send, { to = "not an address", subject = "s", body = "b" }),
      attempt(mail.send, { to = "a@example.org", subject = "s", body = "b", cc = "x" }))
  end
  calls["secrets.get"] = function()
    local value = secrets.get("COROUTINE_KEY")
    return show(value, #value, attempt(secrets.get, "MISSING_KEY"))
  end

  -- Records: every function of every collection.
  for collection, new in pairs(make) do
    local c = _G[collection]
    local by = label[collection]
    calls[collection .. ".create"] = function()
      return show(new(), attempt(c.create, { no_such_field = 1 }), attempt(c.create, { 1, 2 }))
    end
    calls[collection .. ".get"] = function()
      local r = new()
      local again = c.get(r.id)
      return show(again == r, again, c.get(tostring(r.id)) == r, c.get(r.identifier) == r, c.get(-1), c.get("RU-INN-0"),
        attempt(c.get, {}), collection == "orgs" and attempt(orgs.get, "none") or c.get("none"))
    end
    calls[collection .. ".find"] = function()
      local shared = fresh("Shared")
      local changes = { [by] = shared }
      new(changes)
      new(changes)
      local found = {}
      for r in c.find { [by] = shared } do found[#found + 1] = r end
      local none = {}
      for r in c.find { [by] = shared, limit = 0 } do none[#none + 1] = r end
      return show(#found, found[1], found[2] and found[2].archived, #none, attempt(c.find, { no_such_field = 1 }))
    end
    calls[collection .. ".count"] = function()
      local shared = fresh("Counted")
      new({ [by] = shared })
      local archived = new({ [by] = shared })
      c.archive(archived)
      return show(c.count { [by] = shared }, c.count { [by] = shared, archived = true },
        c.count { [by] = shared, archived = true, by = { by } }, attempt(c.count, { no_such_field = 1 }))
    end
    calls[collection .. ".update"] = function()
      local r = new()
      local same = c.update(r, { [by] = "Changed" })
      return show(same == r, r, attempt(c.update, r, { no_such_field = 1 }), attempt(c.update, r, { id = 5 }))
    end
    calls[collection .. ".clear"] = function()
      local r = new()
      local before = r[optional[collection]]
      c.clear(r, { optional[collection] })
      return show(before, r[optional[collection]], r, attempt(c.clear, r, { by }), attempt(c.clear, r, { 5 }))
    end
    calls[collection .. ".archive"] = function()
      local r = new()
      local shared = r[by]
      return show(c.archive(r) == r, r.archived, c.count { [by] = shared }, attempt(c.archive, "not a record"))
    end
    calls[collection .. ".restore"] = function()
      local r = new()
      c.archive(r)
      return show(c.restore(r) == r, r.archived, c.count { [by] = r[by] }, attempt(c.restore, nil))
    end
  end
  calls["grants.sum"] = function()
    local shared = fresh("Programme")
    local funder = org()
    grant({ programme = shared, funder = funder, amount_awarded = money(100, "RUB") })
    grant({ programme = shared, funder = funder, amount_awarded = money(250, "RUB") })
    grant({ programme = shared, amount_awarded = money(7, "USD") })
    return show(grants.sum { "amount_awarded", where = { programme = shared } },
      grants.sum { "amount_awarded", by = { "funder" }, where = { programme = shared, funder = funder } },
      attempt(grants.sum, { by = { "funder" } }))
  end
  calls["applications.sum"] = function()
    local shared = fresh("Programme")
    application({ programme = shared, requested = money(10, "EUR") })
    application({ programme = shared, requested = money(15, "EUR") })
    return show(applications.sum { "requested", by = { "programme" }, where = { programme = shared } },
      attempt(applications.sum, { "summary" }))
  end
  calls["events.add_participant"] = function()
    local ev = event()
    local same = events.add_participant(ev, org({ name = "Speaker org" }), "speaker")
    events.add_participant(ev, person({ name = "Moderator" }), "moderator")
    return show(same == ev, #events.participants(ev), attempt(events.add_participant, ev, org(), "juggler"),
      attempt(events.add_participant, ev, "someone", "speaker"))
  end
  calls["events.participants"] = function()
    local ev = event()
    events.add_participant(ev, org({ name = "Sponsor org" }), "sponsor")
    events.add_participant(ev, person({ name = "Attendee" }), "attendee")
    return show(events.participants(ev), events.participants(event()), attempt(events.participants, org()))
  end

  -- Lifecycle steps: each from a status it allows, and from one it does not.
  local function step(collection, verb, prepare, fields, wrong)
    calls[collection .. "." .. verb] = function()
      local r = make[collection]()
      for _, before in ipairs(prepare) do _G[collection][before](r) end
      local stepped = _G[collection][verb](r, fields)
      local other = make[collection]()
      for _, before in ipairs(wrong) do _G[collection][before](other) end
      return show(stepped == r, r.status, r, attempt(_G[collection][verb], other))
    end
  end
  step("grants", "submit", {}, nil, { "withdraw" })
  step("grants", "review", { "submit" }, nil, {})
  step("grants", "award", { "submit" }, { decided_on = "2021-02-02", amount_awarded = money(900, "RUB") }, {})
  step("grants", "reject", { "submit", "review" }, { decided_on = "2021-02-03" }, {})
  step("grants", "activate", { "submit", "award" }, nil, { "submit" })
  step("grants", "close", { "submit", "award", "activate" }, nil, { "submit", "award" })
  step("grants", "withdraw", { "submit" }, nil, { "submit", "reject" })
  step("applications", "review", {}, nil, { "accept" })
  step("applications", "accept", { "review" }, nil, { "dismiss" })
  step("applications", "dismiss", {}, { dismissal_reason = "Out of scope" }, { "accept" })
  step("partnerships", "activate", {}, nil, { "decline" })
  step("partnerships", "finish", { "activate" }, nil, {})
  step("partnerships", "decline", {}, nil, { "activate" })
  step("events", "hold", {}, nil, { "cancel" })
  step("events", "cancel", {}, nil, { "hold" })
  step("tasks", "complete", {}, nil, { "cancel" })
  step("tasks", "cancel", {}, nil, { "complete" })

  -- Fields of records: each read from a record made for it (its first read goes to
  -- Swift, a second may come from the cache), and assignment refused.
  local collectionOf = {
    Organisation = "orgs", Person = "people", Grant = "grants", Partnership = "partnerships", Event = "events",
    Application = "applications", Task = "tasks",
  }
  -- Fields the makers above cannot set: a record in the state that has them.
  local madeFor = {
    -- An organisation is its own and a task nobody's, unless given an owner.
    ["Organisation.owner"] = function() return org({ owner = org() }) end,
    ["Task.owner"] = function() return task({ owner = org() }) end,
    ["Application.dismissal_reason"] = function()
      return applications.dismiss(application(), { dismissal_reason = "Out of scope" })
    end,
  }
  for typeName, collection in pairs(collectionOf) do
    for _, field in ipairs(types[typeName] or {}) do
      local key = typeName .. "." .. field
      calls[key] = function()
        local r = (madeFor[key] or make[collection])()
        local first = r[field]
        -- A field the record has no value in would test little: set it in its maker.
        if first == nil then error(key .. " is nil in the record made for it: set it in calls.lua's maker") end
        local second = r[field]
        local assigned = attempt(function() r[field] = first end)
        if field == "id" then
          return show(math.type(first), first == second, _G[collection].get(first) == r, assigned)
        end
        return show(first, rawequal(first, second) or first == second, assigned)
      end
    end
  end
  -- A task past its due time, and one that is not, or done.
  local overdue = calls["Task.overdue"]
  calls["Task.overdue"] = function()
    local later = task({ due = time.now() + time.days(1) })
    local done = task()
    tasks.complete(done)
    return overdue() .. " / " .. show(later.overdue, done.overdue)
  end

  -- Fields and methods of Money, Time and Duration.
  local function valueFields(typeName, make)
    for _, field in ipairs(types[typeName] or {}) do
      calls[typeName .. "." .. field] = function()
        local v = make()
        return show(v[field], v[field], attempt(function() v[field] = 1 end))
      end
    end
  end
  valueFields("Money", function() return money("1,300,000,000.05 RUB") end)
  valueFields("Time", function() return time.parse("2021-01-26T11:05:09+03:00"):in_zone("Asia/Kolkata") end)
  valueFields("Duration", function() return time.days(3) + time.hours(5) end)
  calls["Time:in_zone"] = function()
    local t = time.parse("2021-01-26T23:30:00Z")
    return show(t:in_zone("Asia/Tokyo"), t:in_zone("UTC").day, attempt(t.in_zone, t, "Nowhere/City"), attempt(t.in_zone, "x", "UTC"))
  end
  calls["Time:format"] = function()
    local t = time.parse("2021-01-26T11:05:09+03:00"):in_zone("Asia/Kolkata")
    return show(t:format("%d %B %Y, %H:%M:%S %z %Z %a %A %j %y %b %%"), attempt(t.format, t, 5), attempt(t.format, t))
  end

  -- Operators the types declare (and, on the way, ==, <, <=, .. and tostring).
  local rub, usd = money(100, "RUB"), money(3, "USD")
  calls["Money add(Money): Money"] = function()
    return show(rub + money("0.50", "RUB"), attempt(function() return rub + usd end), attempt(function() return rub + 1 end))
  end
  calls["Money sub(Money): Money"] = function()
    return show(rub - money(150, "RUB"), rub < money(150, "RUB"), rub <= rub, rub == money(100, "RUB"),
      attempt(function() return rub - usd end))
  end
  calls["Money mul(integer): Money"] = function()
    return show(rub * 369, 2 * rub, attempt(function() return rub * 1.5 end), "total: " .. rub)
  end
  calls["Money unm: Money"] = function() return show(-rub, -(-rub) == rub) end
  local moment = time.parse("2021-01-26T11:00:00+03:00")
  calls["Time add(Duration): Time"] = function()
    return show(moment + time.days(14), time.hours(1) + moment, attempt(function() return moment + moment end))
  end
  calls["Time sub(Duration): Time"] = function()
    return show(moment - time.minutes(30), attempt(function() return moment - 5 end), "at " .. moment)
  end
  calls["Time sub(Time): Duration"] = function()
    local later = moment + time.days(2)
    return show(later - moment, moment - later, moment < later, later <= moment, moment == moment + time.days(0))
  end
  calls["Duration add(Duration): Duration"] = function()
    return show(time.days(1) + time.hours(2), time.days(1) == time.hours(24), attempt(function() return time.days(1) + 1 end))
  end
  calls["Duration sub(Duration): Duration"] = function()
    return show(time.days(1) - time.hours(30), time.hours(1) < time.days(1), "for " .. time.days(2))
  end
  calls["Duration mul(integer): Duration"] = function()
    return show(time.days(2) * 3, 4 * time.minutes(15), attempt(function() return time.days(1) * 0.5 end))
  end
  calls["Duration unm: Duration"] = function() return show(-time.days(2), -(-time.hours(1)) == time.hours(1)) end

  return calls
end
