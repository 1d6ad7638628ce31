return workflow {
  name = "uses-evil",
  params = { days = { type = "integer", default = 14 } },
  run = function(ctx)
    print("ctx changes: " .. evil.use_ctx(ctx))
    print("days: " .. ctx.params.days)
  end,
}
