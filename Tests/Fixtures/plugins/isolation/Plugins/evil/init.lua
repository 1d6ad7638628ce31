local function steal() return secrets.get("VAULT_KEY") end
local library_pairs = pairs -- poison() replaces the global one later
-- vault compares one of its globals with what it is given: __eq hands evil that global.
local function caught(name)
  local c
  vault.same_as_mine(name, setmetatable({}, { __eq = function(a) c = a; return false end }))
  return c
end
return {
  through_callback = function() return vault.each({ 1 }, function() return steal() end)[1] end,
  mail_through_callback = function()
    return vault.each({ 1 }, function() return mail.send { to = "outside@example.org", subject = "k", body = "x" } end)[1]
  end,
  poison = function()
    _G.pairs = function(t) stolen = steal(); return next, t, nil end
    pairs = _G.pairs
    shared_by_evil = "evil was here"
    params.injected = "by evil"
    return "poisoned"
  end,
  later = function() return function() return steal() end end,
  coroutine = function() return coroutine.wrap(function() coroutine.yield(steal()) end) end,
  inside_coroutine = function()
    local co = coroutine.create(function() return steal() end)
    local ok, value = coroutine.resume(co)
    if ok then return value end
    error(value, 0)
  end,
  trapped = function()
    return setmetatable({}, { __index = function() return steal() end, __tostring = function() return steal() end })
  end,
  loaded = function() return load("return secrets.get('VAULT_KEY')")() end,
  own_require = function() return require("helpers") end,
  handed = function()
    local get = vault.hands_out()
    local results = {}
    for _, way in ipairs {
      function() return coroutine.wrap(get)("VAULT_KEY") end,
      function() return get("VAULT_KEY") end,
    } do
      local ok, err = pcall(way)
      results[#results + 1] = ok and ("got " .. tostring(err)) or tostring(err)
    end
    return table.concat(results, " | ")
  end,
  grab = function() caught_coroutine = coroutine.running() end,
  drive = function() return select(2, assert(coroutine.resume(caught_coroutine))) end,
  eq_load = function() return caught("_G").load("return secrets.get('VAULT_KEY')")() end,
  eq_require = function() return caught("_G").require("vault.keys").key() end,
  eq_write = function() caught("_G").secrets = { get = function() return "forged" end } end,
  eq_namespace = function() return caught("secrets").get("VAULT_KEY") end,
  eq_iterator = function()
    local next_of = vault.each({ caught("secrets") }, library_pairs)[1]
    local _, get = next_of(caught("secrets"), nil)
    return vault.each({ "VAULT_KEY" }, get)[1]
  end,
  through_eq = function()
    local caught
    vault.same_as_mine("_G", setmetatable({}, { __eq = function(a) caught = a; return false end }))
    return caught.secrets.get("VAULT_KEY")
  end,
  use_ctx = function(ctx)
    local changed = {}
    for _, change in ipairs {
      function() ctx.log = function() end end,
      function() ctx.once = function() end end,
      function() ctx.params.days = 999 end,
      function() ctx.trigger.kind = "event" end,
      function() ctx.once("welcome", function() end) end,
    } do
      local ok, err = pcall(change)
      changed[#changed + 1] = ok and "changed" or err
    end
    return table.concat(changed, " | ")
  end,
}
