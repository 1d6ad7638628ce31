import Foundation
import LuaBridge
import Testing

@Suite struct LimitTests {
    @Test(arguments: [
        ("while true do end", "infinite loop"),
        ("while true do pcall(function() while true do end end) end", "loop inside pcall"),
        ("while true do xpcall(function() while true do end end, function(e) return e end) end", "loop inside xpcall"),
        ("""
         local function spin() while true do end end
         local function tree(depth)
           if depth == 0 then return spin() end
           local a = coroutine.create(function() tree(depth - 1) end)
           local b = coroutine.wrap(function() tree(depth - 1) end)
           print(coroutine.resume(a)); pcall(b)
           while true do end
         end
         tree(3)
         """, "coroutine tree"),
        ("do local x <close> = setmetatable({}, { __close = function() while true do end end }) error('boom') end",
         "__close handler that loops"),
        ("local t = setmetatable({}, { __index = function(t, k) return t[k + 1] end }) pcall(function() return t[1] end) while true do end",
         "deep __index chain then loop"),
        // Lua calls a message handler for an error raised in a hook with hooks still off.
        ("xpcall(error, function(e) while true do end end, 'x')", "xpcall handler that loops"),
        ("xpcall(function() while true do end end, function(e) while true do end end)", "loop, then a handler that loops"),
        ("coroutine.wrap(function() xpcall(error, function() while true do end end, 'x') end)()", "handler that loops in a coroutine"),
        // A coroutine's __close handlers run on its own stack, when it is closed.
        ("""
         local co = coroutine.create(function()
           local x <close> = setmetatable({}, { __close = function() while true do end end })
           coroutine.yield()
         end)
         coroutine.resume(co)
         pcall(coroutine.close, co)
         while true do end
         """, "__close of a closed coroutine that loops"),
        ("""
         local loop = setmetatable({}, { __close = function() while true do end end })
         pcall(coroutine.wrap(function() local x <close> = loop; error("e") end))
         while true do end
         """, "__close of a failed wrapped coroutine that loops"),
    ])
    func timeLimitEndsTheRun(source: String, what: String) throws {
        let error = try failure(source, limits: shortLimits)
        #expect(error.kind == .limit(.time), "\(what): \(error.message)")
        #expect(error.message.contains("time limit exceeded (500ms)"), "\(what): \(error.message)")
    }

    @Test func instructionBudgetIsSharedByCoroutines() throws {
        var limits = shortLimits
        limits.time = .seconds(30)
        limits.instructions = 100_000
        // Each coroutine alone stays under the budget; together they exceed it.
        let error = try failure(
            """
            for i = 1, 100 do
              local co = coroutine.wrap(function() for j = 1, 2000 do end end)
              co()
            end
            """, limits: limits)
        #expect(error.kind == .limit(.instructions))
        #expect(error.message.contains("instruction limit exceeded (100000 instructions)"))
        // A script within the budget runs.
        let box = try sandbox(limits)
        #expect(try box.run("local s = 0 for i = 1, 1000 do s = s + i end return s", chunkName: "t") == [500_500])
    }

    @Test(arguments: [
        ("local t = {} for i = 1, 1e9 do t[i] = { i } end", "unbounded table growth"),
        ("local s = 'x' while true do s = s .. s end", "doubling concatenation"),
        ("local parts = {} while true do parts[#parts + 1] = ('y'):rep(1000) .. #parts end", "concatenation loop"),
        ("local s = string.rep('x', 1 << 30)", "string.rep of a gigabyte"),
        ("local t = {} while true do pcall(function() for i = 1, 1e9 do t[#t + 1] = {} end end) end", "growth inside pcall"),
    ])
    func memoryBombsHitTheCap(source: String, what: String) throws {
        let error = try failure(source, limits: shortLimits)
        #expect(error.kind == .limit(.memory), "\(what): \(error.message)")
        #expect(error.message.contains("memory limit exceeded (16 MB)"), "\(what): \(error.message)")
    }

    @Test func stringRepOfTwoToTheFortyIsRefused() throws {
        let error = try failure("local s = string.rep('x', 2^40)", limits: shortLimits)
        #expect(error.message.contains("resulting string too large") || error.kind == .limit(.memory))
    }

