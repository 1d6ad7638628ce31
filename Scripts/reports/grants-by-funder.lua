-- Grants awarded by funder and programme over a period, with a chart by funder and
-- one by year. `comity report grants-by-funder --param from=2017-01-01 --format html`.
-- ISO dates compare as text.
local function later(a, b) return a > b and a or b end
local function earlier(a, b) return a < b and a or b end

return workflow {
  name = "report-grants-by-funder",
  description = "Grants awarded by funder and programme over a period",
  params = {
    from = { type = "date", default = "2017-01-01", description = "First decision date included" },
    to = { type = "date", default = "2100-12-31", description = "Last decision date included" },
  },
  run = function(ctx)
    local from, to = ctx.params.from, ctx.params.to
    local period = { decided_on_min = from, decided_on_max = to }

    -- Counts and totals, both computed by the database, joined by funder and programme.
    local counts = {}
    local query = { by = { "funder", "programme" }, decided_on_min = from, decided_on_max = to }
    -- A funder the reader may not see (a report run as a person) is nil: one row for them all.
    local hidden = "(a funder not shown)"
    local function key(row) return (row.funder and row.funder.id or hidden) .. "\0" .. (row.programme or "") end
    for _, row in ipairs(grants.count(query)) do
      counts[key(row)] = row.count
    end
    local rows, by_funder, funders, grand, projects = {}, {}, {}, {}, 0
    for _, row in ipairs(grants.sum { "amount_awarded", by = { "funder", "programme" }, where = period }) do
      local n = counts[key(row)] or 0
      rows[#rows + 1] = { row.funder or hidden, row.programme or "(none)", n, row.total }
      projects = projects + n
      local currency = row.total.currency
      grand[currency] = (grand[currency] or money(0, currency)) + row.total
      if currency == "RUB" then
        local name = row.funder and row.funder.name or hidden
        if not by_funder[name] then funders[#funders + 1] = name end
        by_funder[name] = (by_funder[name] or money(0, "RUB")) + row.total
      end
    end
    local totals = {}
    for currency, amount in pairs(grand) do totals[#totals + 1] = tostring(amount) end
    table.sort(totals)

    local years, per_year = {}, {}
    -- The years from the first decision to the last within the period.
    local first, last
    for g in grants.find { decided_on_min = from, decided_on_max = to, order_by = "decided_on", limit = 1 } do
      first = tonumber(g.decided_on:sub(1, 4))
    end
    for g in grants.find { decided_on_min = from, decided_on_max = to, order_by = "-decided_on", limit = 1 } do
      last = tonumber(g.decided_on:sub(1, 4))
    end
    first, last = first or tonumber(from:sub(1, 4)), last or tonumber(from:sub(1, 4))
    for year = first, last do
      local sum = grants.sum { "amount_awarded", where = {
        decided_on_min = later(from, year .. "-01-01"), decided_on_max = earlier(to, year .. "-12-31") } }
      local rub = money(0, "RUB")
      for _, row in ipairs(sum) do if row.total.currency == "RUB" then rub = row.total end end
      years[#years + 1] = tostring(year)
      per_year[#per_year + 1] = rub
    end

    local values = {}
    for i, name in ipairs(funders) do values[i] = by_funder[name] end
    local since = to == "2100-12-31" and ("since " .. from) or ("from " .. from .. " to " .. to)
    return report {
      title = "Grants awarded by funder and programme",
      subtitle = ("Decisions %s: %d projects, %s"):format(since, projects, #totals > 0 and table.concat(totals, " + ") or "nothing"),
      sections = {
        { heading = "By funder and programme",
          table = { columns = { "Funder", "Programme", "Projects", "Awarded" }, rows = rows } },
        { heading = "Awarded by funder (RUB)", chart = { kind = "bar", labels = funders, values = values, unit = "RUB" } },
        { heading = "Awarded per year (RUB)", chart = { kind = "line", labels = years, values = per_year, unit = "RUB" } },
      },
    }
  end,
}
