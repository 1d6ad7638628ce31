import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import LuaBridge
import Testing

/// An error caught by `pcall` keeps nothing written inside it, as a PL/pgSQL block with
/// an EXCEPTION clause rolls back to its savepoint; the rest of the run stands. Real
/// SQLite files, real runs.
@Suite struct PcallRollbackTests {
    /// Runs `body` as a workflow's run function; what it printed.
    func run(_ body: String, in workspace: WorkflowWorkspace? = nil) throws -> (WorkflowWorkspace, ScriptRun, [String]) {
        let workspace = try workspace ?? WorkflowWorkspace([:])
        try workspace.write("w.lua", "return workflow { name = 'w', run = function(ctx)\n\(body)\nend }\n")
        let lines = Lines()
        let (run, _) = try workspace.run("w.lua", lines: lines)
        return (workspace, run, lines.all)
    }

    func names(_ workspace: WorkflowWorkspace) throws -> [String] {
        var names: [String] = []
        try workspace.store.read { transaction in
            try transaction.forEach(.organisation, RecordQuery()) { record in
                if case .string(let name)? = record.fields["name"] { names.append(name) }
                return true
            }
        }
        return names.sorted()
    }

    @Test func theIssuesCaseLeavesNoOrganisationNorItsAudit() throws {
        let (workspace, run, lines) = try run("""
            local ok, e = pcall(function() orgs.create { name = "Half" }; error("x") end)
            print(ok, e)
            """)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.count == 1 && lines[0].hasPrefix("false\t") && lines[0].hasSuffix(":2: x"), "\(lines)")
        #expect(try names(workspace).isEmpty)
        #expect(try workspace.store.read { try $0.changes(byRun: run.id) }.isEmpty)
        #expect(run.record.recordsCreated == 0)
    }

    @Test func nestedPcallsWhereOnlyTheInnerFailsKeepTheOuter() throws {
        let (workspace, run, _) = try run("""
            assert(pcall(function()
              orgs.create { name = "Outer" }
              local ok = pcall(function() orgs.create { name = "Inner" }; error("inner") end)
              assert(not ok)
              orgs.create { name = "After" }
            end))
            local o = orgs.create { name = "Renamed later" }
            pcall(function() orgs.update(o, { name = "Never" }); error("no") end)
            """)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(try names(workspace) == ["After", "Outer", "Renamed later"])
        #expect(run.record.recordsCreated == 3 && run.record.recordsChanged == 0)
    }

    @Test func aWriteBeforeAPcallThatWroteNothingIsKeptWhenThatPcallFails() throws {
        let (workspace, run, lines) = try run("""
            orgs.create { name = "Early" }
            print(pcall(function() local t = {}; return t.x.y end))
            print(orgs.count {})
            """)
        #expect(run.succeeded)
        #expect(lines.last == "1")
        #expect(try names(workspace) == ["Early"])
    }

    @Test func anErrorValueThatIsATableAndXpcallsHandlerStayAsLuaGivesThem() throws {
        let (workspace, run, lines) = try run("""
            local err = { code = 7 }
            local ok, e = pcall(function() orgs.create { name = "T" }; error(err) end)
            print(ok, e == err, e.code)
            local ok2, handled = xpcall(function() orgs.create { name = "X" }; error("boom") end, function(m)
              orgs.create { name = "Written by the handler" } -- inside the failed part: undone too
              return "handled " .. m
            end)
            print(ok2, handled)
            """)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.first == "false\ttrue\t7")
        #expect(lines.last?.hasPrefix("false\thandled ") == true && lines.last?.hasSuffix(":5: boom") == true, "\(lines)")
        #expect(try names(workspace).isEmpty)
    }

    @Test func aPcallInsideCtxOnceAndCtxOnceInsideAPcall() throws {
        let (workspace, run, lines) = try run("""
            print(ctx.once("inner", function()
              pcall(function() orgs.create { name = "Undone" }; error("x") end)
              orgs.create { name = "Kept" }
              return "done"
            end))
            print(ctx.once("inner", function() orgs.create { name = "Twice" } end))
            -- The key is claimed only when the function succeeds, even inside pcall.
            print(pcall(ctx.once, "welcome", function() orgs.create { name = "Half" }; error("x") end))
            print(ctx.once("welcome", function() orgs.create { name = "Welcome" } end))
            -- A failed pcall around a ctx.once that succeeded undoes it, key and all.
            pcall(function() ctx.once("later", function() orgs.create { name = "Gone" } end); error("after") end)
            print(ctx.once("later", function() orgs.create { name = "Later" } end))
            """)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines[0] == "true\tdone" && lines[1] == "false", "\(lines)")
        #expect(lines[2].hasPrefix("false\t") && lines[3] == "true" && lines[4] == "true", "\(lines)")
        #expect(try names(workspace) == ["Kept", "Later", "Welcome"])
    }

    @Test func mailQueuedInsideAFailedPcallIsNotQueued() throws {
        let (workspace, run, _) = try run("""
            pcall(function() mail.send { to = "a@example.org", subject = "s", body = "b" }; error("x") end)
            mail.send { to = "b@example.org", subject = "kept", body = "b" }
            """)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(try workspace.store.read { try $0.messages(nil) }.map { $0.to.map(\.address) } == [["b@example.org"]])
    }

    @Test func aRollbackThatCannotBeExactFailsTheWholeRun() throws {
        let (workspace, run, lines) = try run("""
            local co = coroutine.wrap(function()
              print(pcall(function() orgs.create { name = "In the coroutine" }; coroutine.yield(); error("late") end))
            end)
            co()
            orgs.create { name = "Between" } -- a rollback of the coroutine's pcall would undo this too
            co()
            print("not reached")
            """)
        #expect(run.record.outcome == .failed)
        #expect(run.outcome.error?.message.contains("pcall caught an error, but what it wrote cannot be undone alone") == true,
                "\(run.outcome.error?.message ?? "")")
        #expect(lines.isEmpty)
        #expect(try names(workspace).isEmpty, "a failed run keeps nothing")
        #expect(try workspace.history().first?.outcome == .failed)
    }

    @Test func aCoroutineLeftInsideAPcallWhenCtxOnceEndsCannotUndoItsWritesAlone() throws {
        // What the coroutine wrote was kept with ctx.once's part: a later failure of its
        // pcall cannot take it out again, so the run fails rather than keep half.
        let (workspace, run, _) = try run("""
            local co
            ctx.once("k", function()
              co = coroutine.wrap(function()
                pcall(function() orgs.create { name = "In once" }; coroutine.yield(); error("late") end)
              end)
              co()
            end)
            co()
            """)
        #expect(run.record.outcome == .failed)
        #expect(run.outcome.error?.message.contains("cannot be undone alone") == true, "\(run.outcome.error?.message ?? "")")
        #expect(try names(workspace).isEmpty)
    }

    @Test func coroutinesThatDoNotInterleaveWritesRollBackExactly() throws {
        let (workspace, run, _) = try run("""
            local co = coroutine.wrap(function()
              pcall(function() orgs.create { name = "Undone" }; coroutine.yield(); error("late") end)
              orgs.create { name = "Coroutine kept" }
            end)
            co()
            local x = 0
            for i = 1, 10 do x = x + i end -- no write meanwhile
            co()
            orgs.create { name = "Main" }
            """)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(try names(workspace) == ["Coroutine kept", "Main"])
    }

    @Test func aHandleChangedInsideAFailedPartShowsWhatTheStoreHoldsAgain() throws {
        let (workspace, run, lines) = try run("""
            local o = orgs.create { name = "Before" }
            print(o.name) -- read once: cached
            pcall(function() orgs.update(o, { name = "Inside" }); print(o.name); error("x") end)
            print(o.name)
            local g = grants.create { title = "T", funder = o, recipient = orgs.create { name = "R" } }
            grants.submit(g)
            pcall(function() grants.award(g, { amount_awarded = money(5, "RUB") }); error("no") end)
            print(g.status)
            pcall(ctx.once, "k", function() orgs.update(o, { name = "Once" }); error("x") end)
            print(o.name)
            pcall(function() orgs.update(o, { name = "Kept" }) end)
            print(o.name)
            """)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines == ["Before", "Inside", "Before", "submitted", "Before", "Kept"])
        #expect(try names(workspace) == ["Kept", "R"])
    }

    @Test func aPluginsPcallUndoesWhatItsCodeWrote() throws {
        let folder = try pluginWorkspace([
            "Plugins/keeper/plugin.lua": """
                return {
                  name = "keeper", version = "1.0.0", comity = ">=0.1, <1", description = "Writes in parts",
                  provides = { functions = {
                    try = { summary = "Creates an organisation that is undone", params = { { "name", "string", "its name" } },
                            returns = { { "boolean", "whether it stayed" } } },
                    later = { summary = "The same in a coroutine of its own", params = { { "name", "string", "its name" } },
                              returns = { { "boolean", "whether it stayed" } } },
                  } },
                }
                """,
            "Plugins/keeper/init.lua": """
                local M = {}
                function M.try(name)
                  return (pcall(function() orgs.create { name = name }; error("refused") end))
                end
                function M.later(name)
                  local co = coroutine.create(function()
                    return pcall(function() orgs.create { name = name }; coroutine.yield(); error("refused") end)
                  end)
                  coroutine.resume(co)
                  local _, ok = coroutine.resume(co)
                  return ok
                end
                return M
                """,
            "Scripts/use.lua": """
                local keeper = require "keeper"
                print(keeper.try("Plugin's"), keeper.later("Plugin's coroutine"))
                orgs.create { name = "Workspace's" }
                """,
        ])
        var plugins = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        var api = APIRegistry.core
        plugins.register(into: &api)
        let store = try SQLiteStore(path: folder.appendingPathComponent(".comity/comity.db").path)
        var runner = ScriptRunner(workspace: folder, api: api, store: store)
        runner.plugins = plugins
        var lines: [String] = []
        let run = runner.run(file: "Scripts/use.lua") { lines.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines == ["false\tfalse"])
        #expect(try store.read { try $0.count(.organisation, RecordQuery()) } == 1)
    }
}
