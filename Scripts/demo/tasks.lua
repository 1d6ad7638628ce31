-- The compliance tasks the plugin's workflow made, with their due dates.
for t in tasks.find { kind = "compliance", order_by = "due" } do
  print(("  task due %s: %s"):format(t.due:format("%Y-%m-%d"), t.title))
end
