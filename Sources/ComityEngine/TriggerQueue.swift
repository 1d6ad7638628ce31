import ComityCore
import Foundation
import LuaBridge

/// Runs what waits in the trigger queue: workflows queued by the domain events of
/// committed runs, and retries of failed ones. `comity run` drains it after its run;
/// `comity queue run` (and later the daemon) drain it on their own.
public struct TriggerQueue {
    public var runner: ScriptRunner

    public init(runner: ScriptRunner) {
        var runner = runner
        // A queued run is never a dry run and takes only the parameters it was queued
        // with (its declared defaults, unless started or retried with others).
        runner.dryRun = false
        runner.parameters = [:]
        runner.limitsFromCommandLine = false
        // Whoever drains the queue, a queued run acts as its own workflow says (`run_as`),
        // or as the token that started it: never as the person the draining run acted as.
        runner.principal = nil
        self.runner = runner
    }

    /// Runs every queued run that is due, oldest first, including those the runs
    /// themselves queue, until none is due (or `limit` runs). Each run is its own
    /// transaction. A failed run is queued again when its workflow's `retry` allows.
    /// `shouldStop` is asked before each run (a daemon shutting down).
    public func drain(limit: Int = .max, shouldStop: () -> Bool = { false }, output: @escaping (String) -> Void) throws -> [ScriptRun] {
        guard let store = runner.store else { return [] }
        var runs: [ScriptRun] = []
        while runs.count < limit, !shouldStop(), let (item, id) = try take(from: store) {
            if item.trigger.depth > runner.maxTriggerDepth {
                // Returned with the others: a chain stopped here is a failure its caller reports.
                runs.append(try refuseTooDeep(item, id: id, store: store))
                continue
            }
            // The script as it is now: an edit since the run was queued is what runs,
            // and the run records the new content's hash.
            var runner = self.runner
            runner.parameters = item.parameters
            let run = runner.run(file: item.file, trigger: item.trigger, attempt: item.attempt, id: id, workflow: item.workflow,
                                 output: output)
            runs.append(run)
            if !run.succeeded { try retryIfAllowed(run, item) }
        }
        return runs
    }

    /// The next due run, taken off the queue and recorded as running in one
    /// transaction: if this process dies before the run ends, the history shows it
    /// `interrupted` (and `comity runs retry` runs it again); it is never lost.
    private func take(from store: any Store) throws -> (QueuedRun, String)? {
        // An empty queue (every idle tick) is seen by a read: a write transaction takes
        // the database's one writer, and the first one of a process makes the store's
        // snapshot tables (~6 M instructions of an idle `comity tick`).
        guard try store.read({ try $0.nextQueuedRunDue() }) != nil else { return nil }
        return try store.write(commit: true) { transaction in
            guard let item = try transaction.takeQueuedRun(dueAt: Timestamp(Date())) else { return nil }
            let id = UUID().uuidString.lowercased()
            let now = Timestamp(Date())
            try transaction.saveRun(RunRecord(
                id: id, workflow: item.workflow, file: item.file, contentHash: "", trigger: item.trigger, parameters: item.parameters,
                clock: runner.now ?? now, startedAt: now, attempt: item.attempt))
            return (item, id)
        }
    }

    func refuseTooDeep(_ item: QueuedRun, id: String, store: any Store) throws -> ScriptRun {
        let now = Timestamp(Date())
        let record = RunRecord(
            id: id, workflow: item.workflow, file: item.file, contentHash: "", trigger: item.trigger,
            parameters: [:], clock: runner.now ?? now, startedAt: now, endedAt: now, outcome: .failed,
            error: "not run: triggered by \(item.trigger.summary), it would be number \(item.trigger.depth) in a chain of runs "
                + "triggering each other (max_trigger_depth = \(runner.maxTriggerDepth) in comity.lua); check the workflows' 'on' "
                + "for a loop: a workflow that writes what it listens to (on \(item.trigger.event ?? "an event") and changes that "
                + "record) triggers itself, unless it checks ctx.trigger.changes or writes only what differs",
            attempt: item.attempt)
        try store.write(commit: true) { try $0.saveRun(record) }
        runner.logger.error("trigger chain too deep", metadata: ["workflow": "\(item.workflow)", "depth": "\(item.trigger.depth)"])
        return ScriptRun(
            id: id, file: item.file, workflowName: item.workflow, outcome: .failed(LuaError(.runtime, record.error ?? "not run")),
            dryRun: false, duration: .zero, memoryPeak: 0, changes: [], events: [], record: record, errorKind: "error", queued: 0,
            retry: .none, report: nil, rendered: nil)
    }

    /// Queues a failed run again when its workflow's `retry` allows: after the
    /// policy's wait, as the next attempt, caused by the failed run.
    public func retryIfAllowed(_ run: ScriptRun, _ item: QueuedRun) throws {
        guard let store = runner.store else { return }
        let policy = run.retry
        guard item.attempt < policy.attempts, let kind = run.errorKind, policy.retryOn.contains(kind) else { return }
        let wait = policy.wait(beforeAttempt: item.attempt + 1)
        let seconds = Int64(wait.inSeconds.rounded(.up))
        var next = item
        next.attempt += 1
        next.trigger.causedBy = run.id
        next.notBefore = Timestamp(secondsSince1970: Timestamp(Date()).secondsSince1970 + seconds)
        try store.write(commit: true) { try $0.enqueue(next) }
        runner.logger.notice("run queued again", metadata: [
            "workflow": "\(item.workflow)", "attempt": "\(next.attempt)", "after": "\(seconds)s"])
    }
}
