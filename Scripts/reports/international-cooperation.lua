-- The share of organisations with experience of international cooperation, by focus
-- area. Needs two custom fields on organisations (see Scripts/demo/comity.lua):
--   cooperates_internationally = "boolean", focus_area = { type = "choice", values = {...} }
local format = require "lib.format"

local ok, problem = pcall(orgs.count, { cooperates_internationally = true })
if not ok then
  return report {
    title = "International cooperation by focus area",
    sections = { { text = {
      "This report needs the custom fields cooperates_internationally (boolean) and focus_area on organisations.",
      "Add them to custom_fields in comity.lua, as in Scripts/demo/comity.lua. (" .. tostring(problem) .. ")" } } },
  }
end

local surveyed, cooperating = {}, {}
for _, row in ipairs(orgs.count { by = { "focus_area" } }) do
  if row.focus_area then surveyed[row.focus_area] = row.count end
end
for _, row in ipairs(orgs.count { by = { "focus_area" }, cooperates_internationally = true }) do
  if row.focus_area then cooperating[row.focus_area] = row.count end
end
local areas = {}
for area in pairs(surveyed) do areas[#areas + 1] = area end
table.sort(areas)

local rows, labels, shares, total, total_yes = {}, {}, {}, 0, 0
for _, area in ipairs(areas) do
  local n, yes = surveyed[area], cooperating[area] or 0
  total, total_yes = total + n, total_yes + yes
  rows[#rows + 1] = { area:gsub("_", " "), n, yes, format.percent(yes, n) }
  labels[#labels + 1] = area:gsub("_", " ")
  shares[#shares + 1] = math.floor(yes * 100 / n + 0.5)
end
rows[#rows + 1] = { "all", total, total_yes, format.percent(total_yes, total) }

return report {
  title = "International cooperation by focus area",
  subtitle = ("%s of %d organisations surveyed already cooperate internationally"):format(format.percent(total_yes, total), total),
  sections = {
    { table = { columns = { "Focus area", "Organisations", "Cooperating internationally", "Share" }, rows = rows } },
    { heading = "Share cooperating internationally", chart = { kind = "bar", labels = labels, values = shares, unit = "%" } },
  },
}
