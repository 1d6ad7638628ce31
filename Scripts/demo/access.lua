-- What one person sees of the seed world and may change: `make demo` runs it as the
-- workspace, as an editor of the Agency for Social Information and as a coordinator of the
-- round table's network (see the README's "Who may see what").
local totals = grants.sum { "amount_awarded" }
local shown = {}
for _, row in ipairs(totals) do shown[#shown + 1] = tostring(row.total) end
print(("sees %d organisations, %d grants (%s awarded), %d applications, %d people")
  :format(orgs.count {}, grants.count {}, #shown > 0 and table.concat(shown, ", ") or "none", applications.count {}, people.count {}))
local funded = grants.find { programme = "public diplomacy", order_by = "id" }()
if funded then
  local ok, err = pcall(grants.update, funded, { title = funded.title .. " (edited)" })
  print(ok and ("may change " .. funded.title) or err)
end
