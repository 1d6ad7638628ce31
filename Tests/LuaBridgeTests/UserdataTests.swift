import LuaBridge
import Testing

@Suite struct UserdataTests {
    func counterType() -> LuaUserdataType<Tracked> {
        let type = LuaUserdataType<Tracked>("Counter")
        type.field("value", get: { .integer($0.value) }, set: { object, value in
            guard case .integer(let i) = value else { throw LuaScriptError("Counter.value must be an integer") }
            object.value = i
        })
        type.field("name", get: { _ in "counter" })
        type.method("add") { object, call in
            object.value += try call.integer(2)
            return call.returning(object.value)
        }
        return type
    }

    @Test func fieldsAndMethods() throws {
        let counter = LiveCounter()
        let type = counterType()
        let box = try sandbox()
        let object = Tracked(counter, value: 5)
        try box.state.setGlobal("c", try box.state.value(object, as: type))
        let results = try box.run("c.value = c.value + 1; c:add(10); return c.value, c.name, tostring(c):sub(1, 8)", chunkName: "t")
        #expect(results == [16, "counter", "Counter:"])
        #expect(object.value == 16)
    }

    @Test func unknownFieldsSuggestTheClosest() throws {
        let type = counterType()
        let box = try sandbox()
        try box.state.setGlobal("c", try box.state.value(Tracked(LiveCounter()), as: type))
        let read = try failure(with: box, "return c.valeu")
        #expect(read.message == "t.lua:1: Counter has no field 'valeu' (did you mean 'value'?)")
        let write = try failure(with: box, "c.name = 'x'")
        #expect(write.message == "t.lua:1: Counter field 'name' is read-only")
        let wrongSelf = try failure(with: box, "c.add({}, 1)")
        #expect(wrongSelf.message == "t.lua:1: bad argument #1 to 'Counter:add' (Counter expected, got table)")
    }

    @Test func objectsAreReleasedWhenLuaCollectsThem() throws {
        let counter = LiveCounter()
        let type = counterType()
        let state = try LuaState()
        try state.openStandardLibraries()
        try state.register("make") { call in
            try call.state.push(Tracked(counter), as: type)
            return LuaResults(count: 1)
        }
        try state.run("for i = 1, 1000 do local c = make() c:add(i) end", chunkName: "t")
        #expect(counter.created == 1000)
        try state.run("collectgarbage() collectgarbage()", chunkName: "t")
        #expect(counter.alive == 0)

        // Closing a state releases what it still holds.
        do {
            let other = try LuaState()
            try other.setGlobal("kept", try other.value(Tracked(counter), as: type))
            #expect(counter.alive == 1)
        }
        #expect(counter.alive == 0)
    }

    private func failure(with box: LuaSandbox, _ source: String) throws -> LuaError {
        do {
            try box.run(source, chunkName: "t.lua")
        } catch {
            return error
        }
        throw LuaScriptError("expected failure")
    }
}
