-- Small formatting helpers shared by the shipped scripts (loaded with require "lib.format").
local format = {}

--- 1300000000 -> "1,300,000,000"
function format.thousands(n)
  local digits = tostring(math.tointeger(n) or n)
  local sign, int = digits:match("^(-?)(%d+)")
  local grouped = int:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
  return sign .. grouped .. digits:sub(#sign + #int + 1)
end

--- Money kept as integer minor units: 130000000000, "RUB" -> "1,300,000,000.00 RUB"
function format.money(minor, currency)
  local units, cents = minor // 100, minor % 100
  return string.format("%s.%02d %s", format.thousands(units), cents, currency)
end

--- A share as a whole percentage: 9, 10 -> "90%"
function format.percent(part, whole)
  if whole == 0 then return "n/a" end
  return string.format("%d%%", (part * 100 + whole // 2) // whole)
end

return format
