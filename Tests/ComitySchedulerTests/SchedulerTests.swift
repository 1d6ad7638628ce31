import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import LuaBridge
import Synchronization
import Testing
@testable import ComityScheduler

/// A wall clock the test moves by hand.
final class TestClock: Sendable {
    private let seconds: Mutex<Int64>
    init(_ start: Timestamp) { seconds = Mutex(start.secondsSince1970) }
    var now: Timestamp { Timestamp(secondsSince1970: seconds.withLock { $0 }) }
    func set(_ time: Timestamp) { seconds.withLock { $0 = time.secondsSince1970 } }
    func advance(_ by: Int64) { seconds.withLock { $0 += by } }
}

/// A workspace folder with scripts, its database, and a scheduler on a test clock.
struct ScheduledWorkspace {
    let folder: URL
    let store: SQLiteStore
    let clock: TestClock

    init(_ scripts: [String: String], at start: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-schedules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Scripts"), withIntermediateDirectories: true)
        store = try SQLiteStore(path: folder.appendingPathComponent(".comity/comity.db").path)
        clock = TestClock(try instant(start))
        for (name, text) in scripts { try write(name, text) }
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: folder.appendingPathComponent("Scripts/\(name)"), atomically: true, encoding: .utf8)
    }

    var scheduler: Scheduler {
        let clock = self.clock
        var settings = SchedulingSettings()
        settings.leaseMargin = .seconds(5)
        return Scheduler(runner: ScriptRunner(workspace: folder, store: store), settings: settings) { clock.now }
    }

    var catalog: WorkflowCatalog { WorkflowCatalog.load(workspace: folder) }

    /// Brings schedules up to date, then runs what is due at `time`.
    @discardableResult
    func tick(at time: String) throws -> [ScriptRun] {
        clock.set(try instant(time))
        let scheduler = self.scheduler
        try scheduler.synchronize(with: catalog)
        return try scheduler.runDue { _ in }
    }

    func history() throws -> [RunRecord] {
        try store.read { try $0.runs(RunFilter(limit: 10_000)) }.sorted { ($0.clock, $0.startedAt) < ($1.clock, $1.startedAt) }
    }

    func schedule(_ name: String) throws -> ScheduleRecord? { try store.read { try $0.schedule(workflow: name) } }

    func organisations() throws -> [String] {
        try store.read { transaction in
            var names: [String] = []
            try transaction.forEach(.organisation, RecordQuery()) { record in
                if case .string(let name)? = record.fields["name"] { names.append(name) }
                return true
            }
            return names.sorted()
        }
    }
}

/// A workflow that records its slot as an organisation's name, so that a kept run is
/// visible in the data as well as in the history.
func slotWorkflow(_ name: String, _ schedule: String, extra: String = "") -> String {
    """
    return workflow {
      name = "\(name)",
      schedule = "\(schedule)",
      \(extra)
      run = function(ctx)
        orgs.create { name = "\(name) " .. ctx.trigger.slot:format("%Y-%m-%d %H:%M"), country = "GB", kind = 22 }
        ctx.log("clock " .. tostring(time.now()))
      end,
    }
    """
}

@Suite struct SchedulerTests {
    @Test func aSlotRunsOnceWithItsSlotAsTheClock() throws {
        let space = try ScheduledWorkspace(["digest.lua": slotWorkflow("digest", "0 8 * * *")], at: "2026-11-29T07:00:00Z")
        #expect(try space.tick(at: "2026-11-29T07:00:00Z").isEmpty)
        #expect(try space.schedule("digest")?.nextSlot?.description == "2026-11-29T08:00:00Z")
        #expect(try space.tick(at: "2026-11-29T07:59:59Z").isEmpty)
        let runs = try space.tick(at: "2026-11-29T08:00:20Z")
        #expect(runs.count == 1)
        #expect(runs.first?.succeeded == true)
        // Again within the same minute, and a few minutes later: nothing more.
        #expect(try space.tick(at: "2026-11-29T08:00:40Z").isEmpty)
        #expect(try space.tick(at: "2026-11-29T08:05:00Z").isEmpty)
        let history = try space.history()
        #expect(history.count == 1)
        #expect(history.first?.trigger.kind == .schedule)
        #expect(history.first?.trigger.slot?.description == "2026-11-29T08:00:00Z")
        #expect(history.first?.clock.description == "2026-11-29T08:00:00Z")
        #expect(history.first?.log == ["clock 2026-11-29T08:00:00Z"])
        let schedule = try #require(try space.schedule("digest"))
        #expect(schedule.lastSlot?.description == "2026-11-29T08:00:00Z")
        #expect(schedule.lastRun == history.first?.id)
        #expect(schedule.nextSlot?.description == "2026-11-30T08:00:00Z")
        #expect(schedule.lease == nil)
    }

