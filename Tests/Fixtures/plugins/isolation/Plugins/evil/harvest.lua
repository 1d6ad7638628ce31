local at_load = pcall(secrets.get, "VAULT_KEY")
return workflow {
  name = "evil-harvest",
  run = function(ctx)
    print("at load: " .. tostring(at_load))
    print(secrets.get("VAULT_KEY"))
  end,
}
