-- The intake funnel: applications received, under review, accepted and dismissed,
-- and the reasons for dismissal.
local format = require "lib.format"

local received = applications.count()
local by_status = {}
for _, row in ipairs(applications.count { by = { "status" } }) do by_status[row.status] = row.count end
local stages = { "received", "under_review", "accepted", "dismissed" }
local labels, values, rows = {}, {}, {}
for _, stage in ipairs(stages) do
  local n = by_status[stage] or 0
  labels[#labels + 1] = stage:gsub("_", " ")
  values[#values + 1] = n
  rows[#rows + 1] = { stage:gsub("_", " "), n, format.percent(n, received) }
end

local reasons = {}
for _, row in ipairs(applications.count { by = { "dismissal_reason" }, status = "dismissed" }) do
  reasons[#reasons + 1] = { row.dismissal_reason or "(no reason given)", row.count, format.percent(row.count, by_status.dismissed or 0) }
end
table.sort(reasons, function(a, b) return a[2] > b[2] end)

return report {
  title = "Intake funnel",
  subtitle = ("%d applications received; %d dismissed (%s), %d accepted"):format(
    received, by_status.dismissed or 0, format.percent(by_status.dismissed or 0, received), by_status.accepted or 0),
  sections = {
    { heading = "Where applications stand",
      table = { columns = { "Status", "Applications", "Share" }, rows = rows },
      chart = { kind = "bar", labels = labels, values = values } },
    { heading = "Why applications were dismissed",
      table = { columns = { "Reason", "Applications", "Share of dismissed" }, rows = reasons } },
  },
}
