import Foundation
import LuaBridge
import Testing

@Suite struct SandboxTests {
    @Test(arguments: [
        "io", "debug", "package", "dofile", "loadfile", "warn", "string.dump", "os.execute", "os.exit",
        "os.getenv", "os.remove", "os.rename", "os.setlocale", "os.tmpname", "require and nil", "loadstring",
        "setfenv", "getfenv", "module", "newproxy",
    ])
    func forbiddenNamesAreAbsent(name: String) throws {
        let expression = name == "require and nil" ? "nil" : name
        #expect(try sandbox().run("return \(expression)", chunkName: "t") == [.nil])
    }

    @Test func safeLibrariesArePresent() throws {
        let results = try sandbox().run(
            """
            return type(string.format), type(table.concat), type(math.floor), type(utf8.char),
                   type(coroutine.wrap), type(os.time), type(os.date), type(os.clock), type(os.difftime),
                   type(pcall), type(load), type(require), type(print), ("x"):upper()
            """, chunkName: "t")
        #expect(results == Array(repeating: "function", count: 13) + ["X"])
    }

    @Test func libraryTablesAndTheStringMetatableAreReadOnly() throws {
        let error = try failure("string.upper = function() return 'pwned' end")
        #expect(error.message == "test.lua:1: library table 'string' cannot be changed by a script")
        let raw = try failure("rawset(math, 'pi', 3)")
        #expect(raw.message.contains("library tables cannot be changed by a script"))
        #expect(try sandbox().run("return getmetatable('')", chunkName: "t") == [false])
        let meta = try failure("setmetatable(string, {})")
        #expect(meta.message.contains("cannot change a protected metatable"))
        // pairs still lists a library, without handing out the table behind it.
        #expect(try sandbox().run(
            "local n = 0 for k, v in pairs(table) do n = n + 1 end return n > 5", chunkName: "t") == [true])
    }

    @Test func loadTakesTextOnly() throws {
        let results = try sandbox().run(
            "local f, e = load('\\27Lua\\84\\0') return f, e, load('return 1 + 1')(), load('return x', 'c', 'b', { x = 5 })()",
            chunkName: "t")
        #expect(results[0] == .nil)
        #expect(results[1] == "attempt to load a binary chunk (mode is 't')")
        #expect(results[2] == 2)
        #expect(results[3] == 5)
    }

    @Test func collectgarbageOnlyCounts() throws {
        #expect(try sandbox().run("return collectgarbage('count') > 0", chunkName: "t") == [true])
        for option in ["collect", "stop", "step", "incremental", "generational", "setpause"] {
            let error = try failure("collectgarbage('\(option)')")
            #expect(error.message.contains("collectgarbage('\(option)') is not allowed"))
        }
    }

    @Test func finalisersAreRefused() throws {
        let error = try failure("setmetatable({}, { __gc = function() while true do end end })")
        #expect(error.message.contains("__gc metamethods are not allowed"))
        let sneaky = try failure("setmetatable({}, { __gc = false })")
        #expect(sneaky.message.contains("__gc metamethods are not allowed"))
    }

    @Test func printGoesToTheSink() throws {
        let printed = Printed()
        try sandbox(printed: printed).run("print('a', 1, 2.5, nil, true) print() print(setmetatable({}, {__tostring = function() return 'T' end}))", chunkName: "t")
        #expect(printed.lines == ["a\t1\t2.5\tnil\ttrue", "", "T"])
    }

    @Test func nothingReachesTheNextRun() throws {
        let first = try sandbox()
        try first.run(
            """
            leaked = 'global'
            getmetatable('x')
            math.randomseed(42)
            _G.print = nil
            """, chunkName: "t")
        let second = try sandbox()
        #expect(try second.run("return leaked, type(print), string.len('abc')", chunkName: "t") == [.nil, "function", 3])
        // A fresh state seeds its generator afresh: two sandboxes draw differently.
        let seeded = try sandbox().run("math.randomseed(42) return math.random(1, 1 << 40)", chunkName: "t")
        #expect(try second.run("return math.random(1, 1 << 40)", chunkName: "t") != seeded)
        let a = try sandbox().run("return math.random(1, 1 << 40)", chunkName: "t")
        let b = try sandbox().run("return math.random(1, 1 << 40)", chunkName: "t")
        #expect(a != b)
    }

    @Test func requireLoadsModulesFromTheRootsOnly() throws {
        let root = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let scripts = root.appendingPathComponent("Scripts")
        try FileManager.default.createDirectory(at: scripts.appendingPathComponent("lib"), withIntermediateDirectories: true)
        try "return { twice = function(x) return 2 * x end, loaded = (loaded or 0) + 1 }".write(
            to: scripts.appendingPathComponent("lib/math2.lua"), atomically: true, encoding: .utf8)
        try "return 'secret'".write(to: root.appendingPathComponent("outside.lua"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            at: scripts.appendingPathComponent("escape.lua"), withDestinationURL: root.appendingPathComponent("outside.lua"))
        try "return require 'loop'".write(to: scripts.appendingPathComponent("loop.lua"), atomically: true, encoding: .utf8)

        let box = try sandbox(roots: [scripts])
        #expect(try box.run("local m = require 'lib.math2' local again = require 'lib.math2' return m.twice(21), m == again", chunkName: "t") == [42, true])
        for (name, expected) in [
            ("../outside", "module name '../outside' is not allowed"),
            ("escape", "resolves outside"),
            ("missing", "module 'missing' not found"),
            ("loop", "module 'loop' requires itself"),
            ("/etc/passwd", "is not allowed"),
        ] {
            let error: LuaError
            do {
                try box.run("require '\(name)'", chunkName: "t")
                Issue.record("require '\(name)' should fail")
                continue
            } catch let caught {
                error = caught
            }
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }
}
