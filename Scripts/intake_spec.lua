-- Specs for intake.lua.

local FILE = table.concat({
  "organisation,org_identifier,country,email,programme,summary,requested,practical,international",
  "Agency for Social Information,RU-INN-7707083893,RU,info@asi.org.ru,exchange,A school of public diplomacy for regional NGOs,500000.00 RUB,yes,yes",
  "Tetradka Druzhby,,RU,hello@tetradka.ru,exchange,Friendship camps,,yes,no",
  "\"Tetradka  Druzhby!\",,RU,,exchange,Pen pals,,no,no",
  "Big Ask Ltd,,RU,ask@example.org,exchange,An enormous programme of exchanges across the country,9000000.00 RUB,yes,yes",
}, "\n") .. "\n"

describe("intake", function()
  it("accepts, reviews and dismisses by the rules, and acknowledges", function()
    inbox_put("applications.csv", FILE)
    local run = run_workflow("Scripts/intake.lua")
    expect(run.error).to_be_nil()
    expect(run.output[1]).to_equal("intake: 1 accepted, 2 under review, 1 dismissed, 0 already known, 0 failed")
    expect(applications.get("applications.csv:2").status).to_equal("accepted")
    expect(applications.get("applications.csv:3").status).to_equal("under_review")
    local dismissed = applications.get("applications.csv:4")
    expect(dismissed.status).to_equal("dismissed")
    expect(dismissed.dismissal_reason).to_equal(
      "no practical application of the work; no experience of international cooperation; no summary of at least 40 characters")
    -- 3 + 1 + 1 - 2: a large request goes to a person.
    expect(applications.get("applications.csv:5").status).to_equal("under_review")
    local review
    for t in tasks.find { kind = "application-review", limit = 1 } do review = t end
    expect(review.assignee.name).to_equal("Elena Topoleva")
    expect(tostring(review.due)).to_equal("2021-02-02T12:00:00Z")
    expect(inbox.files()).to_equal({}) -- moved to processed/
    local messages = outbox()
    expect(#messages).to_equal(3) -- the row without an email gets none
    expect(messages[1].to).to_equal("info@asi.org.ru")
    expect(messages[1].subject).to_equal("Your application to exchange")
    expect(messages[1].body).to_contain("Its status: accepted.")
  end)

  it("never makes an organisation twice", function()
    orgs.create { name = "Agency for Social Information", identifier = "RU-INN-7707083893", country = "RU" }
    inbox_put("applications.csv", FILE)
    run_workflow("Scripts/intake.lua")
    -- ASI by its org-id; the two spellings of Tetradka Druzhby are one organisation.
    expect(orgs.count()).to_equal(3)
    expect(applications.count { applicant = orgs.get(1) }).to_equal(1)
  end)

  it("changes nothing when the same file comes again", function()
    inbox_put("applications.csv", FILE)
    run_workflow("Scripts/intake.lua")
    inbox_put("applications.csv", FILE)
    local again = run_workflow("Scripts/intake.lua")
    expect(again.output[1]).to_equal("intake: 0 accepted, 0 under review, 0 dismissed, 4 already known, 0 failed")
    expect(again.created).to_equal(0)
    expect(again.changed).to_equal(0)
    expect(applications.count()).to_equal(4)
  end)

  it("keeps a file with a bad row in the inbox and says where", function()
    inbox_put("broken.csv", "organisation,country,summary\nGood NGO,RU,Fine\nBad NGO,SU,Wrong country\n")
    local run = run_workflow("Scripts/intake.lua")
    expect(run.output[1]).to_contain("1 failed")
    expect(run.log[#run.log]).to_contain("broken.csv:3: ")
    expect(run.log[#run.log]).to_contain("invalid country 'SU'")
    expect(inbox.files()).to_equal({ "broken.csv" })
  end)

  it("reads JSON too", function()
    inbox_put("more.json", '[{"organisation": "Rossotrudnichestvo", "country": "RU", "summary": "x", "practical": "no"}]')
    local run = run_workflow("Scripts/intake.lua")
    expect(run.output[1]).to_equal("intake: 0 accepted, 0 under review, 1 dismissed, 0 already known, 0 failed")
  end)
end)
