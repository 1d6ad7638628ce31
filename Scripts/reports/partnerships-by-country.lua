-- Partnerships by the pair of countries they join (each pair once, in name order),
-- and the facilitators who brought them about.

local pairs_count, labels = {}, {}
local facilitated = 0
for p in partnerships.find { archived = false } do
  local countries = {}
  for _, member in ipairs(p.members) do
    local c = member.country or "??"
    countries[c] = true
  end
  local list = {}
  for c in pairs(countries) do list[#list + 1] = c end
  table.sort(list)
  local key = #list == 1 and (list[1] .. " only") or table.concat(list, " – ")
  if not pairs_count[key] then labels[#labels + 1] = key end
  pairs_count[key] = (pairs_count[key] or 0) + 1
  if p.facilitator then facilitated = facilitated + 1 end
end
table.sort(labels, function(a, b) return pairs_count[a] > pairs_count[b] or (pairs_count[a] == pairs_count[b] and a < b) end)

local rows, values = {}, {}
for i, key in ipairs(labels) do rows[i], values[i] = { key, pairs_count[key] }, pairs_count[key] end

return report {
  title = "Partnerships by country pair",
  subtitle = ("%d partnerships, %d brought about by a facilitator"):format(partnerships.count(), facilitated),
  sections = {
    { table = { columns = { "Countries", "Partnerships" }, rows = rows },
      chart = { kind = "bar", labels = labels, values = values } },
  },
}
