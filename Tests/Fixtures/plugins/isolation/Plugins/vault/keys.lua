return { key = function() return secrets.get("VAULT_KEY") end }
