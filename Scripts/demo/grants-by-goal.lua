-- Grants by Sustainable Development Goal, from the sdg plugin:
-- `comity report Scripts/demo/grants-by-goal.lua`.
return require("sdg").report()
