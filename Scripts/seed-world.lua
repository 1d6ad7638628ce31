-- The world of the round table of 26 January 2021 (shared/seed): the organisations
-- and people named there, the round table itself, the Presidential Grants
-- Foundation's 369 grants for public diplomacy (1,300,000,000 roubles since 2017),
-- and applications to Rossotrudnichestvo, 90% of them dismissed.
-- Running it again changes nothing: everything is looked up before it is made.

local function org(fields)
  for o in orgs.find { name = fields.name, limit = 1 } do return o end
  return orgs.create(fields)
end

local function person(fields)
  for p in people.find { name = fields.name, limit = 1 } do return p end
  return people.create(fields)
end

local asi = org { name = "Agency for Social Information", kind = "national_ngo", country = "RU",
                  description = "Organised the round table", tags = { "media", "civil society" } }
local chamber = org { name = "Civic Chamber of the Russian Federation", kind = "other_public_sector", country = "RU" }
local compact = org { name = "UN Global Compact Network Russia", kind = "international_ngo", country = "RU" }
local agency = org { name = "Rossotrudnichestvo", kind = "government", country = "RU",
                     description = "Federal Agency for CIS Affairs, Compatriots Living Abroad and International Humanitarian Cooperation" }
local tetradka = org { name = "Tetradka Druzhby", kind = "national_ngo", country = "RU",
                       description = "Educational development association" }
local lampa = org { name = "LAMPA International Film Festival", kind = "other", country = "RU" }
local pgf = org { name = "Presidential Grants Foundation", kind = "foundation", country = "RU" }
local pmi = org { name = "Philip Morris International in Russia", kind = "private_sector", country = "RU" }

local topoleva = person { name = "Elena Topoleva", role = "director", organisation = asi }
local speakers = {
  topoleva,
  person { name = "Yevgeny Primakov", role = "head", organisation = agency },
  person { name = "Olga Zubkova", role = "president", organisation = tetradka },
  person { name = "Anton Dolgov", role = "executive director", organisation = pgf },
  person { name = "Irina Zhukova", role = "director for sustainable development", organisation = pmi },
}

-- The round table, held online.
local roundtable
for e in events.find { title = "The hazards for CSOs of working internationally", limit = 1 } do roundtable = e end
if not roundtable then
  roundtable = events.create {
    title = "The hazards for CSOs of working internationally", kind = "round_table",
    starts_at = time.parse("2021-01-26T11:00:00+03:00"), ends_at = time.parse("2021-01-26T13:00:00+03:00"),
    time_zone = "Europe/Moscow", platform = "Zoom", organisers = { asi },
  }
  events.hold(roundtable)
end
-- Adding a participant twice changes nothing, so this needs no guard.
events.add_participant(roundtable, asi, "organiser")
events.add_participant(roundtable, pmi, "sponsor")
for _, speaker in ipairs(speakers) do events.add_participant(roundtable, speaker, "speaker") end
for _, attendee in ipairs { chamber, compact, agency, tetradka, lampa, pgf } do
  events.add_participant(roundtable, attendee, "attendee")
end

-- 369 grants totalling exactly 1,300,000,000.00 RUB: whole kopecks, the remainder
-- spread over the first grants, never a float.
if grants.count { funder = pgf } == 0 then
  local recipients = { asi, tetradka, lampa, compact, chamber }
  local total, count = 1300000000 * 100, 369
  local each, rest = total // count, total % count
  for i = 1, count do
    local kopecks = each + (i <= rest and 1 or 0)
    local g = grants.create {
      title = ("Public diplomacy project %d"):format(i), programme = "public diplomacy",
      funder = pgf, recipient = recipients[(i - 1) % #recipients + 1],
      amount_awarded = money(("%d.%02d"):format(kopecks // 100, kopecks % 100), "RUB"),
      applied_on = ("%d-03-01"):format(2017 + (i - 1) % 4),
    }
    grants.submit(g)
    grants.award(g, { decided_on = ("%d-06-01"):format(2017 + (i - 1) % 4) })
  end
end

-- Applications to Rossotrudnichestvo: most have no practical application.
if applications.count() == 0 then
  local applicants = { asi, tetradka, lampa, compact }
  for i = 1, 50 do
    local a = applications.create {
      applicant = applicants[(i - 1) % #applicants + 1], programme = "international cooperation",
      summary = ("Proposal %d"):format(i), received_at = time.parse("2020-12-01") + time.days(i % 30),
    }
    if i % 10 == 0 then
      applications.accept(a)
    else
      applications.dismiss(a, { dismissal_reason = "no practical application" })
    end
  end
end

-- The follow-up: a report summarising the key talking points.
if tasks.count { about = roundtable, kind = "event-report" } == 0 then
  tasks.create {
    title = "Prepare the report summarising the key talking points of the round table",
    kind = "event-report", about = roundtable, assignee = topoleva,
    due = roundtable.ends_at + time.days(14),
  }
end

-- The ASI study: 100 organisations surveyed, 61 of them already cooperating
-- internationally, by focus area. Only where the workspace has the survey's custom
-- fields (Scripts/demo/comity.lua).
if pcall(orgs.count, { cooperates_internationally = true }) and orgs.count { focus_area = "education" } == 0 then
  -- Per area: surveyed, cooperating.
  local survey = {
    { "education", 22, 15 }, { "culture", 18, 13 }, { "social_services", 24, 11 },
    { "human_rights", 12, 9 }, { "environment", 14, 8 }, { "health", 10, 5 },
  }
  local n = 0
  for _, area in ipairs(survey) do
    for i = 1, area[2] do
      n = n + 1
      orgs.create { name = ("Survey respondent %d"):format(n), kind = "national_ngo", country = "RU",
                    focus_area = area[1], cooperates_internationally = i <= area[3],
                    tags = { "survey" } }
    end
  end
end
