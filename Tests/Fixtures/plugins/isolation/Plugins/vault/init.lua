local keys = require "vault.keys"
return {
  each = function(items, f)
    local results = {}
    for i, item in ipairs(items) do results[i] = f(item) end
    return results
  end,
  key_length = function() return #keys.key() end,
  hands_out = function() return secrets.get end,
  same_as_mine = function(name, value) return _G[name] == value end,
  global = function(name) return tostring(_G[name]) end,
}
