import ComityCore
import ComityCron
import ComityEngine
import ComityScheduler
import Foundation
import Logging

extension Engine {
    /// One tick: brings the schedules in line with the workflows, runs the slots that are
    /// due, then the queued runs (theirs and any others due), each once. `now` moves the
    /// scheduler's clock (it runs on from there); queued runs keep their own clocks.
    /// When another process holds the database's one writer past the wait, what is due
    /// stays due for the next tick: the result says so (`deferred`) with the runs made
    /// before.
    public func tick(now: Timestamp? = nil, logger: Logger = Logger(label: "comity.tick"),
                     output: @escaping (String) -> Void) throws -> TickOutcome {
        let scheduler = scheduler(logger: logger, now: now)
        var runs: [ScriptRun] = []
        do {
            try scheduler.synchronize(with: catalog())
            runs = try scheduler.runDue(output: output)
            var queueRunner = scheduler.runner
            queueRunner.now = nil
            runs += try TriggerQueue(runner: queueRunner).drain(output: output)
        } catch let error as StoreError where error.kind == .locked {
            return TickOutcome(runs: runs, deferred: true)
        } catch {
            throw EngineError.failed("\(error)")
        }
        return TickOutcome(runs: runs, deferred: false)
    }

    /// Each scheduled workflow (after bringing the schedules in line with the workflows)
    /// with its last run.
    public func schedules(logger: Logger = Logger(label: "comity.schedule")) throws -> [ScheduleStatus] {
        let scheduler = scheduler(logger: logger)
        try scheduler.synchronize(with: catalog())
        return try store.read { try $0.schedules() }.map { schedule in
            let last = try schedule.lastRun.flatMap { id in try store.read { try $0.run(id: id) } }
            return ScheduleStatus(schedule: schedule, lastRun: last,
                                  timeZone: TimeZone(identifier: schedule.timeZone) ?? workspace.timeZone,
                                  explained: (try? CronExpression(schedule.expression)).map(CronDescription.sentence(for:)))
        }
    }

    /// Stops a workflow's schedule until ``resume(schedule:now:logger:)``.
    public func pause(schedule name: String, logger: Logger = Logger(label: "comity.schedule")) throws -> ScheduleRecord {
        let scheduler = scheduler(logger: logger)
        return try scheduling {
            try scheduler.synchronize(with: catalog())
            return try scheduler.pause(name)
        }
    }

    /// Lets a paused schedule run again from its next slot after `now` (slots missed while
    /// paused do not run); one that was not paused is left as it is.
    public func resume(schedule name: String, now: Timestamp? = nil,
                       logger: Logger = Logger(label: "comity.schedule")) throws -> ScheduleResumption {
        let scheduler = scheduler(logger: logger, now: now)
        return try scheduling {
            try scheduler.synchronize(with: catalog())
            let wasPaused = try store.read { try $0.schedule(workflow: name) }?.paused ?? false
            let schedule = try scheduler.resume(name)
            return ScheduleResumption(schedule: schedule, wasPaused: wasPaused,
                                      timeZone: TimeZone(identifier: schedule.timeZone) ?? workspace.timeZone)
        }
    }

    /// Runs the past slots of `name`'s schedule from `start` to `end` (both included)
    /// that have no successful run, oldest first, each with its slot as its clock; with
    /// `dryRun` only says which would run.
    public func backfill(schedule name: String, from start: Timestamp, to end: Timestamp, dryRun: Bool,
                         logger: Logger = Logger(label: "comity.schedule"),
                         output: @escaping (String) -> Void) throws -> [BackfillSlot] {
        let scheduler = scheduler(logger: logger)
        return try scheduling {
            try scheduler.synchronize(with: catalog())
            return try scheduler.backfill(name, from: start, to: end, dryRun: dryRun, output: output)
        }
    }

    /// A scheduler's refusal (no such schedule, a bad range) as the engine's error.
    private func scheduling<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SchedulerError {
            throw EngineError.failed(error.description)
        }
    }
}
