return secrets.get("VAULT_KEY")
