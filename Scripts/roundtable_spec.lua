-- Specs for roundtable.lua: `comity test` (and `make test`) runs them.

describe("roundtable-followup", function()
  it("reports the intake funnel and the foundation's grants", function()
    local run = run_workflow("Scripts/roundtable.lua")
    expect(run.outcome).to_equal("succeeded")
    expect(run.output).to_contain("Applications: 200 received, 180 dismissed (90%), 20 accepted")
    expect(table.concat(run.output, "\n")).to_contain("1,300,000,000.00 RUB to 369 projects")
  end)

  it("plans the report 14 days after the event by default", function()
    local run = run_workflow("Scripts/roundtable.lua")
    expect(run.output[#run.output]).to_contain("due 2021-02-09 (14 days after)")
  end)

  it("takes the delay as a parameter", function()
    local run = run_workflow("Scripts/roundtable.lua", { days = 21 })
    expect(run.output[#run.output]).to_contain("due 2021-02-16 (21 days after)")
  end)

  it("refuses a delay that is not a whole number of days", function()
    local run = run_workflow("Scripts/roundtable.lua", { days = "soon" })
    expect(run.outcome).to_equal("failed")
    expect(run.error).to_contain("'soon' is not a whole number (integer expected)")
  end)
end)
