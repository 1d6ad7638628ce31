-- The shipped plugins at work on the demo's world (make demo copies Plugins/ into the
-- workspace first). sdg: the foundation's public diplomacy grants serve goals 16
-- (peace, justice and strong institutions) and 17 (partnerships for the goals); those
-- to Tetradka Druzhby, a children's friendship project, also goal 4 (education).
-- compliance: the foundation and its recipients are all registered in Russia, so no
-- grant crosses a border; an illustrative grant from a fund registered in Germany
-- does, and once it is awarded the plugin's workflow tracks the obligations its rules
-- give for RU. Running it again changes nothing.
local sdg = require "sdg"
local compliance = require "compliance"

local tagged = 0
for g in grants.find { programme = "public diplomacy" } do
  if not g.sdg_goals then
    sdg.tag(g, g.recipient.name == "Tetradka Druzhby" and { 4, 16, 17 } or { 16, 17 })
    tagged = tagged + 1
  end
end
print(("sdg: %d grant(s) tagged with goals"):format(tagged))

local crossing, total = 0, 0
for g in grants.find {} do
  total = total + 1
  if compliance.check(g) then crossing = crossing + 1 end
end
print(("compliance: %d of %d grants cross a border"):format(crossing, total))

if not grants.get("demo-archive-2021") then
  local fund = orgs.create { name = "Civil Society Fund (illustrative)", kind = "foundation", country = "DE" }
  local recipient
  for o in orgs.find { name = "Tetradka Druzhby", limit = 1 } do recipient = o end
  local g = grants.create {
    title = "Archive digitisation (illustrative)", identifier = "demo-archive-2021", programme = "archives",
    funder = fund, recipient = recipient, amount_requested = money(20000, "EUR"),
  }
  grants.submit(g)
  grants.award(g, { amount_awarded = money(20000, "EUR"), decided_on = "2021-02-15" })
  local _, sentence = compliance.check(g)
  print("compliance: " .. sentence .. " Its obligations are tracked as tasks once the award commits.")
end
