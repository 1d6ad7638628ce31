import ComityCron
import ComityCore
import ComityEngine
import Foundation
import Logging
import LuaBridge

/// Runs the slots of scheduled workflows that are due: what `comity tick` does once
/// and `comity daemon` does whenever something comes due.
///
/// Each slot runs once. A runner takes the schedule's lease for the slot (and records
/// the run as started) in one short transaction; the run's own transaction marks the
/// slot done, with the run's writes, only while the lease is still its own. A runner
/// that dies leaves the slot leased until the lease runs out (the workflow's time
/// limit and a margin); then the slot is run again, and nothing the dead run wrote
/// was kept.
public struct Scheduler {
    /// Runs each slot; needs a store. Its `now`, parameters and dry-run setting are
    /// replaced for every slot.
    public var runner: ScriptRunner
    public var settings: SchedulingSettings
    /// The wall clock: what is due is due by it. A test (or `--now`) can move it.
    public var clock: @Sendable () -> Timestamp
    /// Stops a run in progress (the daemon's shutdown).
    public var cancellation: LuaCancellation?

    public init(runner: ScriptRunner, settings: SchedulingSettings = SchedulingSettings(),
                clock: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }) {
        self.runner = runner
        self.settings = settings
        self.clock = clock
    }

    var store: any Store {
        get throws {
            guard let store = runner.store else { throw SchedulerError("scheduled workflows need the workspace's database") }
            return store
        }
    }

    /// Runs every due slot, one at a time, until none is due, `limit` slots have run,
    /// or `shouldStop` says so between runs. Slots held by another runner are left to it.
    public func runDue(limit: Int = .max, shouldStop: () -> Bool = { false }, output: @escaping (String) -> Void) throws -> [ScriptRun] {
        let store = try store
        var runs: [ScriptRun] = []
        // Held elsewhere, or moved on without a run: not looked at again in this pass.
        var passed: Set<String> = []
        // Once cancelled, runs only end cancelled: stop taking slots.
        while runs.count < limit, !shouldStop(), cancellation?.isCancelled != true {
            let now = clock()
            guard let schedule = try store.read({ try $0.dueSchedules(at: now, limit: passed.count + 1) })
                .first(where: { !passed.contains($0.workflow) }) else { break }
            switch try runSlot(of: schedule, now: now, output: output) {
            case .ran(let run): runs.append(run)
            case .busy, .moved: passed.insert(schedule.workflow)
            }
        }
        return runs
    }

    enum SlotOutcome {
        case ran(ScriptRun)
        /// Another run of the workflow is going on (overlap `wait`), or another runner
        /// took the slot first.
        case busy
        /// Nothing ran; the schedule's next slot moved on (skipped slots, a bad expression).
        case moved
    }

    private func runSlot(of schedule: ScheduleRecord, now: Timestamp, output: @escaping (String) -> Void) throws -> SlotOutcome {
        let store = try store
        guard let first = schedule.nextSlot else { return .busy }
        let cron: CronSchedule
        do {
            cron = try CronSchedule(schedule.expression, timeZone: zone(schedule))
        } catch {
            try store.write(commit: true) { transaction in
                guard var current = try transaction.schedule(workflow: schedule.workflow) else { return }
                current.error = "\(error)"
                try transaction.saveSchedule(current)
            }
            return .moved
        }
        let choice = SlotChoice.choose(schedule.catchUp, first: first, now: now, schedule: cron,
                                       window: schedule.catchUpWindow, lateAfter: Int64(settings.lateAfter.inSeconds))
        if let skipped = choice.skipped {
            runner.logger.notice("missed slots skipped", metadata: [
                "workflow": "\(schedule.workflow)", "from": "\(skipped.first)", "to": "\(skipped.last)",
                "catch_up": "\(schedule.catchUp.rawValue)"])
        }
        guard let slot = choice.slot else {
            try move(schedule.workflow, from: first, to: choice.following)
            return .moved
        }
        // Another run of the same workflow (started by hand or by an event) still going,
        // on this machine or (a shared database) another.
        let running = try store.read { try $0.runs(RunFilter(workflow: schedule.workflow, outcome: .running, limit: 10)) }
            .filter { $0.mayBeGoingOn(now: now, longest: schedule.leaseSeconds) }
        if !running.isEmpty {
            guard schedule.overlap == .skip else { return .busy }
            runner.logger.notice("slot skipped: the workflow's previous run is still going", metadata: [
                "workflow": "\(schedule.workflow)", "slot": "\(slot)", "running": "\(running[0].id)"])
            try move(schedule.workflow, from: first, to: cron.next(after: now))
            return .moved
        }

        let runID = UUID().uuidString.lowercased()
        let lease = ScheduleLease(owner: runID, slot: slot,
                                  until: Timestamp(secondsSince1970: now.secondsSince1970 + schedule.leaseSeconds))
        let trigger = RunTrigger(.schedule, slot: slot)
        let claimed = try store.write(commit: true) { transaction -> Bool in
            let expired = try transaction.schedule(workflow: schedule.workflow)?.lease
            guard try transaction.leaseSchedule(workflow: schedule.workflow, lease, now: now) else { return false }
            // A lease that ran out with its run still recorded as running: that run's
            // process died or lost the database (on any machine; no run outlives its
            // lease), so it is recorded interrupted, as a queued run taken over is.
            if let previous = expired?.owner, previous != runID, var old = try transaction.run(id: previous), old.outcome == .running {
                old.outcome = .interrupted
                old.endedAt = now
                old.error = "its slot's lease ran out before it ended (its process died, or lost the database); run \(runID) took the schedule over, "
                    + "and nothing this one wrote was kept"
                try transaction.saveRun(old)
            }
            // Recorded as started with the lease: if this process dies, the history shows
            // the run interrupted, and the lease keeps the slot until it runs out.
            try transaction.saveRun(RunRecord(
                id: runID, workflow: schedule.workflow, file: schedule.file, contentHash: "", trigger: trigger,
                parameters: [:], clock: slot, startedAt: Timestamp(Date())))
            return true
        }
        guard claimed else { return .busy }

        var runner = runner(forSlot: slot)
        let clock = self.clock
        runner.beforeCommit = { transaction, id in
            try Self.completeSlot(schedule.workflow, slot: slot, run: id, in: transaction, now: clock())
        }
        let run = runner.run(file: schedule.file, trigger: trigger, id: runID, workflow: schedule.workflow, output: output)
        if !run.succeeded {
            let cancelled = run.record.outcome == .cancelled
            do {
                try store.write(commit: true) { transaction -> Void in
                    if cancelled {
                        // Stopped by a shutdown, not by its own doing: the slot runs again.
                        guard var current = try transaction.schedule(workflow: schedule.workflow), current.lease?.owner == runID else { return }
                        current.lease = nil
                        try transaction.saveSchedule(current)
                    } else {
                        // A failed run uses up its slot; its workflow's `retry` may run it again.
                        try Self.completeSlot(schedule.workflow, slot: slot, run: runID, in: transaction, now: clock())
                    }
                }
            } catch let error as SchedulerError {
                runner.logger.error("\(error)", metadata: ["workflow": "\(schedule.workflow)", "run": "\(runID)"])
            }
            if !cancelled {
                try TriggerQueue(runner: self.runner).retryIfAllowed(
                    run, QueuedRun(workflow: schedule.workflow, file: schedule.file, trigger: trigger, enqueuedAt: Timestamp(Date())))
            }
        }
        return .ran(run)
    }

    /// The runner for one slot's run: the slot is its clock; it takes no parameters
    /// (the declared defaults), commits, and keeps the workflow's own limits.
    func runner(forSlot slot: Timestamp) -> ScriptRunner {
        var runner = self.runner
        runner.now = slot
        runner.parameters = [:]
        runner.dryRun = false
        runner.limitsFromCommandLine = false
        runner.cancellation = cancellation
        return runner
    }

    /// Marks a slot done, in the run's transaction: the schedule moves to its next
    /// slot and lets go of the lease. Refused when the lease is no longer the run's.
    static func completeSlot(_ workflow: String, slot: Timestamp, run: String, in transaction: any StoreTransaction,
                             now: Timestamp) throws {
        guard var schedule = try transaction.schedule(workflow: workflow) else {
            throw SchedulerError("schedule '\(workflow)' was removed while its slot \(slot) ran")
        }
        guard let lease = schedule.lease, lease.owner == run, lease.slot == slot else {
            throw SchedulerError("slot \(slot) of '\(workflow)' is no longer this run's: its lease ran out and another runner took it")
        }
        // Each slot once, whatever the leases say (a clock off on one machine): the claim
        // is in the same transaction as the schedule's move to its next slot.
        guard try transaction.claimSlot(workflow: workflow, slot: slot, run: run) else {
            throw SchedulerError("slot \(slot) of '\(workflow)' was run already (by another runner); this run's writes are not kept")
        }
        let cron = try CronSchedule(schedule.expression, timeZone: TimeZone(identifier: schedule.timeZone) ?? .gmt)
        // With overlap "skip", slots that came while this run went on are dropped.
        schedule.nextSlot = cron.next(after: schedule.overlap == .skip ? max(slot, now) : slot)
        schedule.lastSlot = slot
        schedule.lastRun = run
        schedule.lease = nil
        try transaction.saveSchedule(schedule)
    }

    /// Moves a schedule's next slot on without running (skipped slots), unless someone
    /// else moved it first.
    private func move(_ workflow: String, from first: Timestamp, to next: Timestamp?) throws {
        try store.write(commit: true) { transaction in
            guard var current = try transaction.schedule(workflow: workflow), current.nextSlot == first, current.lease == nil
                || (current.lease?.until ?? first) <= clock() else { return }
            current.nextSlot = next
            current.lease = nil
            try transaction.saveSchedule(current)
        }
    }

    func zone(_ schedule: ScheduleRecord) -> TimeZone {
        TimeZone(identifier: schedule.timeZone) ?? runner.timeZone
    }

    /// When something next comes due, by this scheduler's clock: a schedule's slot or
    /// a queued run (whose times are the real clock's).
    public func nextDue() throws -> Timestamp? {
        let store = try store
        let shift = clock().secondsSince1970 - Timestamp(Date()).secondsSince1970
        return try store.read { transaction in
            let queued = try transaction.nextQueuedRunDue().map { Timestamp(secondsSince1970: $0.secondsSince1970 + shift) }
            return [try transaction.nextScheduleDue(), queued].compactMap { $0 }.min()
        }
    }
}

/// A scheduling problem, said plainly.
public struct SchedulerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
