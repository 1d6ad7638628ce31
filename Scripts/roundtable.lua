-- The round table of 26 January 2021 on international cooperation of Russian CSOs,
-- its intake figures and its follow-up, as a workflow. Until the typed core API lands
-- the records are plain Lua tables; money and time are already the API's.
local format = require "lib.format"

local event = {
  title = "Round table: the hazards for CSOs of working internationally",
  kind = "round_table",
  platform = "Zoom",
  starts_at = time.parse("2021-01-26T11:00:00+03:00"),
  organisers = { "Agency for Social Information (ASI)" },
  sponsors = { "Philip Morris International in Russia" },
  speakers = {
    { name = "Elena Topoleva", role = "director", org = "Agency for Social Information" },
    { name = "Yevgeny Primakov", role = "head", org = "Rossotrudnichestvo" },
    { name = "Olga Zubkova", role = "president", org = "Tetradka Druzhby" },
    { name = "Anton Dolgov", role = "executive director", org = "Presidential Grants Foundation" },
    { name = "Irina Zhukova", role = "director for sustainable development", org = "Philip Morris International" },
  },
}

-- Intake as Rossotrudnichestvo describes it: most proposals have no practical application.
local function triage(applications)
  local accepted, dismissed = {}, {}
  for _, app in ipairs(applications) do
    if app.practical_application then
      accepted[#accepted + 1] = app
    else
      dismissed[#dismissed + 1] = app
    end
  end
  return accepted, dismissed
end

return workflow {
  name = "roundtable-followup",
  description = "Summarise the round table and plan the report that follows it",
  params = {
    days = { type = "integer", default = 14, description = "Days after the event the report is due" },
  },
  run = function(ctx)
    local days = ctx.params.days
    if days < 1 then error("parameter 'days' must be 1 or more, got " .. days) end

    print(event.title)
    print(("  %s, online on %s, organised by %s"):format(
      event.starts_at.date, event.platform, table.concat(event.organisers, ", ")))
    for _, s in ipairs(event.speakers) do
      print(("  speaker: %s, %s, %s"):format(s.name, s.role, s.org))
    end

    local applications = {}
    for i = 1, 200 do
      applications[i] = { id = i, practical_application = (i % 10 == 0) }
    end
    local accepted, dismissed = triage(applications)
    print(("Applications: %d received, %d dismissed (%s), %d accepted"):format(
      #applications, #dismissed, format.percent(#dismissed, #applications), #accepted))

    local allocated, projects = money(1300000000, "RUB"), 369 -- since 2017
    local kopecks = allocated.minor_units // projects -- whole kopecks, no floating point
    local average = money(("%d.%02d"):format(kopecks // 100, kopecks % 100), "RUB")
    print(("Presidential Grants Foundation: %s to %d projects, %s each on average"):format(
      tostring(allocated), projects, tostring(average)))
    print(("Study: %s of organisations already cooperate internationally"):format(format.percent(61, 100)))

    local due = event.starts_at + time.days(days)
    print(("Follow-up task: prepare the report summarising the round table, due %s (%s after)"):format(
      due.date, tostring(due - event.starts_at)))
  end,
}
