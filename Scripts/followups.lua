-- Follow-ups: the tasks and reminders that keep a network's promises.
--  * an event held gets a task to prepare the report summarising it, due `report_days`
--    after it ends (started by the event.held event, or by hand for any held event);
--  * a grant whose report to the funder falls due within `window_days` gets a task;
--  * an active partnership ending within `window_days` gets a review task;
--  * an open task past its due time sends its assignee a reminder, once a day at most.
-- Running it twice creates nothing twice: each task is looked up before it is made.

local function open_task(kind, about)
  for t in tasks.find { kind = kind, about = about, limit = 1 } do return t end
  return nil
end

local function organiser_contact(ev)
  -- Whoever is named organiser first, if a person works there.
  for _, who in ipairs(events.participants(ev)) do
    if who.role == "organiser" then
      for p in people.find { organisation = who.participant, limit = 1 } do return p end
    end
  end
  return nil
end

local function event_reports(ctx, only)
  local made = 0
  local function consider(ev)
    if ev.status == "held" and not open_task("event-report", ev) then
      tasks.create {
        title = "Prepare the report summarising " .. ev.title, kind = "event-report", about = ev,
        assignee = organiser_contact(ev),
        due = (ev.ends_at or ev.starts_at) + time.days(ctx.params.report_days),
      }
      made = made + 1
    end
  end
  if only then consider(only) else for ev in events.find { status = "held" } do consider(ev) end end
  return made
end

local function grant_reports(ctx)
  local made, horizon = 0, time.now() + time.days(ctx.params.window_days)
  for _, status in ipairs { "awarded", "active" } do
    for g in grants.find { status = status, report_due_max = horizon.date } do
      if not open_task("grant-report", g) then
        tasks.create {
          title = ("Report to %s on %s"):format(g.funder.name, g.title), kind = "grant-report", about = g,
          due = time.parse(g.report_due),
        }
        made = made + 1
      end
    end
  end
  return made
end

local function partnership_reviews(ctx)
  local made, horizon = 0, time.now() + time.days(ctx.params.window_days)
  for p in partnerships.find { status = "active", ends_on_max = horizon.date } do
    if not open_task("partnership-review", p) then
      local names = {}
      for _, member in ipairs(p.members) do names[#names + 1] = member.name end
      tasks.create {
        title = "Review the partnership of " .. table.concat(names, ", "), kind = "partnership-review", about = p,
        due = time.parse(p.ends_on),
      }
      made = made + 1
    end
  end
  return made
end

local function reminders(ctx)
  local sent = 0
  for t in tasks.find { status = "open", due_before = time.now() } do
    local person = t.assignee
    if person and person.email then
      -- Once a day at most, however often this runs.
      ctx.once(("reminder:%d:%s"):format(t.id, time.now().date), function()
        mail.send {
          to = person.email, about = t,
          subject = "Overdue: " .. t.title,
          body = ("Dear %s,\n\nThe task \"%s\" was due on %s. Please finish it or say what is in the way.\n"):format(
            person.name, t.title, t.due.date),
        }
        sent = sent + 1
      end)
    end
  end
  return sent
end

return workflow {
  name = "followups",
  description = "Report tasks after events and for grants, partnership reviews, reminders of overdue tasks",
  on = { "event.held" },
  schedule = "0 8 * * *",  -- and every morning, in the workspace's time zone
  params = {
    report_days = { type = "integer", default = 14, description = "Days after an event its report is due" },
    window_days = { type = "integer", default = 30, description = "How far ahead grant reports and partnership ends are looked for" },
  },
  run = function(ctx)
    local held = ctx.trigger.kind == "event" and ctx.trigger.record or nil
    local made = event_reports(ctx, held)
    if not held then
      made = made + grant_reports(ctx) + partnership_reviews(ctx)
    end
    local sent = reminders(ctx)
    print(("followups: %d task(s) made, %d reminder(s) sent"):format(made, sent))
  end,
}
