import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import LuaBridge
import Testing

/// A workspace with `Scripts/` files and a database, and runs over it.
struct WorkflowWorkspace {
    let folder: URL
    let store: SQLiteStore

    init(_ scripts: [String: String]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-workflows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Scripts"), withIntermediateDirectories: true)
        store = try SQLiteStore(path: folder.appendingPathComponent(".comity/comity.db").path)
        for (name, text) in scripts { try write(name, text) }
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: folder.appendingPathComponent("Scripts/\(name)"), atomically: true, encoding: .utf8)
    }

    func runner(_ parameters: [String: String] = [:], depth: Int = 8) -> ScriptRunner {
        ScriptRunner(workspace: folder, parameters: parameters, now: try? Timestamp(parsing: "2021-01-26T08:00:00Z"),
                     store: store, maxTriggerDepth: depth)
    }

    /// Runs `name`, then everything its events queue.
    func run(_ name: String, _ parameters: [String: String] = [:], depth: Int = 8, lines: Lines = Lines()) throws -> (ScriptRun, [ScriptRun]) {
        let runner = runner(parameters, depth: depth)
        let first = runner.run(file: "Scripts/\(name)") { lines.all.append($0) }
        let queued = try TriggerQueue(runner: runner).drain { lines.all.append($0) }
        return (first, queued)
    }

    func history() throws -> [RunRecord] { try store.read { try $0.runs(RunFilter(limit: 1000)) } }
}

@Suite struct WorkflowDeclarationTests {
    @Test(arguments: [
        ("return workflow { name = 'x', run = function() end, shedule = '* * * * *' }", "workflow has no field 'shedule' (did you mean 'schedule'?)"),
        ("return workflow { name = 'x', run = 42 }", "workflow 'x': field 'run' must be a function (got number)"),
        ("return workflow { run = function() end }", "workflow: field 'name' must be a non-empty string (got nil)"),
        ("return workflow { name = 'x', run = function() end, on = { 'grant.awardd' } }",
         "workflow 'x': 'on' pattern 'grant.awardd' matches no event (did you mean 'grant.awarded'?)"),
        ("return workflow { name = 'x', run = function() end, on = 'invoice.*' }", "'on' pattern 'invoice.*' matches no event"),
        ("return workflow { name = 'x', run = function() end, on = 5 }", "field 'on' must be an event name or a list of them (got number)"),
        ("return workflow { name = 'x', run = function() end, params = { days = { type = 'integr' } } }",
         "parameter 'days' has unknown type 'integr' (types: string, integer, number, boolean, date, time)"),
        ("return workflow { name = 'x', run = function() end, params = { days = { type = 'integer', default = 'soon' } } }",
         "parameter 'days' has a default 'soon' that is not an integer"),
        ("return workflow { name = 'x', run = function() end, params = { days = { type = 'integer', dflt = 1 } } }",
         "parameter 'days' has no field 'dflt' (fields: type, default, description)"),
        ("return workflow { name = 'x', run = function() end, limits = { timeout = 'soon' } }",
         "limits.timeout 'soon' is not a duration such as 30s, 5m, 2h or 7d"),
        ("return workflow { name = 'x', run = function() end, limits = { timeout = '0' } }",
         "limits.timeout '0' is not a duration such as 30s, 5m, 2h or 7d"),
        // Names reach terminals and logs: an escape sequence or a right-to-left override would rewrite what is shown.
        ("return workflow { name = 'nightly\\27[2J', run = function() end }",
         "workflow: field 'name' \"nightlyU+001B[2J\" holds the invisible character U+001B; a name may hold visible characters and spaces only"),
        ("return workflow { name = 'report\\u{202E}gpj.exe', run = function() end }", "holds the invisible character U+202E"),
        ("return workflow { name = 'x\\ny', run = function() end }", "holds the invisible character U+000A"),
        ("return workflow { name = '\\xff', run = function() end }", "workflow: field 'name' is not UTF-8 text"),
        ("return workflow { name = 'x', run = function() end, limits = { cpu = '1s' } }", "limits has no 'cpu'"),
        ("return workflow { name = 'x', run = function() end, retry = { attempts = 0 } }", "retry attempts must be a whole number from 1 to 100"),
        ("return workflow { name = 'x', run = function() end, retry = { retry_on = { 'gremlins' } } }", "retry retry_on lists error kinds"),
        ("return workflow { name = 'x', run = function() end, dedupe = 'key' }", "field 'dedupe' must be a function returning a key"),
        ("return workflow { name = 'x', run = function() end, description = 7 }", "field 'description' must be a string (got number)"),
    ])
    func badDeclarationsAreNamed(source: String, message: String) throws {
        let workspace = try WorkflowWorkspace(["bad.lua": source])
        let (run, _) = try workspace.run("bad.lua")
        let error = try #require(run.outcome.error)
        #expect(error.message.contains("Scripts/bad.lua:1: "), "\(error.message)")
        #expect(error.message.contains(message), "\(error.message)")
        // Listed with its error, without running anything.
        let catalog = WorkflowCatalog.load(workspace: workspace.folder)
        #expect(catalog.workflows.first?.error?.contains(message) == true)
        #expect(try workspace.history().first?.outcome == .failed)
    }

