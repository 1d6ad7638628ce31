-- A short report of totals, computed by the database.
local format = require "lib.format"

print("Organisations by kind:")
for _, row in ipairs(orgs.count { by = { "kind" } }) do
  print(("  %-22s %d"):format(row.kind, row.count))
end

print("Grants awarded, by funder:")
for _, row in ipairs(grants.sum { "amount_awarded", by = { "funder" }, where = { status = "awarded" } }) do
  print(("  %s: %s in %d grants"):format(row.funder.name, tostring(row.total),
    grants.count { funder = row.funder, status = "awarded" }))
end

local received, dismissed = applications.count(), applications.count { status = "dismissed" }
print(("Applications: %d received, %d dismissed (%s)"):format(received, dismissed, format.percent(dismissed, received)))

for ev in events.find { status = "held" } do
  local roles = {}
  for _, p in ipairs(events.participants(ev)) do roles[p.role] = (roles[p.role] or 0) + 1 end
  print(("Held: %s, %s on %s (%d speakers, %d attending organisations)"):format(
    ev.title, ev.starts_at.date, ev.platform, roles.speaker or 0, roles.attendee or 0))
  for t in tasks.find { about = ev, status = "open" } do
    print(("  open task: %s (due %s, %s%s)"):format(t.title, t.due.date, t.assignee.name, t.overdue and ", overdue" or ""))
  end
end
