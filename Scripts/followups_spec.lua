-- Specs for followups.lua.

local function world()
  local asi = orgs.create { name = "Agency for Social Information", country = "RU" }
  local pgf = orgs.create { name = "Presidential Grants Foundation", kind = "foundation", country = "RU" }
  local elena = people.create { name = "Elena Topoleva", organisation = asi, email = "elena@asi.org.ru" }
  local ev = events.create { title = "the round table", kind = "round_table", starts_at = "2021-01-26T11:00:00+03:00",
                             ends_at = "2021-01-26T13:00:00+03:00" }
  events.add_participant(ev, asi, "organiser")
  return { asi = asi, pgf = pgf, elena = elena, ev = ev }
end

describe("followups", function()
  it("plans the report when an event is held, once", function()
    local w = world()
    events.hold(w.ev)
    local run = run_workflow("Scripts/followups.lua")
    expect(run.output[1]).to_equal("followups: 1 task(s) made, 0 reminder(s) sent")
    local task
    for t in tasks.find { kind = "event-report" } do task = t end
    expect(task.title).to_equal("Prepare the report summarising the round table")
    expect(task.assignee.name).to_equal("Elena Topoleva")
    expect(tostring(task.due)).to_equal("2021-02-09T10:00:00Z")
    expect(run_workflow("Scripts/followups.lua").output[1]).to_equal("followups: 0 task(s) made, 0 reminder(s) sent")
    expect(tasks.count()).to_equal(1)
  end)

  it("is triggered by event.held", function()
    local w = world()
    local run = run_workflow("Scripts/fixtures/hold-first-event.lua")
    expect(run.triggered[1].workflow).to_equal("followups")
    expect(tasks.count { kind = "event-report" }).to_equal(1)
  end)

  it("asks for grant reports and partnership reviews coming due", function()
    local w = world()
    local g = grants.create { title = "Library", funder = w.pgf, recipient = w.asi, report_due = "2021-02-10" }
    grants.submit(g)
    grants.award(g, { amount_awarded = money(100000, "RUB") })
    local later = grants.create { title = "Later", funder = w.pgf, recipient = w.asi, report_due = "2021-12-31" }
    grants.submit(later)
    grants.award(later)
    local p = partnerships.create { members = { w.asi, w.pgf }, ends_on = "2021-02-20" }
    partnerships.activate(p)
    local run = run_workflow("Scripts/followups.lua")
    expect(run.output[1]).to_equal("followups: 2 task(s) made, 0 reminder(s) sent")
    expect(tasks.count { kind = "grant-report" }).to_equal(1)
    local review
    for t in tasks.find { kind = "partnership-review" } do review = t end
    expect(review.title).to_equal("Review the partnership of Agency for Social Information, Presidential Grants Foundation")
  end)

  it("reminds the assignee of an overdue task once a day", function()
    local w = world()
    tasks.create { title = "Send the minutes", assignee = w.elena, due = time.parse("2021-01-25") }
    expect(run_workflow("Scripts/followups.lua").output[1]).to_equal("followups: 0 task(s) made, 1 reminder(s) sent")
    expect(run_workflow("Scripts/followups.lua").output[1]).to_equal("followups: 0 task(s) made, 0 reminder(s) sent")
    clock.advance(time.days(1))
    expect(run_workflow("Scripts/followups.lua").output[1]).to_equal("followups: 0 task(s) made, 1 reminder(s) sent")
    local messages = outbox()
    expect(#messages).to_equal(2)
    expect(messages[1].to).to_equal("elena@asi.org.ru")
    expect(messages[1].subject).to_equal("Overdue: Send the minutes")
  end)
end)