    @Test func theCatalogListsDeclarationsWithoutRunningThemOrTouchingTheDatabase() throws {
        let workspace = try WorkflowWorkspace([
            "a.lua": """
                return workflow { name = "award", description = "d", on = { "grant.*" }, schedule = "0 8 * * 1",
                  params = { days = { type = "integer", default = 14, description = "how long" }, who = "string" },
                  run = function(ctx) orgs.create { name = "never" } end }
                """,
            "b.lua": "return workflow { name = 'award', run = function() end }",
            "plain.lua": "print('a plain script')",
            "seed.lua": "orgs.create { name = 'needs the database at its top level' }",
            "broken.lua": "return workflow {",
            "a_spec.lua": "error('specs are not workflows')",
        ])
        let catalog = WorkflowCatalog.load(workspace: workspace.folder)
        #expect(catalog.workflows.map(\.file) == ["Scripts/a.lua", "Scripts/b.lua", "Scripts/broken.lua"])
        let award = try #require(catalog.workflows.first)
        #expect(award.triggers == ["grant.*"] && award.schedule == "0 8 * * 1" && award.description == "d")
        #expect(award.parameters.map(\.name) == ["days", "who"])
        #expect(award.parameters.first?.defaultValue == "14" && award.parameters.last?.defaultValue == nil)
        #expect(award.error == "two workflows are named 'award': Scripts/a.lua and Scripts/b.lua; rename one")
        #expect(catalog.workflows[2].error?.contains("Scripts/broken.lua:1:") == true)
        #expect(try workspace.store.read { try $0.count(.organisation, RecordQuery()) } == 0)
        #expect(try workspace.history().isEmpty)
    }
}

@Suite struct WorkflowRunTests {
    static let typed = """
        return workflow {
          name = "typed",
          params = { days = { type = "integer", default = 14 }, since = "date", rate = { type = "number", default = 0.5 },
                     strict = { type = "boolean", default = false }, at = { type = "time", default = "2021-01-26T11:00:00+03:00" } },
          run = function(ctx)
            local p = ctx.params
            print(p.days + 1, math.type(p.days), p.since, p.rate * 2, p.strict, p.at.unix, ctx.trigger.kind, ctx.dry_run, #ctx.run_id)
            ctx.log("days", p.days)
          end,
        }
        """

    @Test func parametersAreTypedDefaultedAndRecorded() throws {
        let workspace = try WorkflowWorkspace(["typed.lua": Self.typed])
        let lines = Lines()
        let (run, _) = try workspace.run("typed.lua", ["since": "2021-01-01", "strict": "yes"], lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == ["15\tinteger\t2021-01-01\t1.0\ttrue\t1611648000\tmanual\tfalse\t36"])
        let record = try #require(try workspace.store.read { try $0.run(id: run.id) })
        #expect(record.outcome == .succeeded && record.workflow == "typed" && record.file == "Scripts/typed.lua")
        #expect(record.parameters == ["days": "14", "since": "2021-01-01", "rate": "0.5", "strict": "yes", "at": "2021-01-26T11:00:00+03:00"])
        #expect(record.log == ["days\t14"])
        #expect(record.contentHash.count == 64)
        #expect(record.clock == (try Timestamp(parsing: "2021-01-26T08:00:00Z")))
    }

