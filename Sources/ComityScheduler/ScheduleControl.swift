import ComityCron
import ComityCore
import ComityEngine
import Foundation

/// One slot of a backfill: run now, or passed over because a run of it succeeded.
public struct BackfillSlot: Sendable {
    public let slot: Timestamp
    /// The earlier successful run of this slot, when there is one.
    public let ranBefore: String?
    /// The run made now; nil for a dry run or a slot that ran before.
    public let run: ScriptRun?
}

extension Scheduler {
    /// Stops a schedule's slots from running until `resume`.
    public func pause(_ workflow: String) throws -> ScheduleRecord {
        try change(workflow) { $0.paused = true }
    }

    /// Lets a paused schedule run again, from its next slot after now: slots that
    /// came while it was paused are not run. Never from a slot at or before its last
    /// one (ticks may have run ahead of the clock, `tick --now` in a drill): a slot that
    /// ran does not run again.
    /// A schedule that is not paused is left as it is (its due slots stay due).
    public func resume(_ workflow: String) throws -> ScheduleRecord {
        let now = clock()
        return try change(workflow) { schedule in
            guard schedule.paused else { return }
            schedule.paused = false
            if let cron = try? CronSchedule(schedule.expression, timeZone: zone(schedule)) {
                let from = schedule.lastSlot.map { max($0, now) } ?? now
                schedule.nextSlot = cron.next(after: from)
            }
        }
    }

    private func change(_ workflow: String, _ body: (inout ScheduleRecord) -> Void) throws -> ScheduleRecord {
        try store.write(commit: true) { transaction in
            guard var schedule = try transaction.schedule(workflow: workflow) else {
                let names = try transaction.schedules().map(\.workflow)
                throw SchedulerError("no scheduled workflow is named '\(workflow)'"
                    + (names.isEmpty ? "; no workflow declares a schedule" : " (scheduled: \(names.joined(separator: ", ")))"))
            }
            body(&schedule)
            try transaction.saveSchedule(schedule)
            return schedule
        }
    }

    /// Runs the slots of `workflow` from `start` to `end` (both included) that the
    /// schedule has passed and that have no successful run, oldest first, each with
    /// its slot as its clock. Slots still to come are left to the schedule. A dry run
    /// only says which slots would run.
    public func backfill(_ workflow: String, from start: Timestamp, to end: Timestamp, dryRun: Bool,
                         output: @escaping (String) -> Void) throws -> [BackfillSlot] {
        let store = try store
        guard let schedule = try store.read({ try $0.schedule(workflow: workflow) }) else {
            throw SchedulerError("no scheduled workflow is named '\(workflow)'")
        }
        guard start <= end else { throw SchedulerError("--from \(start) is after --to \(end)") }
        if let error = schedule.error { throw SchedulerError("schedule '\(workflow)' cannot run: \(error)") }
        let cron = try CronSchedule(schedule.expression, timeZone: zone(schedule))
        // Only slots the schedule has passed: later ones are its to run.
        let passed = min(end, Timestamp(secondsSince1970: (schedule.nextSlot ?? clock()).secondsSince1970 - 1), clock())
        let most = 10_000
        // Counted only up to the cap: a range of centuries is refused as soon as it
        // passes it, not after every slot in it was found.
        var slots: [Timestamp] = []
        var last = Timestamp(secondsSince1970: start.secondsSince1970 - 1)
        while passed >= start, let next = cron.next(after: last), next <= passed {
            slots.append(next)
            guard slots.count <= most else {
                throw SchedulerError("more than \(most) slots of '\(workflow)' between \(start) and \(passed); backfill a shorter range at a time")
            }
            last = next
        }
        var results: [BackfillSlot] = []
        for slot in slots {
            let earlier = try store.read {
                try $0.runs(RunFilter(workflow: workflow, outcome: .succeeded, slot: slot, limit: 1)).first?.id
            }
            if earlier != nil || dryRun {
                results.append(BackfillSlot(slot: slot, ranBefore: earlier, run: nil))
                continue
            }
            let run = runner(forSlot: slot).run(file: schedule.file, trigger: RunTrigger(.schedule, slot: slot),
                                                workflow: schedule.workflow, output: output)
            results.append(BackfillSlot(slot: slot, ranBefore: nil, run: run))
        }
        return results
    }
}
