import CLuaShim

/// Environments of their own: code loaded with one sees that table as its globals
/// (its `_ENV`), so what it assigns, replaces or reads there reaches no one else.
extension LuaState {
    /// A shallow copy of the global table as it is now (raw, without metamethods).
    public func globalsCopy() throws(LuaError) -> LuaReference {
        try withStackRoom(4)
        lua_rawgeti(pointer, comity_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        try check(comity_p_copy_table(pointer))
        return try popReference()
    }

    /// A shallow copy of a table (raw).
    public func copy(_ table: LuaReference) throws(LuaError) -> LuaReference {
        try push(table)
        try check(comity_p_copy_table(pointer))
        return try popReference()
    }

    /// A table that stays in Lua, held by reference.
    public func newTable() throws(LuaError) -> LuaReference {
        try withStackRoom(2)
        try check(comity_p_createtable(pointer, 0, 0))
        return try popReference()
    }

    /// The table `value` as a reference (the same table, not a copy); nil for another type.
    public func tableReference(_ value: LuaValue) throws(LuaError) -> LuaReference? {
        try push(value)
        guard lua_type(pointer, -1) == LUA_TTABLE else {
            comity_pop(pointer, 1)
            return nil
        }
        return try popReference()
    }

    /// The fields of `table` that hold plain tables (no metatable: data, not a library
    /// proxy or an object), copied into Swift, by name.
    public func plainTables(in table: LuaReference, excluding excluded: Set<String> = []) throws(LuaError) -> [(String, LuaValue)] {
        try push(table)
        let index = lua_gettop(pointer)
        defer { lua_settop(pointer, index - 1) }
        try withStackRoom(4)
        var found: [(String, LuaValue)] = []
        lua_pushnil(pointer)
        while lua_next(pointer, index) != 0 {
            var length = 0
            if let key = comity_tolstring_raw(pointer, -2, &length), lua_type(pointer, -1) == LUA_TTABLE {
                if lua_getmetatable(pointer, -1) != 0 {
                    comity_pop(pointer, 1)
                } else if case let name = String(decoding: UnsafeRawBufferPointer(start: key, count: length), as: UTF8.self),
                          !excluded.contains(name) {
                    do {
                        found.append((name, try value(at: -1)))
                    } catch {
                        lua_settop(pointer, index)
                        throw error
                    }
                }
            }
            comity_pop(pointer, 1)
        }
        return found
    }

    /// The coroutine library `library` as code of its own should have it: `resume` and
    /// `close` accept only the coroutines its `create` made, so a coroutine caught
    /// with `coroutine.running()` cannot be run by that code at a time of its choosing.
    public func ownCoroutines(from library: LuaReference) throws(LuaError) -> LuaReference {
        try push(library)
        try check(comity_p_owned_coroutines(pointer))
        return try popReference()
    }

    /// A read-only proxy of `table`: its fields can be read and listed with `pairs`,
    /// not assigned; `name` is what the error says.
    public func readOnly(_ table: LuaReference, name: String) throws(LuaError) -> LuaReference {
        try push(table)
        try check(name.withCString { comity_p_readonly(pointer, $0) })
        return try popReference()
    }

    /// The table behind the sandbox's read-only proxy of a library (`os`), for the host
    /// to change before a script runs (scripts cannot reach it); nil when the global is
    /// not such a proxy.
    public func libraryTable(named name: String) throws(LuaError) -> LuaReference? {
        try withStackRoom(4)
        let top = lua_gettop(pointer)
        defer { lua_settop(pointer, top) }
        lua_rawgeti(pointer, comity_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        try pushString(name)
        lua_rawget(pointer, -2)
        guard lua_type(pointer, -1) == LUA_TTABLE, lua_getmetatable(pointer, -1) != 0 else { return nil }
        try pushString("__index")
        lua_rawget(pointer, -2)
        guard lua_type(pointer, -1) == LUA_TTABLE else { return nil }
        return try popReference()
    }

    /// Gives `table` the metatable `metatable` (both held in Lua), as the host's own
    /// setting: the sandbox's `setmetatable` is not asked.
    public func setMetatable(_ table: LuaReference, _ metatable: LuaReference) throws(LuaError) {
        try withStackRoom(2)
        try push(table)
        try push(metatable)
        lua_setmetatable(pointer, -2) // a table's metatable: no allocation, no error
        comity_pop(pointer, 1)
    }

    /// Sets a global to a table held in Lua (a proxy, say), without metamethods.
    public func setGlobal(_ name: String, table: LuaReference) throws(LuaError) {
        try withStackRoom(4)
        lua_rawgeti(pointer, comity_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        let globals = lua_gettop(pointer)
        defer { lua_settop(pointer, globals - 1) }
        try pushString(name)
        try push(table)
        try check(comity_p_rawset(pointer, globals))
    }

    /// `table[key] = value`, without metamethods.
    public func rawSet(_ table: LuaReference, _ key: String, _ value: LuaValue) throws(LuaError) {
        try rawSet(table, key) { () throws(LuaError) in try push(value) }
    }

    /// `table[key] = another table`, without metamethods.
    public func rawSet(_ table: LuaReference, _ key: String, table value: LuaReference) throws(LuaError) {
        try rawSet(table, key) { () throws(LuaError) in try push(value) }
    }

    private func rawSet(_ table: LuaReference, _ key: String, pushing pushValue: () throws(LuaError) -> Void) throws(LuaError) {
        try push(table)
        let index = lua_gettop(pointer)
        defer { lua_settop(pointer, index - 1) }
        try pushString(key)
        try pushValue()
        try check(comity_p_rawset(pointer, index))
    }

    /// `table[key]`, without metamethods.
    public func rawGet(_ table: LuaReference, _ key: String) throws(LuaError) -> LuaValue {
        try push(table)
        let index = lua_gettop(pointer)
        defer { lua_settop(pointer, index - 1) }
        try pushString(key)
        lua_rawget(pointer, index)
        return try value(at: -1)
    }

    /// A read-only proxy of `table` whose fields only the code of one owner may read:
    /// chunks named starting with `ownerPrefix` (`Plugins/greet/`), or with an empty
    /// prefix every chunk not named `Plugins/...`. The proxy can leak (as an operand of
    /// a metamethod, say); what it holds serves its owner's code only.
    public func guardedReadOnly(_ table: LuaReference, name: String, ownerPrefix: String) throws(LuaError) -> LuaReference {
        try push(table)
        try check(name.withCString { name in ownerPrefix.withCString { comity_p_guarded_readonly(pointer, name, $0) } })
        return try popReference()
    }

    /// As ``guardedReadOnly(_:name:ownerPrefix:)``, but the owner's code may also write
    /// to the table through the proxy (a plugin's `_G`: its own globals).
    public func guardedView(_ table: LuaReference, name: String, ownerPrefix: String) throws(LuaError) -> LuaReference {
        try push(table)
        try check(name.withCString { name in ownerPrefix.withCString { comity_p_guarded_view(pointer, name, $0) } })
        return try popReference()
    }

    /// `table[key]` kept in Lua by reference (a table stays that table, a read-only
    /// proxy stays the proxy); nil when the field is nil.
    public func rawGetReference(_ table: LuaReference, _ key: String) throws(LuaError) -> LuaReference? {
        try push(table)
        let index = lua_gettop(pointer)
        try pushString(key)
        lua_rawget(pointer, index)
        comity_remove(pointer, index)
        if lua_type(pointer, -1) == LUA_TNIL {
            comity_pop(pointer, 1)
            return nil
        }
        return try popReference()
    }

    /// The sandbox's `load`, whose chunks run in `environment` unless given another,
    /// and whose chunk names start with `namePrefix` (`@Plugins/greet/`), whatever name
    /// the caller asks for.
    public func load(defaultingTo environment: LuaReference, namePrefix: String, from load: LuaValue) throws(LuaError) -> LuaValue {
        try push(load)
        do {
            try push(environment)
        } catch {
            comity_pop(pointer, 1)
            throw error
        }
        try check(namePrefix.withCString { comity_p_push_load_in_environment(pointer, $0) })
        return .function(try popReference())
    }

    /// Makes `environment` the globals of a compiled chunk (its `_ENV` upvalue), before
    /// it runs.
    public func setEnvironment(_ environment: LuaReference, of chunk: LuaValue) throws(LuaError) {
        try withStackRoom(4)
        try push(chunk)
        defer { comity_pop(pointer, 1) }
        guard lua_type(pointer, -1) == LUA_TFUNCTION, let name = lua_getupvalue(pointer, -1, 1) else {
            throw LuaError(.runtime, "only a compiled chunk can be given an environment")
        }
        let isEnvironment = String(cString: name) == "_ENV"
        comity_pop(pointer, 1)
        guard isEnvironment else { throw LuaError(.runtime, "only a compiled chunk can be given an environment") }
        try push(environment)
        _ = lua_setupvalue(pointer, -2, 1)
    }

    /// Compiles a text chunk whose globals are `environment`.
    public func load(_ source: some Collection<UInt8>, chunkName: String, environment: LuaReference?) throws(LuaError) -> LuaValue {
        let chunk = try load(source, chunkName: chunkName)
        if let environment { try setEnvironment(environment, of: chunk) }
        return chunk
    }
}
