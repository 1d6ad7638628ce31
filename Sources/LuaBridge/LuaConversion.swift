import CLuaShim
import HumanReadable

extension LuaState {
    /// Pushes a Swift value onto the Lua stack. Allocation happens under protection.
    public func push(_ value: LuaValue) throws(LuaError) {
        try withStackRoom(3)
        switch value {
        case .nil: lua_pushnil(pointer)
        case .boolean(let b): lua_pushboolean(pointer, b ? 1 : 0)
        case .integer(let i): lua_pushinteger(pointer, i)
        case .number(let d): lua_pushnumber(pointer, d)
        case .string(let s): try pushBytes(s.bytes)
        case .table(let t): try pushTable(t)
        case .function(let r), .userdata(let r), .thread(let r):
            guard r.state === self else {
                throw LuaError(.conversion, "a \(value.typeName) from another Lua state cannot be passed here")
            }
            lua_rawgeti(pointer, comity_registryindex(), lua_Integer(r.reference))
        }
    }

    private func pushTable(_ table: LuaTable) throws(LuaError) {
        let narr = Int32(clamping: table.array.count)
        let nrec = Int32(clamping: table.hash.count)
        try check(comity_p_createtable(pointer, narr, nrec))
        let index = lua_gettop(pointer)
        do throws(LuaError) {
            for (offset, element) in table.array.enumerated() {
                try push(element)
                try check(comity_p_rawseti(pointer, index, lua_Integer(offset + 1)))
            }
            for (key, element) in table.hash {
                switch key {
                case .nil: throw LuaError(.conversion, "a table key cannot be nil")
                case .number(let d) where d.isNaN: throw LuaError(.conversion, "a table key cannot be NaN")
                default: break
                }
                try push(key)
                do {
                    try push(element)
                } catch {
                    comity_pop(pointer, 1)
                    throw error
                }
                try check(comity_p_rawset(pointer, index))
            }
        } catch {
            lua_settop(pointer, index - 1)
            throw error
        }
    }

    /// Copies the Lua value at `index` into Swift. Tables are copied whole, within
    /// ``conversionLimits``; a table that contains itself is refused.
    public func value(at index: Int32) throws(LuaError) -> LuaValue {
        var reader = TableReader(state: self, limits: conversionLimits)
        return try reader.read(lua_absindex(pointer, index), path: "")
    }
}

private struct TableReader {
    let state: LuaState
    let limits: LuaConversionLimits
    var entries = 0
    var path: [UnsafeRawPointer] = []
    /// What the copy holds so far, and when the limits were last looked at.
    var bytes = 0
    var checkedAt = 0

    mutating func read(_ index: Int32, path keyPath: String) throws(LuaError) -> LuaValue {
        let L = state.pointer
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 { return .integer(lua_tointegerx(L, index, nil)) }
            return .number(lua_tonumberx(L, index, nil))
        case LUA_TSTRING:
            var length = 0
            guard let bytes = comity_tolstring_raw(L, index, &length) else { return .nil }
            try count(length + 32)
            return .string(LuaString(bytes: Array(UnsafeRawBufferPointer(start: bytes, count: length))))
        case LUA_TTABLE: return try readTable(index, path: keyPath)
        case LUA_TFUNCTION: return .function(try reference(index))
        case LUA_TTHREAD: return .thread(try reference(index))
        default: return .userdata(try reference(index))
        }
    }

    private func reference(_ index: Int32) throws(LuaError) -> LuaReference {
        try state.withStackRoom(2)
        lua_pushvalue(state.pointer, index)
        return try state.popReference()
    }

    private mutating func readTable(_ index: Int32, path keyPath: String) throws(LuaError) -> LuaValue {
        let L = state.pointer
        guard let identity = lua_topointer(L, index) else { return .nil }
        let shown = keyPath.isEmpty ? "the table" : "'\(keyPath)'"
        if path.contains(identity) {
            throw LuaError(.conversion, "cannot convert a table that contains itself (cycle at \(shown))")
        }
        if path.count >= limits.maxDepth {
            throw LuaError(.conversion, "cannot convert a table nested deeper than \(limits.maxDepth) levels (at \(shown))")
        }
        path.append(identity)
        defer { path.removeLast() }
        try state.withStackRoom(4)
        var integerKeys: [Int64: LuaValue] = [:]
        var hash: [LuaValue: LuaValue] = [:]
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            entries += 1
            if entries > limits.maxEntries {
                lua_settop(L, lua_gettop(L) - 2)
                throw LuaError(.conversion, "cannot convert a table of more than \(limits.maxEntries) entries")
            }
            let top = lua_gettop(L)
            let key: LuaValue
            let element: LuaValue
            do {
                try count(48)
                key = try read(top - 1, path: keyPath)
                element = try read(top, path: Self.join(keyPath, key))
            } catch {
                lua_settop(L, top - 2)
                throw error
            }
            comity_pop(L, 1)
            if case .integer(let i) = key { integerKeys[i] = element } else { hash[key] = element }
        }
        var array: [LuaValue] = []
        var next: Int64 = 1
        while let element = integerKeys.removeValue(forKey: next) {
            array.append(element)
            next += 1
        }
        for (key, element) in integerKeys { hash[.integer(key)] = element }
        return .table(LuaTable(array: array, hash: hash))
    }

    /// Counts `n` bytes of the copy: it is held against the state's memory cap together
    /// with what Lua holds (one 10 MB string referenced fifty times is a 500 MB copy),
    /// and the run's limits are looked at every 64 KB of it, since no hook stops Swift.
    private mutating func count(_ n: Int) throws(LuaError) {
        bytes += n
        guard bytes - checkedAt >= 65_536 else { return }
        checkedAt = bytes
        try state.checkLimits()
        if bytes > limits.maxBytes {
            throw LuaError(.conversion, "cannot convert a table of more than \(ByteCount.format(limits.maxBytes)) into Swift")
        }
        if let cap = state.limits.memory, state.memoryUsed + bytes > cap {
            comity_host_trip(comity_host_of(state.pointer), LuaLimitKind.memory.code)
            throw LuaError(.limit(.memory), state.limits.message(for: .memory))
        }
    }

    private static func join(_ path: String, _ key: LuaValue) -> String {
        let part: String
        switch key {
        case .string(let s): part = s.description
        case .integer(let i): part = "[\(i)]"
        default: part = "[\(key.typeName)]"
        }
        if path.isEmpty { return part }
        return part.hasPrefix("[") ? path + part : path + "." + part
    }
}
