-- The UN Sustainable Development Goals: tag organisations, grants and events with the
-- goals their work serves, and report grants by goal.
return {
  name = "sdg",
  version = "1.0.0",
  comity = ">=0.1",
  description = "Tags records with the UN Sustainable Development Goals and reports grants by goal",
  provides = {
    custom_fields = {
      organisation = { sdg_goals = { type = "list", doc = "Sustainable Development Goals (numbers 1-17) its work serves" } },
      grant = { sdg_goals = { type = "list", doc = "Sustainable Development Goals (numbers 1-17) the grant serves" } },
      event = { sdg_goals = { type = "list", doc = "Sustainable Development Goals (numbers 1-17) the event is about" } },
    },
    functions = {
      goals = { summary = "The 17 goals, in order: a list of { number = 1, title = \"No poverty\" }",
                returns = { { "table[]", "the goals" } } },
      title = { summary = "A goal's short title", params = { { "goal", "integer", "1 to 17" } },
                returns = { { "string", "such as \"Quality education\"" } } },
      tag = { summary = "Adds goals to a record's sdg_goals (an organisation, grant or event); returns its goals now",
              params = { { "record", "Organisation|Grant|Event", "the record" }, { "goals", "integer[]", "goal numbers, 1 to 17" } },
              returns = { { "string[]", "the record's goals, in order" } } },
      report = { summary = "A report of awarded grants by goal: projects and amounts per currency",
                 params = { { "from", "string?", "first decision date included, YYYY-MM-DD" } },
                 returns = { { "table", "a report { title, sections } to return from a script" } } },
    },
  },
}
