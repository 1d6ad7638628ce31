import LuaBridge
import Testing

@Suite struct SwiftFunctionTests {
    @Test func typedArgumentsAndResults() throws {
        let state = try LuaState()
        try state.register("add") { call in
            call.returning(try call.integer(1) + call.integer(2))
        }
        try state.register("greet") { call in
            try call.returning("hello, " + (try call.string(1)))
        }
        #expect(try state.run("return add(40, 2), greet('ASI'), add('1', 2)", chunkName: "t") == [42, "hello, ASI", 3])
    }

    /// A table's fields come as text straight from Lua, everything else as a value;
    /// a string that is not valid UTF-8 comes as a value, its bytes untouched, so that
    /// the caller can refuse it instead of storing U+FFFD.
    @Test func fieldsOfATableArgument() throws {
        let state = try LuaState()
        final class Seen { var entries: [String: String] = [:] }
        let seen = Seen()
        try state.register("take") { call in
            try call.forEachField(1) { name, value in
                let key = name ?? "(no name)"
                switch value {
                case .text(let text): seen.entries[key] = "text " + text
                case .value(let value): seen.entries[key] = "value \(value.typeName)"
                }
            }
            return .none
        }
        try state.run(#"take { name = "АСИ", n = 3, x = 1.5, ok = true, list = { "a" }, bad = "\xff!", [7] = "seven" }"#, chunkName: "t")
        #expect(seen.entries == [
            "name": "text АСИ", "n": "value number", "x": "value number", "ok": "value boolean", "list": "value table",
            "bad": "value string", "(no name)": "text seven",
        ])
        try state.register("notTable") { call in
            try call.forEachField(1) { _, _ in }
            return .none
        }
        #expect(throws: LuaError.self) { try state.run("notTable(1)", chunkName: "t") }
    }

    @Test func argumentErrorsReadLikeLuas() throws {
        let box = try sandbox()
        try box.state.register("grants.award") { call in
            _ = try call.integer(1)
            _ = try call.string(2)
            return .none
        }
        let cases: [(String, String)] = [
            ("grants_award(1, nil)", "test.lua:1: bad argument #2 to 'grants.award' (string expected, got nil)"),
            ("grants_award(1)", "test.lua:1: bad argument #2 to 'grants.award' (string expected, got no value)"),
            ("grants_award('x', 'y')", "test.lua:1: bad argument #1 to 'grants.award' (integer expected, got string)"),
            ("grants_award(1.5, 'y')", "test.lua:1: bad argument #1 to 'grants.award' (integer expected, got number (1.5))"),
            ("grants_award({}, 'y')", "test.lua:1: bad argument #1 to 'grants.award' (integer expected, got table)"),
        ]
        let function = try box.state.global("grants.award")
        try box.state.setGlobal("grants_award", function)
        for (source, expected) in cases {
            do {
                try box.run(source, chunkName: "test.lua")
                Issue.record("\(source) should fail")
            } catch {
                #expect(error.message == expected)
                #expect(error.kind == .runtime)
            }
        }
    }

    @Test func swiftErrorsAreCatchableByPcall() throws {
        struct Refused: Error, CustomStringConvertible {
            var description: String { "refused by Swift" }
        }
        let printed = Printed()
        let box = try sandbox(printed: printed)
        try box.state.register("refuse") { _ in throw Refused() }
        try box.run(
            "print(pcall(refuse)) print(pcall(function() refuse() end)) print('still running')", chunkName: "t.lua")
        #expect(printed.lines == ["false\trefused by Swift", "false\tt.lua:1: refused by Swift", "still running"])
    }

    @Test func luaErrorsCarryChunkLineAndTraceback() throws {
        let error = try failure(
            """
            local function inner() local x = nil; return x.field end
            local function outer() local v = inner() return v end
            outer()
            """, chunk: "Scripts/intake.lua")
        #expect(error.kind == .runtime)
        #expect(error.message.hasPrefix("Scripts/intake.lua:1: attempt to index a nil value"))
        #expect(error.position == "Scripts/intake.lua:1")
        #expect(error.traceback.contains("Scripts/intake.lua:1: in upvalue 'inner'"))
        #expect(error.traceback.contains("Scripts/intake.lua:2: in local 'outer'"))
        #expect(error.traceback.contains("Scripts/intake.lua:3: in main chunk"))
    }

    /// 100,000 errors thrown from a Swift callback, each after making an object and
    /// with a `defer` to run: every object is released and every `defer` runs, which a
    /// longjmp through the Swift frame would skip.
    @Test func manyErrorsFromSwiftLeakNothing() throws {
        let counter = LiveCounter()
        var deferred = 0
        let state = try LuaState()
        try state.openStandardLibraries()
        try state.register("fail") { call in
            let tracked = Tracked(counter, value: try call.integer(1))
            defer { deferred += 1 }
            throw LuaScriptError("failure \(tracked.value)")
        }
        let results = try state.run(
            """
            local caught = 0
            for i = 1, 100000 do
              local ok, e = pcall(fail, i)
              if not ok and e:find("failure " .. i, 1, true) then caught = caught + 1 end
            end
            return caught
            """, chunkName: "t")
        #expect(results == [100_000])
        #expect(counter.created == 100_000)
        #expect(counter.alive == 0)
        #expect(deferred == 100_000)
    }

    /// A callback whose allocation hits the memory cap gets a clean error; its
    /// objects are released and the process goes on.
    @Test func memoryCapInsideACallbackLeaksNothing() throws {
        let counter = LiveCounter()
        for _ in 0..<10 {
            let box = try sandbox(LuaLimits(memory: 4 << 20, time: .seconds(5)))
            try box.state.register("bloat") { call in
                let tracked = Tracked(counter)
                defer { _ = tracked }
                let big = String(repeating: "x", count: 8 << 20)
                return try call.returning(big) // 8 MB into a 4 MB state
            }
            let error: LuaError
            do {
                try box.run("local ok, e = pcall(bloat) return ok", chunkName: "t.lua")
                Issue.record("the cap should have ended the run")
                continue
            } catch let caught {
                error = caught
            }
            #expect(error.kind == .limit(.memory))
            #expect(error.message.contains("memory limit exceeded (4 MB)"))
            box.close()
        }
        #expect(counter.created == 10)
        #expect(counter.alive == 0)
        // A state made afterwards works normally.
        #expect(try sandbox().run("return 1 + 1", chunkName: "t") == [2])
    }

    @Test func conversionErrorsInsideACallNameTheCaller() throws {
        let box = try sandbox()
        try box.state.register("keep") { call in
            _ = try call.table(1)
            return .none
        }
        let error = try #require(throws: LuaError.self) {
            try box.run("local t = {}\nt.self = t\nkeep(t)", chunkName: "cycle.lua")
        }
        #expect(error.message == "cycle.lua:3: cannot convert a table that contains itself (cycle at 'self')")
    }

    @Test func swiftCanReturnTablesAndValues() throws {
        let state = try LuaState()
        try state.register("record") { call in
            try call.returning(.table(LuaTable(array: ["a", "b"], hash: ["name": "ASI", "members": 61])))
        }
        #expect(try state.run("local r = record() return r.name, r.members, r[2], #r", chunkName: "t") == ["ASI", 61, "b", 2])
    }
}

@Suite struct EmptyInputTests {
    @Test func emptyChunksRunAndReturnNothing() throws {
        let box = try sandbox()
        #expect(try box.run([UInt8](), chunkName: "empty.lua") == [])
        #expect(try box.run("", chunkName: "empty.lua") == [])
        #expect(try box.run("-- only a comment", chunkName: "c.lua") == [])
    }
}
