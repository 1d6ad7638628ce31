import ComityCore
@testable import ComityEngine
import ComityService
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// A workspace in a temporary folder (comity.lua and the given files), opened through
/// the engine service on a real SQLite database.
struct EngineWorkspace {
    let folder: URL

    init(_ files: [String: String]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-engine-\(UUID().uuidString)")
        var files = files
        if files["comity.lua"] == nil { files["comity.lua"] = "return { time_zone = 'UTC' }" }
        for (name, text) in files { try write(name, text) }
    }

    func write(_ name: String, _ text: String) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func open() throws -> Engine { try Engine.open(around: folder) }
}

/// Lines a run prints, collected.
final class Lines: @unchecked Sendable {
    var all: [String] = []
    func add(_ line: String) { all.append(line) }
}

@Suite struct EngineTests {
    static let listener = """
        return workflow { name = "welcome", on = { "organisation.created" }, run = function(ctx)
          print("welcome " .. ctx.trigger.record.name)
        end }
        """

    @Test func aFileRunThatQueuesAWorkflowIsFollowedByThatRun() throws {
        let space = try EngineWorkspace(["Scripts/welcome.lua": Self.listener, "make.lua": "orgs.create { name = 'Library NGO' }"])
        let engine = try space.open()
        let lines = Lines()
        let ran = try engine.run(file: space.folder.appendingPathComponent("make.lua").path, output: lines.add)
        #expect(ran.run.succeeded, "\(ran.run.outcome.error?.message ?? "")")
        #expect(ran.run.record.file == "make.lua")
        #expect(ran.queued.map(\.workflowName) == ["welcome"])
        #expect(ran.succeeded)
        #expect(lines.all == ["welcome Library NGO"])
        let history = try engine.store.read { try $0.runs(RunFilter(limit: 10)) }
        #expect(Set(history.map { $0.workflow ?? $0.file }) == ["make.lua", "welcome"])
        #expect(history.first { $0.workflow == "welcome" }?.trigger.causedBy == ran.run.id)
    }

