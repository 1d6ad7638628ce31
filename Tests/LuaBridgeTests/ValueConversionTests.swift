import LuaBridge
import Testing

@Suite struct ValueConversionTests {
    @Test func scalarsRoundTripWithIntegersKeptExact() throws {
        let state = try LuaState()
        let values: [LuaValue] = [
            .nil, true, false, .integer(Int64.max), .integer(Int64.min), .integer(0), .number(0.5), .number(-1e300),
            .number(2.0),
        ]
        for value in values {
            try state.setGlobal("v", value)
            #expect(try state.global("v") == value)
        }
        // 2^53 + 1 has no exact Double; it must come back unchanged.
        try state.setGlobal("big", .integer(9_007_199_254_740_993))
        #expect(try state.run("return big + 0", chunkName: "t").first == .integer(9_007_199_254_740_993))
    }

    @Test func integersAndFloatsStayDistinct() throws {
        let state = try LuaState()
        try state.openStandardLibraries()
        let results = try state.run("return 3, 3.0, 2^63, math.type(3), math.type(3.0)", chunkName: "t")
        #expect(results == [.integer(3), .number(3.0), .number(9.223372036854775808e18), "integer", "float"])
    }

    @Test func stringsAreByteSafe() throws {
        let state = try LuaState()
        let bytes: [UInt8] = [0x61, 0x00, 0x62, 0xFF, 0xFE, 0x00]
        try state.setGlobal("s", .string(LuaString(bytes: bytes)))
        let results = try state.run("return #s, s", chunkName: "t")
        #expect(results.first == .integer(6))
        #expect(results.last == .string(LuaString(bytes: bytes)))
        #expect(LuaString(bytes: bytes).text == nil)
    }

    @Test func tablesWithArraysAndMaps() throws {
        let state = try LuaState()
        let results = try state.run(
            "return { 10, 20, 30, name = 'ASI', nested = { ok = true }, [100] = 'sparse', [1.5] = 'float' }",
            chunkName: "t")
        guard case .table(let table) = results.first else {
            Issue.record("expected a table, got \(String(describing: results.first))")
            return
        }
        #expect(table.array == [10, 20, 30])
        #expect(table["name"] == "ASI")
        #expect(table.hash[.integer(100)] == "sparse")
        #expect(table.hash[.number(1.5)] == "float")
        guard case .table(let nested) = table["nested"] else {
            Issue.record("nested table missing")
            return
        }
        #expect(nested["ok"] == true)

        // And back again.
        try state.setGlobal("t", .table(table))
        #expect(try state.run("return t[2] + t[3], t.nested.ok, t[100], #t", chunkName: "t") == [50, true, "sparse", 3])
    }

    @Test func cyclesAreDetectedAndNamed() throws {
        let state = try LuaState()
        #expect {
            try state.run("local t = { child = {} } t.child.parent = t return t", chunkName: "t")
        } throws: { error in
            guard let error = error as? LuaError else { return false }
            return error.kind == .conversion && error.message.contains("cycle at 'child.parent'")
        }
        // The same table twice, without a cycle, is fine.
        let shared = try state.run("local s = { 1 } return { a = s, b = s }", chunkName: "t")
        guard case .table(let table) = shared.first else {
            Issue.record("expected a table")
            return
        }
        #expect(table["a"] == table["b"])
    }

    @Test func depthAndSizeAreBounded() throws {
        let state = try LuaState()
        state.conversionLimits.maxDepth = 10
        state.conversionLimits.maxEntries = 1000
        #expect(throws: LuaError.self) {
            try state.run("local t = {} local c = t for i = 1, 20 do c.x = {} c = c.x end return t", chunkName: "t")
        }
        #expect(throws: LuaError.self) {
            try state.run("local t = {} for i = 1, 2000 do t[i] = i end return t", chunkName: "t")
        }
        // Within bounds it converts.
        let ok = try state.run("local t = {} for i = 1, 999 do t[i] = i end return t", chunkName: "t")
        guard case .table(let table) = ok.first else {
            Issue.record("expected a table")
            return
        }
        #expect(table.array.count == 999)
        // The stack is left as it was after failures.
        #expect(try state.run("return 1", chunkName: "t") == [1])
    }

    @Test func functionsCanBeKeptAndCalledFromSwift() throws {
        let state = try LuaState()
        let results = try state.run("return function(a, b) return a * b, a .. b end", chunkName: "t")
        let function = try #require(results.first)
        #expect(function.typeName == "function")
        #expect(try state.call(function, [6, 7]) == [42, "67"])
    }
}

@Suite struct LuaTableTests {
    @Test func assigningNilRemovesTheKey() {
        var table = LuaTable(hash: ["by": "kind", "limit": 3])
        table["by"] = .nil
        #expect(table.hash.count == 1)
        #expect(table["by"] == .nil)
        table["new"] = "value"
        #expect(table.hash[.string("new")] == "value")
    }
}
