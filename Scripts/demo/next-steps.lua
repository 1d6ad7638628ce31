-- The demo's next steps after the round table: it is held (if it is not already), so
-- its event.held starts followups.lua; Rossotrudnichestvo brings a Russian CSO
-- together with a partner abroad, as it offered to at the round table (the partner
-- and the dates are illustrative); Elena Topoleva gets an address for reminders
-- (an example.org one). Running it again changes nothing.
for ev in events.find { title = "The hazards for CSOs of working internationally", limit = 1 } do
  if ev.status == "planned" then events.hold(ev) end
  print(("%s: %s"):format(ev.title, ev.status))
end

for p in people.find { name = "Elena Topoleva", limit = 1 } do
  if not p.email then people.update(p, { email = "elena.topoleva@example.org" }) end
end

local function org(name, fields)
  for o in orgs.find { name = name, limit = 1 } do return o end
  fields.name = name
  return orgs.create(fields)
end
local tetradka = org("Tetradka Druzhby", { kind = "national_ngo", country = "RU" })
local partner = org("Friendship School Yerevan (illustrative)", { kind = "partner_country_ngo", country = "AM" })
local agency = org("Rossotrudnichestvo", { kind = "government", country = "RU" })
if partnerships.count { facilitator = agency } == 0 then
  local p = partnerships.create {
    members = { tetradka, partner }, facilitator = agency, kind = "exchange",
    purpose = "Pen pals and summer camps", starts_on = "2021-02-01", ends_on = "2021-03-15",
  }
  partnerships.activate(p)
  print("partnership: " .. tetradka.name .. " and " .. partner.name .. ", facilitated by " .. agency.name)
end