    @Test func outputIsCapped() throws {
        let printed = Printed()
        let error = try failure("for i = 1, 1e6 do print(('z'):rep(100)) end", limits: shortLimits, printed: printed)
        #expect(error.kind == .limit(.output))
        #expect(error.message.contains("output limit exceeded (4 KB)"))
        #expect(printed.lines.count == 40) // 40 lines of 101 bytes fit in 4096
        // pcall cannot swallow it either.
        let swallowed = try failure("while true do pcall(print, ('z'):rep(100)) end", limits: shortLimits)
        #expect(swallowed.kind == .limit(.output))
    }

    @Test func longCCallsAreCapped() throws {
        let error = try failure("table.move({}, 1, 1 << 40, 2)", limits: shortLimits)
        #expect(error.message.contains("table.move of 1099511627776 elements is over the sandbox's cap"))
    }

    @Test func deepRecursionIsAnOrdinaryError() throws {
        let error = try failure("local function f(n) return 1 + f(n + 1) end f(1)", limits: shortLimits)
        #expect(error.kind == .runtime || error.kind == .limit(.memory))
        #expect(error.message.contains("stack overflow") || error.message.contains("memory"))
    }

    @Test func theNextRunIsUnaffected() throws {
        _ = try failure("while true do end", limits: shortLimits)
        _ = try failure("local s = 'x' while true do s = s .. s end", limits: shortLimits)
        let box = try sandbox(shortLimits)
        #expect(try box.run("local s = 0 for i = 1, 100 do s = s + i end return s", chunkName: "t") == [5050])
    }
}

@Suite struct BadScriptTests {
    @Test func syntaxErrorsNameFileAndLine() throws {
        let error = try failure("local x = 1\nlocal y = = 2", chunk: "Scripts/broken.lua")
        #expect(error.kind == .syntax)
        #expect(error.message.hasPrefix("Scripts/broken.lua:2:"))
        #expect(error.message.contains("unexpected symbol near '='"))
    }

    @Test func runtimeErrorsNameFileAndLine() throws {
        let error = try failure("local a = 1\nlocal b = a + {}", chunk: "x.lua")
        #expect(error.kind == .runtime)
        #expect(error.message.hasPrefix("x.lua:2: attempt to perform arithmetic on a table value"))
    }

    @Test(arguments: [
        ("error({ code = 42 })", "t.lua:1: error object is a table value"),
        ("error(nil)", "t.lua:1: error object is nil"),
        ("error()", "t.lua:1: error object is nil"),
        ("error(setmetatable({}, { __tostring = function() return 'custom' end }))", "t.lua:1: custom"),
        ("error(setmetatable({}, { __tostring = function() error('broken') end }))",
         "t.lua:1: error object is a table value (its __tostring failed: t.lua:1: broken)"),
        ("error(42)", "t.lua:1: 42"),
        ("error('plain', 0)", "plain"),
    ])
    func errorObjectsOfAnyKind(source: String, expected: String) throws {
        let error = try failure(source, chunk: "t.lua")
        #expect(error.message == expected)
    }

    @Test func aToStringThatLoopsEndsOnTheTimeLimit() throws {
        let error = try failure("error(setmetatable({}, { __tostring = function() while true do end end }))", limits: shortLimits)
        #expect(error.message.contains("time limit exceeded"))
    }

    @Test func nonUTF8ScriptsAreRefusedWithTheirPosition() throws {
        let box = try sandbox()
        var bytes = Array("print('ok')\nlocal s = 'caf".utf8)
        bytes += [0xE9, 0x27, 0x0A]
        #expect {
            try box.run(bytes, chunkName: "latin1.lua")
        } throws: { error in
            (error as? LuaError)?.message == "latin1.lua:2: the script is not valid UTF-8 (byte 0xE9 at column 15)"
        }
    }

    @Test func missingFilesAreNamed() throws {
        let box = try sandbox()
        #expect {
            try box.runFile("/nonexistent/intake.lua")
        } throws: { error in
            (error as? LuaError)?.message == "cannot open /nonexistent/intake.lua: no such file"
        }
    }
}
