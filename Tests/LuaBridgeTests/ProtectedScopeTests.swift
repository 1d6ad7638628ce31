import LuaBridge
import Testing

/// Rows written by `write(name)` from Lua, kept under savepoints as a database keeps
/// them: a rollback to a level drops what was written since it opened. Every call
/// the bridge makes is noted, to check that frames without writes make none.
final class JournalSavepoints: LuaSavepoints {
    var rows: [String] = []
    var calls: [String] = []
    /// Rows there were when each open level opened.
    private var marks: [Int] = []
    /// Makes the next rollback fail, as a database that refuses it.
    var refuseRollback = false

    func openSavepoint(level: Int) throws {
        calls.append("open \(level)")
        #expect(level == marks.count + 1, "levels open in order")
        marks.append(rows.count)
    }

    func releaseSavepoint(level: Int) throws {
        calls.append("release \(level)")
        marks.removeSubrange((level - 1)...)
    }

    func rollBackSavepoint(level: Int) throws {
        calls.append("rollback \(level)")
        if refuseRollback { throw LuaScriptError("disk I/O error") }
        rows.removeSubrange(marks[level - 1]...)
        marks.removeSubrange((level - 1)...)
    }
}

@Suite struct ProtectedScopeTests {
    /// A sandbox whose `write(name)` keeps a row in `journal` after asking the bridge.
    func sandbox(_ journal: JournalSavepoints, limits: LuaLimits = .default) throws -> LuaSandbox {
        let box = try LuaBridgeTests.sandbox(limits)
        box.state.savepoints = journal
        try box.state.register("write") { call in
            try call.state.beforeWrite()
            journal.rows.append(try call.string(1))
            return .none
        }
        return box
    }

    func run(_ source: String, _ journal: JournalSavepoints = JournalSavepoints()) throws -> (JournalSavepoints, [LuaValue]) {
        let box = try sandbox(journal)
        defer { box.close() }
        let results = try box.run(source, chunkName: "scopes.lua")
        #expect(box.state.protectedFrames.open == 0)
        return (journal, results)
    }

    @Test func aPcallThatWritesNothingCallsNothing() throws {
        let (journal, results) = try run("""
            local n = 0
            for i = 1, 1000 do
              local ok = pcall(function() n = n + 1; if i % 2 == 0 then error("even") end end)
              xpcall(function() error({}) end, function(e) return e end)
            end
            return n
            """)
        #expect(results == [.integer(1000)])
        #expect(journal.calls.isEmpty)
    }

    @Test func anErrorCaughtByPcallUndoesWhatItWroteAndKeepsTheRest() throws {
        let (journal, results) = try run("""
            write("before")
            local ok, e = pcall(function() write("a"); write("b"); error("x") end)
            write("after")
            return ok, e
            """)
        #expect(results == [.boolean(false), .string("scopes.lua:2: x")])
        #expect(journal.rows == ["before", "after"])
        #expect(journal.calls == ["open 1", "rollback 1"], "one savepoint, opened at the first write")
    }

    @Test func aPcallThatSucceedsKeepsWhatItWroteAndReleasesItsSavepoint() throws {
        let (journal, results) = try run("return pcall(function() write('a'); write('b'); return 1, 2 end)")
        #expect(results == [.boolean(true), .integer(1), .integer(2)])
        #expect(journal.rows == ["a", "b"])
        #expect(journal.calls == ["open 1", "release 1"])
    }

    @Test func nestedFramesGetSavepointsOutermostFirstAndOnlyTheInnerFailureIsUndone() throws {
        let (journal, _) = try run("""
            pcall(function()
              pcall(function()
                pcall(function() write("a"); error("inner") end)
                write("b")
              end)
              write("c")
              pcall(function() write("d") end)
              pcall(function() end)
            end)
            """)
        #expect(journal.rows == ["b", "c", "d"])
        #expect(journal.calls == ["open 1", "open 2", "open 3", "rollback 3", "release 2", "open 2", "release 2", "release 1"])
    }

    @Test func theErrorValueOfAFailedPartIsKeptWhateverItIs() throws {
        let (journal, results) = try run("""
            local err = { code = 42 }
            local ok, e = pcall(function() write("a"); error(err) end)
            local ok2, e2 = pcall(function() write("b"); error() end)
            return ok, e == err, e.code, ok2, e2
            """)
        #expect(results == [.boolean(false), .boolean(true), .integer(42), .boolean(false), .nil])
        #expect(journal.rows.isEmpty)
    }

    @Test func xpcallsHandlerRunsWhereTheErrorWasAndWhatItWritesIsUndoneToo() throws {
        let (journal, results) = try run("""
            local ok, e = xpcall(function() write("a"); error("x") end, function(m)
              write("handler")
              return "handled: " .. m
            end)
            return ok, e
            """)
        #expect(results == [.boolean(false), .string("handled: scopes.lua:1: x")])
        #expect(journal.rows.isEmpty)
        #expect(journal.calls == ["open 1", "rollback 1"])
    }

    @Test func aCoroutineSuspendedInsideAFrameThatFailsLaterUndoesOnlyItsOwnWrites() throws {
        let (journal, _) = try run("""
            local co = coroutine.create(function()
              return pcall(function()
                write("in coroutine")
                coroutine.yield()
                write("again")
                error("late")
              end)
            end)
            coroutine.resume(co)
            pcall(function() end)   -- a frame of main's, without writes, meanwhile
            local _, ok, e = coroutine.resume(co)
            write("main")
            assert(not ok and e:find("late"))
            """)
        #expect(journal.rows == ["main"])
    }

