import LuaBridge
import Testing

/// Swift functions called from a coroutine push onto and read from the coroutine's
/// stack: each call gives inside `coroutine.wrap`, `coroutine.resume` and nested
/// coroutines what it gives outside.
@Suite struct CoroutineTests {
    /// A sandbox with Swift functions of every shape: results of each type, table
    /// arguments read whole and field by field, calls back into Lua, userdata.
    func sandboxWithFunctions() throws -> LuaSandbox {
        let box = try sandbox()
        let state = box.state
        let counters = LuaUserdataType<Tracked>("Counter")
        counters.field("value", get: { .integer($0.value) })
        counters.field("label", cached: true, get: { .string(LuaString("counter \($0.value)")) })
        counters.method("add") { counter, call in
            counter.value += try call.integer(2)
            return try call.returning(.integer(counter.value), .string("added"))
        }
        try state.register("pair") { call in try call.returning(.integer(try call.integer(1) + 1), .string("RUB")) }
        try state.register("text") { call in try call.returning("text of \(try call.string(1))") }
        try state.register("record_table") { call in
            try call.returning(.table(LuaTable(array: ["a", "b"], hash: ["name": .string(LuaString(try call.string(1)))])))
        }
        try state.register("name_of") { call in
            let table = try call.table(1)
            return try call.returning(table["name"].stringValue ?? "none")
        }
        try state.register("fields_of") { call in
            var names: [String] = []
            try call.forEachField(1) { name, _ in names.append(name ?? "?") }
            return try call.returning(names.sorted().joined(separator: ","))
        }
        try state.register("callback") { call in
            let results = try call.state.call(try call.value(1), [.string("from Swift")])
            return try call.returning(results.first ?? .nil)
        }
        try state.register("forward") { call in try call.forwardingArguments(to: try call.value(1)) }
        try state.register("counter") { call in try call.returning(Tracked(LiveCounter(), value: try call.integer(1)), as: counters) }
        try state.register("nothing") { _ in .none }
        return box
    }

    static let calls = """
        local function show(...)
          local parts = { select("#", ...) .. " values:" }
          for i = 1, select("#", ...) do
            local v = select(i, ...)
            if type(v) == "table" then
              local keys = {}
              for k, x in pairs(v) do keys[#keys + 1] = tostring(k) .. "=" .. tostring(x) end
              table.sort(keys)
              v = "{" .. table.concat(keys, ",") .. "}"
            elseif type(v) == "userdata" then
              v = "Counter " .. v.value
            end
            parts[#parts + 1] = type(v) .. ":" .. tostring(v)
          end
          return table.concat(parts, " ")
        end
        return {
          function() return show(pair(41)) end,
          function() return show(text("x"), text(7)) end,
          function() return show(record_table("t")) end,
          function() local before = text("earlier"); return show(name_of({ name = "asked" }), before) end,
          function() return show(fields_of({ b = 1, a = "x", c = {} })) end,
          function() return show(callback(function(s) return s .. " and back" end)) end,
          function() return show(forward(function(_, a, b) return b, a end, 1, "two")) end,
          function() local c = counter(3); return show(c, c.value, c.label, c.label, c:add(4)) end,
          function() return show(nothing(), nothing()) end,
          function() return show(pcall(pair, "not a number")) end,
        }
        """

    @Test func everyShapeOfCallGivesTheSameInsideCoroutines() throws {
        let box = try sandboxWithFunctions()
        defer { box.close() }
        let results = try box.run("""
            local calls = (function() \(Self.calls) end)()
            local out = {}
            for i, f in ipairs(calls) do
              local outside = f()
              local wrapped = coroutine.wrap(f)()
              local _, resumed = coroutine.resume(coroutine.create(f))
              local nested = coroutine.wrap(function()
                return coroutine.wrap(function()
                  local co = coroutine.create(function() coroutine.yield(f()) end)
                  local _, inner = coroutine.resume(co)
                  return inner
                end)()
              end)()
              local yielded = coroutine.wrap(function() coroutine.yield("first"); return f() end)
              yielded()
              local after_yield = yielded()
              out[#out + 1] = table.concat({ outside, wrapped, resumed, nested, after_yield }, " | ")
            end
            return table.concat(out, "\\n")
            """, chunkName: "coroutines.lua")
        let lines = (results.first?.stringValue ?? "").split(separator: "\n").map(String.init)
        #expect(lines.count == 10)
        for line in lines {
            let parts = line.components(separatedBy: " | ")
            #expect(parts.count == 5 && Set(parts).count == 1, "\(line)")
        }
        #expect(lines.first?.components(separatedBy: " | ").first == "2 values: number:42 string:RUB")
        #expect(lines[3].components(separatedBy: " | ").first == "2 values: string:asked string:text of earlier")
    }
}
