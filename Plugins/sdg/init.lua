local sdg = {}

local TITLES = {
  "No poverty", "Zero hunger", "Good health and well-being", "Quality education", "Gender equality",
  "Clean water and sanitation", "Affordable and clean energy", "Decent work and economic growth",
  "Industry, innovation and infrastructure", "Reduced inequalities", "Sustainable cities and communities",
  "Responsible consumption and production", "Climate action", "Life below water", "Life on land",
  "Peace, justice and strong institutions", "Partnerships for the goals",
}

local COLLECTIONS = { Organisation = orgs, Grant = grants, Event = events }

local function checked(goal)
  local n = math.tointeger(tonumber(goal))
  if not n or n < 1 or n > 17 then
    error(("sdg: '%s' is not a goal (goals are numbered 1 to 17)"):format(tostring(goal)), 3)
  end
  return n
end

function sdg.goals()
  local list = {}
  for number, title in ipairs(TITLES) do list[number] = { number = number, title = title } end
  return list
end

function sdg.title(goal)
  return TITLES[checked(goal)]
end

function sdg.tag(record, goals)
  local kind = tostring(record):match("^(%a+)")
  local collection = COLLECTIONS[kind]
  if not collection then error("sdg.tag: an Organisation, Grant or Event is needed, not a " .. tostring(kind), 2) end
  local set = {}
  for _, goal in ipairs(record.sdg_goals or {}) do set[checked(goal)] = true end
  for _, goal in ipairs(goals) do set[checked(goal)] = true end
  local merged = {}
  for number = 1, 17 do if set[number] then merged[#merged + 1] = tostring(number) end end
  collection.update(record, { sdg_goals = merged })
  return merged
end

function sdg.report(from)
  local projects, amounts, currencies = {}, {}, {}
  for g in grants.find(from and { decided_on_min = from } or {}) do
    if g.amount_awarded then
      for _, goal in ipairs(g.sdg_goals or {}) do
        local n = checked(goal)
        projects[n] = (projects[n] or 0) + 1
        local currency = g.amount_awarded.currency
        amounts[n] = amounts[n] or {}
        amounts[n][currency] = (amounts[n][currency] or money(0, currency)) + g.amount_awarded
        currencies[currency] = true
      end
    end
  end
  local rows, labels, counts = {}, {}, {}
  for number, title in ipairs(TITLES) do
    if projects[number] then
      local totals = {}
      for _, amount in pairs(amounts[number]) do totals[#totals + 1] = tostring(amount) end
      table.sort(totals)
      rows[#rows + 1] = { number, title, projects[number], table.concat(totals, " + ") }
      labels[#labels + 1] = tostring(number)
      counts[#counts + 1] = projects[number]
    end
  end
  return report {
    title = "Grants by Sustainable Development Goal",
    subtitle = (from and ("Awarded grants decided since " .. from) or "Awarded grants")
      .. ", by the goals they are tagged with (a grant may serve several)",
    sections = {
      { heading = "By goal", table = { columns = { "Goal", "Title", "Projects", "Awarded" }, rows = rows } },
      { heading = "Projects by goal", chart = { kind = "bar", labels = labels, values = counts, unit = "projects" } },
    },
  }
end

return sdg
