local function steal() return secrets.get("VAULT_KEY") end
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
}