    @Test func aQueuedRunWhoseScriptNoLongerDeclaresItsWorkflowFailsAndKeepsNothing() throws {
        let space = try EngineWorkspace(["Scripts/welcome.lua": Self.listener])
        let engine = try space.open()
        let queued = QueuedRun(workflow: "welcome", file: "Scripts/welcome.lua",
                               trigger: RunTrigger(.event, event: "organisation.created"), enqueuedAt: Timestamp(Date()))
        try engine.store.write(commit: true) { try $0.enqueue(queued); try $0.enqueue(queued) }
        // Edited after the runs were queued: once into another workflow, once into a plain script.
        try space.write("Scripts/welcome.lua", """
            orgs.create { name = 'Written by the top level' }
            return workflow { name = "other", run = function() print("other ran") end }
            """)
        let lines = Lines()
        let first = try engine.drainQueue(output: lines.add)
        try engine.store.write(commit: true) { try $0.enqueue(queued) }
        try space.write("Scripts/welcome.lua", "print('a plain script')")
        let second = try engine.drainQueue(output: lines.add)
        let runs = first.runs + second.runs
        #expect(runs.count == 3)
        #expect(runs.allSatisfy { !$0.succeeded })
        #expect(runs[0].outcome.error?.message == "not run: Scripts/welcome.lua no longer declares workflow 'welcome' "
            + "(it declares 'other'); see 'comity workflows' for what the scripts declare now")
        #expect(runs[2].outcome.error?.message.contains("(it returns no workflow)") == true)
        #expect(!lines.all.contains("other ran"))
        #expect(try engine.store.read { try $0.count(.organisation, RecordQuery()) } == 0)
        // The history keeps the workflow each run was for.
        let history = try engine.store.read { try $0.runs(RunFilter(limit: 10)) }
        #expect(history.map(\.workflow) == ["welcome", "welcome", "welcome"])
        #expect(history.map(\.outcome) == [.failed, .failed, .failed])
    }

    @Test func aKeptCatalogEditedToPointAWorkflowElsewhereIsNotTrusted() throws {
        let space = try EngineWorkspace([
            "Scripts/welcome.lua": Self.listener,
            "Scripts/plain.lua": "print('plain top level')",
            "make.lua": "orgs.create { name = 'Library NGO' }",
        ])
        try FileManager.default.createDirectory(at: space.folder.appendingPathComponent(".comity"), withIntermediateDirectories: true)
        let engine = try space.open()
        let make = space.folder.appendingPathComponent("make.lua").path
        #expect(try engine.run(file: make) { _ in }.queued.map(\.workflowName) == ["welcome"])
        let kept = space.folder.appendingPathComponent(".comity/workflows.json")
        func forge(_ file: String) throws {
            let text = try String(contentsOf: kept, encoding: .utf8)
            #expect(text.contains(#""file":"Scripts\/welcome.lua""#))
            try text.replacingOccurrences(of: #""file":"Scripts\/welcome.lua""#, with: "\"file\":\"\(file)\"")
                .write(to: kept, atomically: true, encoding: .utf8)
            WorkflowCatalog.forgetRemembered()
        }
        // A file outside the workspace's scripts, or none: the catalog is read afresh.
        for outside in ["\\/etc\\/passwd", "..\\/make.lua", "make.lua", "Scripts\\/gone.lua"] {
            try forge(outside)
            let lines = Lines()
            let ran = try engine.run(file: make, output: lines.add)
            #expect(ran.queued.map(\.record.file) == ["Scripts/welcome.lua"], "\(outside)")
            #expect(lines.all == ["welcome Library NGO"], "\(outside)")
        }
        // Another script of the workspace: its run finds it declares no 'welcome' and
        // fails before writing; the kept catalog is dropped, so the next run is right.
        try forge("Scripts\\/plain.lua")
        let misled = try engine.run(file: make) { _ in }
        #expect(misled.queued.first?.outcome.error?.message.hasPrefix("not run: Scripts/plain.lua no longer declares workflow 'welcome'") == true)
        #expect(!FileManager.default.fileExists(atPath: kept.path))
        let lines = Lines()
        let ran = try engine.run(file: make, output: lines.add)
        #expect(ran.queued.map(\.record.file) == ["Scripts/welcome.lua"])
        #expect(lines.all == ["welcome Library NGO"])
    }

    @Test func aDryRunKeepsNothingAndQueuesNothing() throws {
        let space = try EngineWorkspace(["Scripts/welcome.lua": Self.listener, "make.lua": "orgs.create { name = 'Library NGO' }"])
        let engine = try space.open()
        let ran = try engine.run(file: space.folder.appendingPathComponent("make.lua").path, options: RunOptions(dryRun: true)) { _ in }
        #expect(ran.run.succeeded && ran.run.dryRun)
        #expect(ran.queued.isEmpty)
        #expect(ran.run.wouldQueue.map(\.workflow) == ["welcome"])
        #expect(try engine.store.read { try $0.count(.organisation, RecordQuery()) } == 0)
    }

    @Test func aWorkflowRunsByNameWithTypedParametersCheckedAgainstItsDeclaration() throws {
        let space = try EngineWorkspace([
            "Scripts/remind.lua": """
                return workflow { name = "remind", params = { days = "integer", loud = { type = "boolean", default = false } },
                  run = function(ctx) print(ctx.params.days + 1, ctx.params.loud) end }
                """,
        ])
        let engine = try space.open()
        let lines = Lines()
        let ran = try engine.run(workflow: "remind", parameters: ["days": .integer(14), "loud": .boolean(true)], output: lines.add)
        #expect(ran.run.succeeded, "\(ran.run.outcome.error?.message ?? "")")
        #expect(lines.all == ["15\ttrue"])
        #expect(ran.run.record.parameters == ["days": "14", "loud": "true"])
        // Text is converted by the run, by the declared type.
        #expect(try engine.run(workflow: "remind", parameters: ["days": .text("2")], output: lines.add).run.succeeded)
        #expect(lines.all.last == "3\tfalse")

        #expect(throws: EngineError.failed("workflow 'remind': parameter 'days' is integer, given a boolean")) {
            try engine.run(workflow: "remind", parameters: ["days": .boolean(true)]) { _ in }
        }
        #expect(throws: EngineError.failed("workflow 'remind' has no parameter 'dayz' (did you mean 'days'?); parameters: days, loud")) {
            try engine.run(workflow: "remind", parameters: ["dayz": .integer(1)]) { _ in }
        }
        let unknown = #expect(throws: EngineError.self) { try engine.run(workflow: "remnd") { _ in } }
        #expect(unknown?.description.contains("no workflow 'remnd'") == true)
        #expect(unknown?.description.contains("(did you mean 'remind'?)") == true)
        // A required parameter left out is the run's own failure, recorded.
        let missing = try engine.run(workflow: "remind") { _ in }
        #expect(!missing.run.succeeded)
        #expect(missing.run.outcome.error?.message.contains("days") == true)
    }

    @Test func aRetryRunsTheScriptAsItIsNowAsTheNextAttemptCausedByTheFailedRun() throws {
        let space = try EngineWorkspace(["Scripts/welcome.lua": Self.listener, "make.lua": "error('not yet')"])
        let engine = try space.open()
        let failed = try engine.run(file: space.folder.appendingPathComponent("make.lua").path) { _ in }
        #expect(failed.run.outcome.error?.message.contains("not yet") == true)
        try space.write("make.lua", "orgs.create { name = 'Second Try' }")
        let lines = Lines()
        var endedFirst: String?
        let retry = try engine.retry(String(failed.run.id.prefix(8)), output: lines.add) { run in
            endedFirst = run.id
            #expect(lines.all.isEmpty) // the queued run has not run yet
        }
        #expect(retry.previous.id == failed.run.id)
        #expect(retry.run.run.succeeded)
        #expect(endedFirst == retry.run.run.id)
        #expect(retry.run.run.record.attempt == 2)
        #expect(retry.run.run.record.trigger.causedBy == failed.run.id)
        #expect(retry.run.queued.map(\.workflowName) == ["welcome"])
        #expect(lines.all == ["welcome Second Try"])

        #expect(throws: EngineError.failed("'ab' is too short to name a run: give at least 4 characters of its id (see `comity runs`)")) {
            try engine.retry("ab") { _ in }
        }
        #expect(throws: EngineError.failed("no run with id 'ffffffff' (see `comity runs`)")) {
            try engine.retry("ffffffff") { _ in }
        }
    }

    @Test func aRunStillGoingOnIsNotRetried() throws {
        let space = try EngineWorkspace(["make.lua": "orgs.create { name = 'Twice?' }"])
        let engine = try space.open()
        let started = Timestamp(Date())
        // Recorded as running by this process, which is alive: it may still commit.
        let running = RunRecord(id: RunRecord.newID(), workflow: nil, file: "make.lua", contentHash: "", trigger: .manual,
                                parameters: [:], clock: started, startedAt: started)
        try engine.store.write(commit: true) { try $0.saveRun(running) }
        let refused = #expect(throws: EngineError.self) { try engine.retry(running.id) { _ in } }
        #expect(refused?.description.contains("is still running (process \(getpid()))") == true)
        #expect(try engine.store.read { try $0.count(.organisation, RecordQuery()) } == 0)
    }

    @Test func aRetryOfAReplSessionIsRefused() throws {
        let space = try EngineWorkspace([:])
        let engine = try space.open()
        let session = try engine.repl(write: true) { _ in }
        _ = try session.evaluate("orgs.create { name = 'By Hand' }")
        try session.finish()
        let repl = try #require(try engine.store.read { try $0.runs(RunFilter(limit: 10)) }.first)
        let refused = #expect(throws: EngineError.self) { try engine.retry(repl.id) { _ in } }
        #expect(refused?.description.hasSuffix("is a repl session: it has no script to run again") == true)
    }

    @Test func aTickRunsTheDueSlotOnceThenTheRunsItQueued() throws {
        let space = try EngineWorkspace([
            "Scripts/welcome.lua": Self.listener,
            "Scripts/daily.lua": """
                return workflow { name = "daily", schedule = "0 8 * * *", run = function(ctx)
                  orgs.create { name = "Made at " .. tostring(time.now()) }
                end }
                """,
        ])
        let engine = try space.open()
        let lines = Lines()
        let before = try engine.tick(now: try Timestamp(parsing: "2026-11-29T07:59:00Z"), output: lines.add)
        #expect(before.runs.isEmpty && !before.deferred)
        let due = try engine.tick(now: try Timestamp(parsing: "2026-11-29T08:00:30Z"), output: lines.add)
        #expect(due.runs.map(\.workflowName) == ["daily", "welcome"], "\(due.runs.map { $0.outcome.error?.message ?? "ok" })")
        #expect(due.succeeded)
        #expect(due.runs.first?.record.trigger.slot == (try Timestamp(parsing: "2026-11-29T08:00:00Z")))
        #expect(lines.all == ["welcome Made at 2026-11-29T08:00:00Z"])
        #expect(try engine.tick(now: try Timestamp(parsing: "2026-11-29T08:01:00Z"), output: lines.add).runs.isEmpty)
        let listed = try engine.schedules()
        #expect(listed.map(\.schedule.workflow) == ["daily"])
        #expect(listed.first?.lastRun?.outcome == .succeeded)
        #expect(listed.first?.explained == "at 08:00 every day")
    }

    @Test func scheduleRefusalsAreErrorsThatNameTheSchedules() throws {
        let space = try EngineWorkspace(["Scripts/daily.lua": "return workflow { name = 'daily', schedule = '0 8 * * *', run = function() end }"])
        let engine = try space.open()
        #expect(throws: EngineError.failed("no scheduled workflow is named 'dayly' (scheduled: daily)")) {
            try engine.pause(schedule: "dayly")
        }
        #expect(try engine.pause(schedule: "daily").paused)
        let resumed = try engine.resume(schedule: "daily", now: try Timestamp(parsing: "2026-11-29T09:00:00Z"))
        #expect(resumed.wasPaused && !resumed.schedule.paused)
        #expect(resumed.schedule.nextSlot == (try Timestamp(parsing: "2026-11-30T08:00:00Z")))
    }

    @Test func aReportByNameRendersInTheFormatAskedForAndChangesNothing() throws {
        let space = try EngineWorkspace([
            "Scripts/reports/orgs.lua": """
                orgs.create { name = "Kept Nowhere" }
                print("counting")
                return report { title = "Organisations", sections = {
                  { heading = "Count", table = { columns = { "n" }, rows = { { orgs.count {} } } } } } }
                """,
            "Scripts/reports/nothing.lua": "print('no report here')",
            "Scripts/reports/broken.lua": "error('cannot count')",
        ])
        let engine = try space.open()
        let lines = Lines()
        let markdown = try engine.report("orgs", output: lines.add)
        #expect(markdown.hasPrefix("# Organisations"), "\(markdown)")
        #expect(lines.all == ["counting"])
        let csv = try engine.report("orgs", format: "csv") { _ in }
        #expect(csv.contains("n") && csv.contains("1"))
        #expect(try engine.report("orgs", outputPath: "out.json") { _ in }.hasPrefix("{"))
        #expect(try engine.store.read { try $0.count(.organisation, RecordQuery()) } == 0)

        let missing = #expect(throws: EngineError.self) { try engine.report("org") { _ in } }
        #expect(missing?.description.hasPrefix("no report 'org'") == true)
        #expect(missing?.description.hasSuffix("; reports: broken, nothing, orgs") == true)
        #expect(throws: EngineError.noReport(file: "Scripts/reports/nothing.lua")) { try engine.report("nothing") { _ in } }
        let failed = #expect(throws: EngineError.self) { try engine.report("broken") { _ in } }
        guard case .runFailed(let error)? = failed else { Issue.record("not a run's failure: \(String(describing: failed))"); return }
        #expect(error.message.contains("cannot count"))
        let format = #expect(throws: EngineError.self) { try engine.report("orgs", format: "pdf") { _ in } }
        #expect(format == .usage("no report format 'pdf' (formats: md, csv, json, html)"))
    }

    @Test func anImportRecordsItsRowsThenRunsWhatItsEventsQueued() throws {
        let space = try EngineWorkspace([
            "Scripts/welcome.lua": Self.listener,
            "orgs.csv": "name,country\nFund A,DE\nNGO B,RU\n",
            "bad.csv": "name,colour\nX,red\n",
        ])
        let engine = try space.open()
        let lines = Lines()
        var shownBeforeQueue: Int?
        let imported = try engine.importRecords(.organisation, file: space.folder.appendingPathComponent("orgs.csv").path,
                                                output: lines.add, imported: { file in
            shownBeforeQueue = lines.all.count
            #expect(file.summary.created == 2)
            #expect(file.header == ["name", "country"])
        })
        #expect(shownBeforeQueue == 0)
        #expect(imported.file.summary.rejected.isEmpty)
        #expect(imported.queued.map(\.workflowName) == ["welcome", "welcome"])
        #expect(lines.all.sorted() == ["welcome Fund A", "welcome NGO B"])
        #expect(try engine.store.read { try $0.runs(RunFilter(limit: 10)) }.contains { $0.isImport && $0.outcome == .succeeded })
        // The same file again changes nothing and queues nothing.
        let again = try engine.importRecords(.organisation, file: space.folder.appendingPathComponent("orgs.csv").path) { _ in }
        #expect(again.file.summary.unchanged == 2 && again.queued.isEmpty)

        let refused = #expect(throws: (any Error).self) {
            try engine.importRecords(.organisation, file: space.folder.appendingPathComponent("bad.csv").path) { _ in }
        }
        #expect("\(refused.map { "\($0)" } ?? "")".contains("colour"))
        let absent = #expect(throws: EngineError.self) {
            try engine.importRecords(.organisation, file: space.folder.appendingPathComponent("none.csv").path) { _ in }
        }
        #expect(absent?.description.contains("none.csv") == true)
    }

    @Test func replStatementsRunEachInItsTransactionAndTheirQueuedRunsAfterThem() throws {
        let space = try EngineWorkspace(["Scripts/welcome.lua": Self.listener])
        let engine = try space.open()
        let lines = Lines()
        let session = try engine.repl(write: true, output: lines.add)
        #expect(try session.evaluate("return 1 + 1").outcome == .values(["2"]))
        #expect(try session.evaluate("for i = 1, 2 do").outcome == .incomplete)
        var answeredFirst = false
        let made = try session.evaluate("orgs.create { name = 'Typed In' }") { _ in answeredFirst = lines.all.isEmpty }
        #expect(answeredFirst)
        #expect(made.queued.map(\.workflowName) == ["welcome"])
        #expect(lines.all == ["welcome Typed In"])
        guard case .failed(let message) = try session.evaluate("orgs.create { nmae = 'x' }").outcome else {
            Issue.record("a bad field did not fail")
            return
        }
        #expect(message.contains("nmae"))
        try session.finish()
        let record = try #require(try engine.store.read { try $0.runs(RunFilter(limit: 10)) }.first { $0.trigger.kind == .repl })
        #expect(record.outcome == .partial)

        // Rolled back unless the session writes.
        let reading = try engine.repl(write: false) { _ in }
        _ = try reading.evaluate("orgs.create { name = 'Gone' }")
        #expect(try engine.store.read { try $0.count(.organisation, RecordQuery()) } == 1)
    }

    @Test func aFailedQueuedRunIsQueuedAgainByItsRetryPolicyAndTheDrainSaysItWaits() throws {
        let space = try EngineWorkspace([
            "Scripts/flaky.lua": """
                return workflow { name = "flaky", on = { "organisation.created" }, retry = { attempts = 2, delay = "1h" },
                  run = function() error("the service is down") end }
                """,
            "make.lua": "orgs.create { name = 'Anyone' }",
        ])
        let engine = try space.open()
        let ran = try engine.run(file: space.folder.appendingPathComponent("make.lua").path) { _ in }
        #expect(ran.run.succeeded && !ran.succeeded)
        #expect(ran.queued.map(\.workflowName) == ["flaky"])
        let drained = try engine.drainQueue { _ in }
        #expect(drained.runs.isEmpty) // the second attempt is due in an hour
        #expect(drained.waiting == 1)
        let waiting = try engine.store.read { try $0.queuedRuns() }
        #expect(waiting.map(\.attempt) == [2])
        #expect(waiting.first?.trigger.causedBy == ran.queued.first?.id)
    }

    @Test func openingOutsideAWorkspaceOrWithABadDatabaseIsAnErrorThatSaysWhatToDo() throws {
        let bare = FileManager.default.temporaryDirectory.appendingPathComponent("comity-bare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        #expect(throws: EngineError.failed("not a Comity workspace (no comity.lua here or above); run 'comity init' or pass --database")) {
            try Engine.open(around: bare, databaseOption: true)
        }
        let space = try EngineWorkspace(["not-a-db": "plain text, not SQLite"])
        let broken = #expect(throws: EngineError.self) {
            try Engine.open(around: space.folder, database: space.folder.appendingPathComponent("not-a-db").path)
        }
        guard case .failed? = broken else { Issue.record("\(String(describing: broken))"); return }
    }

    @Test func aRunThatCrashedIsMarkedInterruptedWhenTheEngineOpens() throws {
        let space = try EngineWorkspace([:])
        let engine = try space.open()
        let started = Timestamp(Date())
        var record = RunRecord(id: RunRecord.newID(), workflow: nil, file: "gone.lua", contentHash: "", trigger: .manual,
                               parameters: [:], clock: started, startedAt: started)
        record.processID = 999_999_999 // no such process
        try engine.store.write(commit: true) { try $0.saveRun(record) }
        var notices: [String] = []
        let reopened = try Engine.open(around: space.folder, notice: { notices.append($0) })
        #expect(notices == ["notice: run \(record.id) was interrupted (its process stopped); marked so in the history"])
        #expect(try reopened.store.read { try $0.run(id: record.id) }?.outcome == .interrupted)
    }

    @Test func specsRunOnADatabaseOfTheirOwn() throws {
        let space = try EngineWorkspace([
            "Scripts/make.lua": "return workflow { name = 'make', run = function() orgs.create { name = 'In A Spec' } end }",
            "Scripts/make_spec.lua": """
                it("makes one", function()
                  run_workflow("Scripts/make.lua")
                  expect(orgs.count {}).to_equal(1)
                end)
                it("fails on purpose", function() expect(1).to_equal(2) end)
                """,
        ])
        var shown: [String] = []
        let suite = try Engine.specs(around: space.folder) { shown.append($0.shown) }
        #expect(shown == ["Scripts/make_spec.lua"])
        #expect(suite.cases.map(\.name) == ["makes one", "fails on purpose"])
        #expect(suite.failed == 1)
        #expect(throws: EngineError.failed("no such file or folder: nowhere")) { try Engine.specs(["nowhere"], around: space.folder) }
        #expect(!FileManager.default.fileExists(atPath: space.folder.appendingPathComponent(".comity/comity.db").path))
    }

    @Test func theHistoryOfAWorkflowWithNoRunsIsEmptyAndOfANameThatIsNoWorkflowAMistake() throws {
        let space = try EngineWorkspace(["Scripts/welcome.lua": Self.listener])
        let engine = try space.open()
        #expect(try engine.runs(RunFilter(workflow: "welcome", limit: 5)).isEmpty)
        let unknown = #expect(throws: EngineError.self) { try engine.runs(RunFilter(workflow: "welcom", limit: 5)) }
        #expect(unknown?.description.hasPrefix("no workflow 'welcom' in ") == true)
        #expect(unknown?.description.hasSuffix("its plugins or the run history (did you mean 'welcome'?)") == true)
    }

    @Test func theWorkflowListingMarksAScheduleThatIsNotCron() throws {
        let space = try EngineWorkspace([
            "Scripts/bad.lua": "return workflow { name = 'bad', schedule = '0 25 * * *', run = function() end }",
            "Scripts/good.lua": "return workflow { name = 'good', schedule = '@daily', run = function() end }",
        ])
        let (_, catalog) = try Engine.workflows(around: space.folder)
        #expect(catalog.workflows.map(\.name) == ["bad", "good"])
        #expect(catalog.workflows[0].error?.hasPrefix("workflow 'bad': schedule: ") == true)
        #expect(catalog.workflows[0].error?.contains("field 2 (hour)") == true)
        #expect(catalog.workflows[1].error == nil)
    }

    @Test func theDaemonRunsASlotWhenItComesDueAndStopsWhenAsked() async throws {
        let space = try EngineWorkspace([
            "Scripts/daily.lua": "return workflow { name = 'daily', schedule = '0 8 * * *', run = function() print('ran') end }",
        ])
        // The schedule is registered first, so the slot is due however slowly the daemon starts.
        #expect(try space.open().tick(now: try Timestamp(parsing: "2026-11-29T07:00:00Z")) { _ in }.runs.isEmpty)
        let daemon = try space.open().daemon(grace: .seconds(5), now: try Timestamp(parsing: "2026-11-29T07:59:59Z"))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: daemon)], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let history = try space.open()
        var runs: [RunRecord] = []
        // Generous: the whole suite shares the machine's two cores and the cooperative
        // pool, and a loaded run once needed more than a minute before the daemon's
        // task was scheduled. The wait ends as soon as the run is there.
        let asked = ContinuousClock.now
        while runs.isEmpty, ContinuousClock.now - asked < .seconds(300) {
            try await Task.sleep(for: .milliseconds(100))
            runs = try history.store.read { try $0.runs(RunFilter(workflow: "daily", outcome: .succeeded, limit: 5)) }
        }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(runs.first?.trigger.slot == (try Timestamp(parsing: "2026-11-29T08:00:00Z")))
    }
}
