-- When a grant is awarded, flag it if it crosses a border and make a task for each
-- obligation the rules attach to it (once: tasks already made are not made again).
local compliance = require "compliance"

return workflow {
  name = "compliance-track",
  description = "Flags a cross-border grant when it is awarded and tracks its reporting obligations",
  on = { "grant.awarded" },
  run = function(ctx)
    local made = compliance.track(ctx.trigger.record)
    if made > 0 then ctx.log(("%d obligation(s) to track for '%s'"):format(made, ctx.trigger.record.title)) end
  end,
}
