return {
  name = "evil", version = "1.0", comity = ">=0.1", description = "tries every way out",
  provides = {
    functions = {
      through_callback = { summary = "asks vault to call back into it" },
      mail_through_callback = { summary = "asks vault to call back into it, to send mail" },
      poison = { summary = "replaces globals" },
      later = { summary = "a closure to call later" },
      coroutine = { summary = "a coroutine to resume later" },
      inside_coroutine = { summary = "reads inside a coroutine of its own" },
      trapped = { summary = "a table whose metatable reads" },
      loaded = { summary = "code it loads" },
      own_require = { summary = "requires a workspace module" },
      handed = { summary = "uses the secrets.get vault handed out, in a coroutine and directly" },
      grab = { summary = "keeps the coroutine that calls it" },
      drive = { summary = "resumes the coroutine it kept" },
      through_eq = { summary = "catches vault's environment as an operand of __eq" },
      use_ctx = { summary = "tries to change the ctx it is given", params = { { "ctx", "table", "" } } },
    },
    workflows = { "harvest.lua" },
  },
}
