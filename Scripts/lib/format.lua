-- Small formatting helpers shared by the shipped scripts (loaded with require "lib.format").
local format = {}

--- A share as a whole percentage, rounded: 9, 10 -> "90%"
function format.percent(part, whole)
  if whole == 0 then return "n/a" end
  return string.format("%d%%", (part * 100 + whole // 2) // whole)
end

return format