    @Test(arguments: [
        (["since": "2021-01-01", "dayz": "3"], "workflow 'typed' has no parameter 'dayz' (did you mean 'days'?); parameters: at (time, default 2021-01-26T11:00:00+03:00), days (integer, default 14), rate (number, default 0.5), since (date, required), strict (boolean, default false)"),
        ([:], "workflow 'typed' needs parameter 'since' (date): --param since=...;"),
        (["since": "2021-01-01", "days": "two"], "parameter 'days' of workflow 'typed': 'two' is not a whole number (integer expected)"),
        (["since": "2021-02-30"], "parameter 'since' of workflow 'typed':"),
        (["since": "2021-01-01", "strict": "maybe"], "'maybe' is not true or false (boolean expected)"),
    ])
    func badParametersStopTheRunBeforeItStarts(parameters: [String: String], message: String) throws {
        let workspace = try WorkflowWorkspace(["typed.lua": Self.typed])
        let lines = Lines()
        let (run, _) = try workspace.run("typed.lua", parameters, lines: lines)
        #expect(run.outcome.error?.message.contains(message) == true, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all.isEmpty)
        #expect(run.errorKind == "validation")
        #expect(try workspace.history().first?.outcome == .failed)
    }

    static let award = """
        return workflow {
          name = "award",
          run = function(ctx)
            local f = orgs.create { name = "Funder" }
            local g = grants.create { title = "Library", funder = f, recipient = orgs.create { name = "Library NGO" } }
            grants.submit(g)
            grants.award(g, { amount_awarded = money(5000, "RUB") })
          end,
        }
        """