    @Test func theClockJumpingForwardADayCatchesUpAsEachWorkflowSays() throws {
        let space = try ScheduledWorkspace([
            "latest.lua": slotWorkflow("latest", "0 * * * *"),
            "all.lua": slotWorkflow("all", "0 * * * *", extra: "catch_up = \"all\", catch_up_window = \"6h\","),
            "skip.lua": slotWorkflow("skip", "30 * * * *", extra: "catch_up = \"skip\","),
        ], at: "2026-11-29T10:10:00Z")
        try space.tick(at: "2026-11-29T10:10:00Z")
        // The machine's clock jumps from 10:10 to 10:10 the next day.
        try space.tick(at: "2026-11-30T10:10:00Z")
        let runs = try space.history()
        let slots = { (name: String) in runs.filter { $0.workflow == name }.compactMap(\.trigger.slot?.description) }
        // latest: one run, for the most recent missed slot.
        #expect(slots("latest") == ["2026-11-30T10:00:00Z"])
        // all: every missed slot within the window (6 hours), oldest first, one run each.
        #expect(slots("all") == ["2026-11-30T05:00:00Z", "2026-11-30T06:00:00Z", "2026-11-30T07:00:00Z",
                                 "2026-11-30T08:00:00Z", "2026-11-30T09:00:00Z", "2026-11-30T10:00:00Z"])
        // skip: the newest slot (09:30) is 40 minutes late: nothing runs.
        #expect(slots("skip").isEmpty)
        #expect(try space.schedule("skip")?.nextSlot?.description == "2026-11-30T10:30:00Z")
        // Each run's clock is its slot, and each slot's record was kept once.
        #expect(runs.allSatisfy { $0.clock == $0.trigger.slot && $0.outcome == .succeeded })
        #expect(try space.organisations().count == 7)
        // And a skip schedule runs a slot that is on time.
        try space.tick(at: "2026-11-30T10:31:00Z")
        #expect(try space.history().filter { $0.workflow == "skip" }.count == 1)
    }

    @Test func aRunnerThatDiesLeavesItsSlotUntilTheLeaseRunsOut() throws {
        let space = try ScheduledWorkspace(["digest.lua": slotWorkflow("digest", "0 8 * * *", extra: "limits = { timeout = \"10s\" },")],
                                           at: "2026-11-29T07:00:00Z")
        try space.tick(at: "2026-11-29T07:00:00Z")
        // Another runner took the 08:00 slot (lease: 10 s limit + 5 s margin) and died.
        let slot = try instant("2026-11-29T08:00:00Z")
        let taken = try space.store.write(commit: true) { transaction in
            // Its run, recorded as started with the lease (by a process now gone).
            try transaction.saveRun(RunRecord(
                id: "dead-runner", workflow: "digest", file: "Scripts/digest.lua", contentHash: "", trigger: RunTrigger(.schedule, slot: slot),
                parameters: [:], clock: slot, startedAt: slot, processID: 99_999_999))
            return try transaction.leaseSchedule(
                workflow: "digest", ScheduleLease(owner: "dead-runner", slot: slot, until: try instant("2026-11-29T08:00:15Z")),
                now: try instant("2026-11-29T08:00:00Z"))
        }
        #expect(taken)
        #expect(try space.tick(at: "2026-11-29T08:00:10Z").isEmpty)
        let runs = try space.tick(at: "2026-11-29T08:00:16Z")
        #expect(runs.map(\.record.trigger.slot) == [slot])
        #expect(try space.schedule("digest")?.lastRun == runs.first?.id)
        #expect(try space.organisations() == ["digest 2026-11-29 08:00"])
        // The dead runner's run is recorded interrupted by the take-over, on any machine.
        let dead = try space.store.read { try $0.run(id: "dead-runner") }
        #expect(dead?.outcome == .interrupted)
        #expect(dead?.error?.contains("lease ran out") == true, "\(dead?.error ?? "")")
        #expect(dead?.error?.contains(runs.first?.id ?? "?") == true)
    }

    @Test func aRunWhoseLeaseWasTakenIsNotKept() throws {
        let space = try ScheduledWorkspace(["digest.lua": slotWorkflow("digest", "0 8 * * *")], at: "2026-11-29T07:00:00Z")
        try space.tick(at: "2026-11-29T07:00:00Z")
        let slot = try instant("2026-11-29T08:00:00Z")
        try space.store.write(commit: true) { transaction in
            _ = try transaction.leaseSchedule(workflow: "digest", ScheduleLease(owner: "run-a", slot: slot, until: slot), now: slot)
            // Run a's lease ran out and run b took the slot.
            _ = try transaction.leaseSchedule(workflow: "digest", ScheduleLease(owner: "run-b", slot: slot, until: try instant("2026-11-29T09:00:00Z")),
                                              now: try instant("2026-11-29T08:00:01Z"))
        }
        #expect(throws: SchedulerError.self) {
            try space.store.write(commit: true) { transaction in
                try Scheduler.completeSlot("digest", slot: slot, run: "run-a", in: transaction, now: slot)
            }
        }
        #expect(try space.schedule("digest")?.lease?.owner == "run-b")
        #expect(try space.schedule("digest")?.nextSlot == slot)
    }

    @Test func overlapWaitsOrSkipsWhileTheWorkflowRunsElsewhere() throws {
        let space = try ScheduledWorkspace([
            "waiting.lua": slotWorkflow("waiting", "*/10 * * * *"),
            "skipping.lua": slotWorkflow("skipping", "*/10 * * * *", extra: "overlap = \"skip\","),
        ], at: "2026-11-29T07:55:00Z")
        try space.tick(at: "2026-11-29T07:55:00Z")
        // A run of each started by hand is still going (this process is alive).
        try space.store.write(commit: true) { transaction in
            for name in ["waiting", "skipping"] {
                try transaction.saveRun(RunRecord(
                    id: "manual-\(name)", workflow: name, file: "Scripts/\(name).lua", contentHash: "", trigger: RunTrigger(.manual),
                    parameters: [:], clock: try instant("2026-11-29T07:58:00Z"), startedAt: try instant("2026-11-29T07:58:00Z")))
            }
        }
        #expect(try space.tick(at: "2026-11-29T08:00:30Z").isEmpty)
        #expect(try space.schedule("waiting")?.nextSlot?.description == "2026-11-29T08:00:00Z")
        #expect(try space.schedule("skipping")?.nextSlot?.description == "2026-11-29T08:10:00Z")
        // The manual runs end; the waiting slot runs (as the latest missed one), the skipped one never.
        try space.store.write(commit: true) { transaction in
            for name in ["waiting", "skipping"] {
                guard var run = try transaction.run(id: "manual-\(name)") else { continue }
                run.outcome = .succeeded
                run.endedAt = try instant("2026-11-29T08:03:00Z")
                try transaction.saveRun(run)
            }
        }
        let runs = try space.tick(at: "2026-11-29T08:03:00Z")
        #expect(runs.map { "\($0.workflowName ?? "") \($0.record.trigger.slot?.description ?? "")" } == ["waiting 2026-11-29T08:00:00Z"])
    }

    @Test func schedulesFollowTheScripts() throws {
        let space = try ScheduledWorkspace([
            "a.lua": slotWorkflow("a", "0 8 * * *"),
            "b.lua": slotWorkflow("b", "0 9 * * *"),
        ], at: "2026-11-29T07:00:00Z")
        try space.tick(at: "2026-11-29T07:00:00Z")
        #expect(try space.store.read { try $0.schedules() }.map(\.workflow) == ["a", "b"])
        // b changes its time, a breaks, c appears.
        try space.write("b.lua", slotWorkflow("b", "30 9 * * *"))
        try space.write("a.lua", "return workflow { name = 'a', schedule = '0 8 * * *', run = function() end")
        try space.write("c.lua", slotWorkflow("c", "@hourly"))
        let changes = try space.scheduler.synchronize(with: space.catalog)
        #expect(changes.map { "\($0.kind.rawValue) \($0.workflow)" }.sorted() == ["added c", "changed b", "failing a"])
        #expect(try space.schedule("b")?.nextSlot?.description == "2026-11-29T09:30:00Z")
        // The broken script keeps its schedule, held, and runs nothing.
        #expect(try space.schedule("a")?.error?.contains("a.lua") == true)
        let runs = try space.tick(at: "2026-11-29T08:00:30Z")
        #expect(runs.map(\.workflowName) == ["c"])
        // Fixed again: the slot it missed meanwhile is caught up (latest).
        try space.write("a.lua", slotWorkflow("a", "0 8 * * *"))
        #expect(try space.tick(at: "2026-11-29T08:20:00Z").map(\.workflowName) == ["a"])
        // Removed: the schedule goes, its runs stay.
        try FileManager.default.removeItem(at: space.folder.appendingPathComponent("Scripts/a.lua"))
        try space.tick(at: "2026-11-29T08:30:00Z")
        #expect(try space.schedule("a") == nil)
        #expect(try space.history().contains { $0.workflow == "a" })
        // An invalid expression is held with the error that names its field.
        try space.write("b.lua", slotWorkflow("b", "0 25 * * *"))
        try space.tick(at: "2026-11-29T08:31:00Z")
        #expect(try space.schedule("b")?.error?.contains("field 2 (hour)") == true)
    }

    @Test func pauseResumeAndBackfill() throws {
        let space = try ScheduledWorkspace(["daily.lua": slotWorkflow("daily", "0 6 * * *")], at: "2026-11-20T07:00:00Z")
        try space.tick(at: "2026-11-20T07:00:00Z")
        try space.tick(at: "2026-11-21T06:00:00Z")
        _ = try space.scheduler.pause("daily")
        try space.tick(at: "2026-11-24T06:00:00Z")
        #expect(try space.history().count == 1)
        space.clock.set(try instant("2026-11-25T07:00:00Z"))
        let resumed = try space.scheduler.resume("daily")
        #expect(resumed.nextSlot?.description == "2026-11-26T06:00:00Z")
        // Backfill the 20th to the 25th: the 21st ran, the rest had no run.
        let dry = try space.scheduler.backfill("daily", from: try instant("2026-11-20T00:00:00Z"), to: try instant("2026-11-25T23:59:00Z"),
                                               dryRun: true) { _ in }
        #expect(dry.map(\.slot.description) == ["2026-11-20T06:00:00Z", "2026-11-21T06:00:00Z", "2026-11-22T06:00:00Z",
                                                "2026-11-23T06:00:00Z", "2026-11-24T06:00:00Z", "2026-11-25T06:00:00Z"])
        #expect(dry.filter { $0.ranBefore != nil }.count == 1)
        #expect(try space.history().count == 1)
        let done = try space.scheduler.backfill("daily", from: try instant("2026-11-20T00:00:00Z"), to: try instant("2026-11-25T23:59:00Z"),
                                                dryRun: false) { _ in }
        #expect(done.compactMap(\.run).count == 5)
        #expect(done.compactMap(\.run).allSatisfy { $0.succeeded && $0.record.clock == $0.record.trigger.slot })
        #expect(try space.organisations().count == 6)
        // A second backfill finds every slot done.
        let again = try space.scheduler.backfill("daily", from: try instant("2026-11-20T00:00:00Z"), to: try instant("2026-11-25T23:59:00Z"),
                                                 dryRun: false) { _ in }
        #expect(again.allSatisfy { $0.ranBefore != nil })
        #expect(throws: SchedulerError.self) { try space.scheduler.pause("weekly") }
    }

    @Test func aFailedSlotIsUsedUpAndACancelledOneRunsAgain() throws {
        let failing = """
            return workflow { name = "failing", schedule = "30 7 * * *", run = function(ctx)
              orgs.create { name = "kept?", country = "GB", kind = 22 }
              error("no data today")
            end }
            """
        let space = try ScheduledWorkspace(["failing.lua": failing, "slow.lua": """
            return workflow { name = "slow", schedule = "0 8 * * *", run = function(ctx)
              while true do end
            end }
            """], at: "2026-11-29T07:00:00Z")
        try space.tick(at: "2026-11-29T07:00:00Z")
        space.clock.set(try instant("2026-11-29T08:00:05Z"))
        var scheduler = space.scheduler
        try scheduler.synchronize(with: space.catalog)
        let cancellation = LuaCancellation()
        scheduler.cancellation = cancellation
        // The failing slot (07:30) runs first; the slow one (08:00) is cancelled after a second.
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { cancellation.cancel() }
        let runs = try scheduler.runDue { _ in }
        #expect(runs.map { "\($0.workflowName ?? "") \($0.record.outcome.rawValue)" }.sorted() == ["failing failed", "slow cancelled"])
        #expect(try space.organisations().isEmpty)
        #expect(try space.schedule("failing")?.nextSlot?.description == "2026-11-30T07:30:00Z")
        let slow = try #require(try space.schedule("slow"))
        #expect(slow.nextSlot?.description == "2026-11-29T08:00:00Z")
        #expect(slow.lease == nil)
    }
}
