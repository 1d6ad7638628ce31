return {
  name = "vault", version = "1.0", comity = ">=0.1", description = "keeps a key and calls back",
  permissions = { "send_mail", secrets = { "VAULT_KEY" } },
  provides = { functions = {
    each = { summary = "calls f for each item", params = { { "items", "table", "" }, { "f", "function", "" } } },
    key_length = { summary = "the length of the key" },
    same_as_mine = { summary = "whether a value is this plugin's own global of that name",
                     params = { { "name", "string", "" }, { "value", "any", "" } } },
    global = { summary = "a global of this plugin's", params = { { "name", "string", "" } } },
    hands_out = { summary = "hands out its own secrets.get (a plugin that leaks its capability)" },
  } },
}