    @Test func aFrameOfTheResumingThreadIsOutsideTheCoroutinesAndGetsItsSavepointFirst() throws {
        let (journal, _) = try run("""
            local co = coroutine.wrap(function()
              pcall(function() write("co"); error("x") end)
              write("co kept")
            end)
            pcall(function() co(); error("outer") end)
            """)
        #expect(journal.rows.isEmpty)
        #expect(journal.calls == ["open 1", "open 2", "rollback 2", "rollback 1"])
    }

    @Test func aWriteElsewhereWhileACoroutineIsSuspendedInsideAFrameFailsTheRunIfThatFrameFails() throws {
        let journal = JournalSavepoints()
        let box = try sandbox(journal)
        defer { box.close() }
        #expect(throws: LuaError.self) {
            try box.run("""
                local co = coroutine.wrap(function()
                  local ok = pcall(function() write("co"); coroutine.yield(); error("x") end)
                  return "caught"
                end)
                co()
                write("main, between")
                -- the coroutine's rollback would undo main's write too
                local ok, e = pcall(co)
                write("never")
                """, chunkName: "scopes.lua")
        }
        #expect(box.state.limitHit == .savepoint)
        #expect(journal.rows == ["co", "main, between"], "nothing more was written, and no rollback was tried")
        #expect(!journal.calls.contains { $0.hasPrefix("rollback") })
    }

    @Test func theUncatchableFailureSaysWhy() throws {
        let journal = JournalSavepoints()
        let box = try sandbox(journal)
        defer { box.close() }
        do {
            try box.run("""
                local co = coroutine.wrap(function() pcall(function() write("co"); coroutine.yield(); error("x") end) end)
                co()
                write("main")
                pcall(co)
                """, chunkName: "scopes.lua")
            Issue.record("the run should have failed")
        } catch {
            #expect(error.kind == .limit(.savepoint))
            #expect(error.message.contains("pcall caught an error, but what it wrote cannot be undone alone: other code wrote while it was suspended in a coroutine"), "\(error.message)")
            #expect(error.message.hasSuffix("the run is failed rather than keep half of what the pcall wrote"), "\(error.message)")
        }
    }

    @Test func aCoroutineThatSucceedsAfterOthersWroteKeepsAllOfIt() throws {
        let (journal, _) = try run("""
            local co = coroutine.wrap(function() pcall(function() write("co"); coroutine.yield(); write("co 2") end) end)
            co()
            write("main")
            co()
            """)
        #expect(journal.rows == ["co", "main", "co 2"])
    }

    @Test func closingACoroutineSuspendedInsideAFrameKeepsWhatItWrote() throws {
        let journal = JournalSavepoints()
        let box = try sandbox(journal)
        defer { box.close() }
        try box.run("""
            local co = coroutine.create(function()
              pcall(function() pcall(function() write("co"); coroutine.yield() end) end)
            end)
            coroutine.resume(co)
            assert(coroutine.close(co))
            write("after")
            pcall(function() write("undone"); error("x") end)
            """, chunkName: "scopes.lua")
        #expect(journal.rows == ["co", "after"])
        #expect(box.state.protectedFrames.open == 0 && box.state.protectedFrames.savepoints == 0)
    }

    @Test func coroutinesDroppedWhileSuspendedInsideAFrameAreSafe() throws {
        let journal = JournalSavepoints()
        let box = try sandbox(journal)
        defer { box.close() }
        try box.run("""
            for i = 1, 3000 do
              local co = coroutine.wrap(function() pcall(function() coroutine.yield() end) end)
              co()
              local junk = {}
              for j = 1, 50 do junk[j] = { j } end
            end
            write("after")
            pcall(function() write("undone"); error("x") end)
            """, chunkName: "scopes.lua")
        #expect(journal.rows == ["after"])
        #expect(box.state.protectedFrames.open == 3000, "kept with their coroutines, suspended")
    }

    @Test func aLimitInsideAFrameFailsTheRunWithoutARollback() throws {
        let journal = JournalSavepoints()
        let box = try sandbox(journal, limits: LuaLimits(memory: 16 << 20, instructions: 100_000))
        defer { box.close() }
        #expect(throws: LuaError.self) {
            try box.run("pcall(function() write('a'); while true do end end) write('b')", chunkName: "scopes.lua")
        }
        #expect(box.state.limitHit == .instructions)
        #expect(journal.rows == ["a"])
        #expect(journal.calls == ["open 1"], "the whole transaction goes, with the run")
    }

    @Test func aRollbackTheHostRefusesFailsTheRunNamingTheReason() throws {
        let journal = JournalSavepoints()
        journal.refuseRollback = true
        let box = try sandbox(journal)
        defer { box.close() }
        do {
            try box.run("local ok = pcall(function() write('a'); error('x') end) write('b')", chunkName: "scopes.lua")
            Issue.record("the run should have failed")
        } catch {
            #expect(error.kind == .limit(.savepoint))
            #expect(error.message.contains("the database could not undo what it wrote (disk I/O error)"), "\(error.message)")
        }
        #expect(journal.rows == ["a"])
    }

    @Test func aStateWithoutSavepointsMakesNoCalls() throws {
        let box = try LuaBridgeTests.sandbox()
        defer { box.close() }
        let written = Printed()
        try box.state.register("write") { call in
            try call.state.beforeWrite()
            written.lines.append(try call.string(1))
            return .none
        }
        try box.run("pcall(function() write('a'); error('x') end)", chunkName: "scopes.lua")
        #expect(written.lines == ["a"])
    }
}
