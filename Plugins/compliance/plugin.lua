-- Funding across borders: flags grants whose funder is registered outside the
-- recipient's country, and tracks the reporting obligations that the workspace's rules
-- (rules.lua, per jurisdiction) attach to them. The wording is neutral: it says what to
-- record and report, and when; it passes no judgement on anyone's funding.
return {
  name = "compliance",
  version = "1.0.0",
  comity = ">=0.1",
  description = "Flags cross-border grants and tracks the reporting obligations of the recipient's jurisdiction",
  provides = {
    workflows = { "track.lua" },  -- on grant.awarded: compliance.track(grant)
    custom_fields = {
      grant = { cross_border = { type = "boolean", doc = "The funder is registered outside the recipient's country" } },
    },
    functions = {
      check = { summary = "Whether a grant's funder is registered outside its recipient's country, and a plain sentence saying so",
                params = { { "grant", "Grant", "the grant" } },
                returns = { { "boolean", "cross-border" }, { "string", "the sentence" } } },
      obligations = { summary = "The obligations the rules attach to a cross-border grant: a list of { title = ..., due = Time }",
                      params = { { "grant", "Grant", "the grant" } },
                      returns = { { "table[]", "empty when the grant is not cross-border" } } },
      track = { summary = "Flags a cross-border grant and makes a task for each obligation not yet tracked; returns how many it made",
                params = { { "grant", "Grant", "the grant" } },
                returns = { { "integer", "tasks made" } } },
    },
  },
}
