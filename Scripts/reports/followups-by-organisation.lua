-- Open and overdue follow-up tasks by organisation: the assignee's organisation, else
-- the organisation the task is about (directly, or a grant's recipient, an
-- application's applicant).

local function organisation_of(task)
  if task.assignee and task.assignee.organisation then return task.assignee.organisation end
  local about = task.about
  if not about then return nil end
  local kind = tostring(about):match("^(%a+) #")   -- "Grant #12 (...)"
  if kind == "Organisation" then return about end
  if kind == "Grant" then return about.recipient end
  if kind == "Application" then return about.applicant end
  if kind == "Person" then return about.organisation end
  return nil
end

local open, overdue, names = {}, {}, {}
for t in tasks.find { status = "open" } do
  local org = organisation_of(t)
  local name = org and org.name or "(no organisation)"
  if not open[name] then names[#names + 1] = name end
  open[name] = (open[name] or 0) + 1
  if t.overdue then overdue[name] = (overdue[name] or 0) + 1 end
end
table.sort(names, function(a, b) return (open[a] or 0) > (open[b] or 0) or (open[a] == open[b] and a < b) end)

local rows, open_values, overdue_values = {}, {}, {}
for i, name in ipairs(names) do
  rows[i] = { name, open[name], overdue[name] or 0 }
  open_values[i], overdue_values[i] = open[name], overdue[name] or 0
end

return report {
  title = "Open and overdue follow-ups by organisation",
  subtitle = ("As of %s"):format(time.now().date),
  sections = {
    { table = { columns = { "Organisation", "Open tasks", "Overdue" }, rows = rows },
      chart = { kind = "bar", labels = names,
                series = { { name = "open", values = open_values }, { name = "overdue", values = overdue_values } } } },
  },
}
