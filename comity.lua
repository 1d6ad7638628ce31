return { store = { postgres = "postgres://u@127.0.0.1:55432/db" } }
