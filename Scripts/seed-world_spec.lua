-- Specs for seed-world.lua and report.lua.

describe("seed-world", function()
  it("loads the world of the round table", function()
    local run = run_workflow("Scripts/seed-world.lua")
    expect(run.error).to_be_nil()
    expect(orgs.get("RU-INN-7707083893")).to_be_nil() -- the seed names organisations, not their numbers
    local pgf
    for o in orgs.find { name = "Presidential Grants Foundation" } do pgf = o end
    expect(pgf.kind).to_equal("foundation")
    expect(grants.count { funder = pgf }).to_equal(369)
    local total = grants.sum { "amount_awarded", by = { "funder" } }
    expect(tostring(total[1].total)).to_equal("1,300,000,000.00 RUB")
    expect(applications.count()).to_equal(50)
    expect(applications.count { status = "dismissed" }).to_equal(45)
  end)

  it("changes nothing when run again", function()
    run_workflow("Scripts/seed-world.lua")
    local again = run_workflow("Scripts/seed-world.lua")
    expect(again.outcome).to_equal("succeeded")
    expect(again.created).to_equal(0)
    expect(again.changed).to_equal(0)
  end)

  it("leaves a report task that becomes overdue as the clock moves", function()
    run_workflow("Scripts/seed-world.lua")
    clock.set("2021-02-01")
    local task
    for t in tasks.find { status = "open" } do task = t end
    expect(task.overdue).to_be_falsy()
    clock.advance(time.days(14))
    expect(task.overdue).to_be_truthy()
    local report = run_workflow("Scripts/report.lua")
    expect(table.concat(report.output, "\n")).to_contain("overdue")
  end)
end)
