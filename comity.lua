-- The clone is a workspace too, with the shipped scripts and plugins, so that the
-- README's `.build/debug/comity run Scripts/roundtable.lua` works here as written.
-- Its database is .comity/comity.db (ignored by git).
return {}