    @Test func eventsQueueTheWorkflowsTheyTriggerWithThePayload() throws {
        let workspace = try WorkflowWorkspace([
            "award.lua": Self.award,
            "thank.lua": """
                return workflow {
                  name = "thank",
                  on = { "grant.awarded" },
                  run = function(ctx)
                    local g = ctx.trigger.record
                    print(ctx.trigger.kind, ctx.trigger.event, g.title, g.funder.name, g.amount_awarded, ctx.trigger.caused_by ~= nil)
                    for i = 1, 2 do -- once per key, however often it is asked
                      ctx.once("thank-" .. g.id, function() tasks.create { title = "Thank " .. g.funder.name, about = g } end)
                    end
                  end,
                }
                """,
            "audit.lua": "return workflow { name = 'audit', on = 'grant.*', run = function(ctx) print('audit', ctx.trigger.event) end }",
        ])
        let lines = Lines()
        let (run, queued) = try workspace.run("award.lua", lines: lines)
        // awarded: thank + audit; created, submitted and each step's grant.updated: audit ('grant.*').
        #expect(run.succeeded && run.queued == 6, "\(run.outcome.error?.message ?? "")")
        #expect(queued.count == 6 && queued.allSatisfy(\.succeeded), "\(queued.map { $0.outcome.error?.message ?? "ok" })")
        #expect(lines.all.filter { $0.hasPrefix("audit") }.sorted()
            == ["audit\tgrant.awarded", "audit\tgrant.created", "audit\tgrant.submitted", "audit\tgrant.updated", "audit\tgrant.updated"])
        #expect(lines.all.filter { $0.hasPrefix("event") } == ["event\tgrant.awarded\tLibrary\tFunder\t5,000.00 RUB\ttrue"])
        #expect(try workspace.store.read { try $0.count(.task, RecordQuery()) } == 1)
        let thank = try #require(queued.first { $0.workflowName == "thank" })
        #expect(thank.record.trigger.causedBy == run.id && thank.record.trigger.depth == 1)
        #expect(thank.record.trigger.record == RecordReference(.grant, 1))
        #expect(thank.record.recordsCreated == 1)
        // A dry run queues nothing.
        var dry = workspace.runner()
        dry.dryRun = true
        #expect(dry.run(file: "Scripts/award.lua") { _ in }.queued == 0)
        #expect(try workspace.store.read { try $0.queuedRunCount() } == 0)
    }

    @Test func aTriggerLoopStopsAtTheDepthWithARecordedError() throws {
        // Each run awards a new grant, which triggers the same workflow again.
        let workspace = try WorkflowWorkspace([
            "loop.lua": """
                return workflow {
                  name = "loop",
                  on = "grant.awarded",
                  run = function(ctx)
                    local f = orgs.create { name = "F" }
                    local g = grants.create { title = "again", funder = f, recipient = orgs.create { name = "Recipient" } }
                    grants.submit(g)
                    grants.award(g)
                  end,
                }
                """,
        ])
        let (run, queued) = try workspace.run("loop.lua", depth: 3)
        #expect(run.succeeded)
        #expect(queued.count == 4) // depths 1, 2, 3, and the one refused at 4
        #expect(queued.last?.succeeded == false)
        let history = try workspace.history()
        #expect(history.count == 5)
        let refused = try #require(history.first { $0.trigger.depth == 4 })
        #expect(refused.outcome == .failed)
        #expect(refused.error?.contains("max_trigger_depth = 3") == true)
        #expect(try workspace.store.read { try $0.count(.grant, RecordQuery()) } == 4)
    }

    @Test func aScriptEditedAfterQueueingRunsAsItIsNowAndRecordsItsHash() throws {
        let workspace = try WorkflowWorkspace([
            "award.lua": Self.award,
            "thank.lua": "return workflow { name = 'thank', on = 'grant.awarded', run = function() print('version 1') end }",
        ])
        let runner = workspace.runner()
        let first = runner.run(file: "Scripts/award.lua") { _ in }
        #expect(first.queued == 1)
        let before = WorkflowCatalog.load(workspace: workspace.folder)
        #expect(before.workflow(named: "thank") != nil)
        try workspace.write("thank.lua", "return workflow { name = 'thank', on = 'grant.awarded', run = function() print('version 2') end }")
        let lines = Lines()
        let queued = try TriggerQueue(runner: runner).drain { lines.all.append($0) }
        #expect(lines.all == ["version 2"])
        let expected = ScriptRunner.contentHash(try Data(contentsOf: workspace.folder.appendingPathComponent("Scripts/thank.lua")))
        #expect(queued.first?.record.contentHash == expected)
    }

    @Test func aFailedTriggeredRunIsRetriedByItsPolicyAndValidationErrorsAreNot() throws {
        let workspace = try WorkflowWorkspace([
            "award.lua": Self.award,
            "flaky.lua": """
                return workflow { name = 'flaky', on = 'grant.awarded', retry = { attempts = 3, delay = "1s", backoff = "fixed" },
                                  run = function(ctx) error("the mail server is down") end }
                """,
            "invalid.lua": """
                return workflow { name = 'invalid', on = 'grant.awarded', retry = { attempts = 3, delay = "1s" },
                                  run = function(ctx) orgs.create { name = "X", country = "SU" } end }
                """,
        ])
        let (_, queued) = try workspace.run("award.lua")
        #expect(queued.count == 2 && queued.allSatisfy { !$0.succeeded })
        #expect(queued.first { $0.workflowName == "invalid" }?.errorKind == "validation")
        #expect(queued.first { $0.workflowName == "flaky" }?.errorKind == "error")
        // Only the flaky one waits for its second attempt, a second or two from now.
        #expect(try workspace.store.read { try $0.queuedRunCount() } == 1)
        #expect(try TriggerQueue(runner: workspace.runner()).drain { _ in }.isEmpty) // not due yet
        Thread.sleep(forTimeInterval: 2.1) // 1 s and its jitter, in whole seconds
        let second = try TriggerQueue(runner: workspace.runner()).drain { _ in }
        #expect(second.map(\.record.attempt) == [2])
        Thread.sleep(forTimeInterval: 2.1) // 1 s and its jitter, in whole seconds
        let third = try TriggerQueue(runner: workspace.runner()).drain { _ in }
        #expect(third.map(\.record.attempt) == [3])
        #expect(try workspace.store.read { try $0.queuedRunCount() } == 0) // three attempts in all
        let flaky = try workspace.store.read { try $0.runs(RunFilter(workflow: "flaky", unsuccessfulOnly: true)) }
        #expect(flaky.map(\.attempt) == [3, 2, 1])
    }

    @Test func twoTriggersForTheSameThingMakeOneRun() throws {
        let workspace = try WorkflowWorkspace([
            "award.lua": Self.award,
            // grant.created, .submitted, .awarded and the steps' grant.updated of one grant: one report task.
            "report.lua": """
                return workflow {
                  name = "report",
                  on = "grant.*",
                  dedupe = function(ctx) return "grant-" .. ctx.trigger.record.id end,
                  run = function(ctx) tasks.create { title = "Report on " .. ctx.trigger.record.title, about = ctx.trigger.record } end,
                }
                """,
        ])
        let (_, queued) = try workspace.run("award.lua")
        #expect(queued.map(\.record.outcome) == [.succeeded, .skipped, .skipped, .skipped, .skipped])
        #expect(queued.last?.record.log == ["skipped: dedupe key 'grant-1' has run already"])
        #expect(try workspace.store.read { try $0.count(.task, RecordQuery()) } == 1)
        // Not a failure.
        #expect(try workspace.store.read { try $0.runs(RunFilter(unsuccessfulOnly: true)) }.isEmpty)
    }

    @Test func aWorkflowsOwnLimitsGovernItsRun() throws {
        let workspace = try WorkflowWorkspace([
            "spin.lua": "return workflow { name = 'spin', limits = { timeout = '300ms' }, run = function() while true do end end }",
            "grow.lua": "return workflow { name = 'grow', limits = { memory = '2MB' }, run = function() local t = {} for i = 1, 1e7 do t[i] = i end end }",
        ])
        let (spin, _) = try workspace.run("spin.lua")
        #expect(spin.outcome.error?.message.contains("time limit exceeded (300ms)") == true, "\(spin.outcome.error?.message ?? "")")
        #expect(spin.record.outcome == .limit && spin.errorKind == "timeout")
        let (grow, _) = try workspace.run("grow.lua")
        #expect(grow.outcome.error?.message.contains("memory limit exceeded (2 MB)") == true, "\(grow.outcome.error?.message ?? "")")
        #expect(grow.errorKind == "memory")
        // Limits given by whoever runs it win.
        var runner = workspace.runner()
        runner.limits.time = .milliseconds(100)
        runner.limitsFromCommandLine = true
        #expect(runner.run(file: "Scripts/spin.lua") { _ in }.outcome.error?.message.contains("time limit exceeded (100ms)") == true)
    }

    @Test func backoffGrowsAndJittersWithinAFifth() {
        var policy = RetryPolicy(attempts: 5, backoff: .exponential, delay: .seconds(10), retryOn: ["error"])
        #expect(policy.wait(beforeAttempt: 2, jitter: 0) == .seconds(10))
        #expect(policy.wait(beforeAttempt: 3, jitter: 0) == .seconds(20))
        #expect(policy.wait(beforeAttempt: 5, jitter: 0) == .seconds(80))
        #expect(policy.wait(beforeAttempt: 3, jitter: 0.2) == .seconds(24))
        for _ in 0..<100 {
            let wait = policy.wait(beforeAttempt: 3)
            #expect(wait >= .seconds(20) && wait <= .seconds(24))
        }
        policy.backoff = .fixed
        #expect(policy.wait(beforeAttempt: 5, jitter: 0) == .seconds(10))
    }
}
