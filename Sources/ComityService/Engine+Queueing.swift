import ComityCore
import ComityEngine
import Foundation

extension Engine {
    /// Queues a run of the workflow `name` with `parameters` (as text, as on the command
    /// line), checked against its declaration first so that a caller hears of a wrong
    /// one now, not from a failed run later. Trigger `api`, with the token's name.
    /// - Parameters:
    ///   - idempotency: an `Idempotency-Key` with its request; `answer` gives what to keep for it.
    public func start(workflow name: String, parameters: [String: String], by token: String, idempotency: IdempotencyClaim? = nil,
                      answer: @escaping (QueuedRun) throws -> (status: Int, body: Data) = { _ in (202, Data()) }) throws -> WorkflowStart {
        guard let workflow = catalog().workflow(named: name) else { return .unknownWorkflow(name) }
        if let error = workflow.error { return .refused("workflow '\(name)' cannot be read: \(error)") }
        if let refusal = WorkflowParameter.refusal(of: parameters, declared: workflow.parameters, workflow: name, timeZone: workspace.timeZone) {
            return .refused(refusal)
        }
        let run = QueuedRun(workflow: workflow.name, file: workflow.file, trigger: RunTrigger(.api, event: token), enqueuedAt: Timestamp(Date()),
                            parameters: parameters)
        return try enqueue(run, by: token, idempotency: idempotency, answer: answer)
    }

    /// Queues the next attempt of a recorded run (its id, or a unique start of it): its
    /// script as it is now, with the same trigger and parameters, caused by it. The
    /// same refusals as ``retry(_:logger:output:ended:)``, which runs it at once instead.
    public func queueRetry(_ id: String, by token: String, idempotency: IdempotencyClaim? = nil,
                           answer: @escaping (QueuedRun) throws -> (status: Int, body: Data) = { _ in (202, Data()) }) throws -> WorkflowStart {
        let previous = try findRun(id)
        do {
            try refuseRetry(of: previous)
        } catch let error as EngineError {
            return .refused("\(error)")
        }
        guard let workflow = previous.workflow else {
            return .refused("run \(RunRecord.shortID(previous.id)) ran \(previous.file), which declares no workflow; retry it with `comity runs retry`")
        }
        if previous.dryRun { return .refused("run \(RunRecord.shortID(previous.id)) was a dry run; a queued run is never one (retry it with `comity runs retry`)") }
        var trigger = previous.trigger
        trigger.causedBy = previous.id
        let run = QueuedRun(workflow: workflow, file: previous.file, trigger: trigger, enqueuedAt: Timestamp(Date()),
                            attempt: previous.attempt + 1, parameters: previous.parameters)
        return try enqueue(run, by: token, idempotency: idempotency, answer: answer)
    }

    /// Takes a waiting run off the queue without running it. A run a worker has leased
    /// is not cancelled (it runs now, or will be taken over when its lease ends).
    public func cancelQueuedRun(id: Int64) throws -> QueuedRunCancellation {
        if let cancelled = try store.write(commit: true, { try $0.cancelQueuedRun(id: id) }) { return .cancelled(cancelled) }
        return try store.read({ try $0.leasedRuns() }).contains(where: { $0.run.id == id }) ? .leased : .notWaiting
    }

    /// `run` queued with the id the queue gave it, and the key's answer kept with it.
    private func enqueue(_ run: QueuedRun, by token: String, idempotency: IdempotencyClaim?,
                         answer: (QueuedRun) throws -> (status: Int, body: Data)) throws -> WorkflowStart {
        try store.write(commit: true) { transaction in
            if let replay = try idempotency?.replay(token: token, at: run.enqueuedAt, in: transaction) { return .replay(replay) }
            var queued = run
            queued.id = try transaction.enqueue(run)
            try idempotency?.keep(try answer(queued), token: token, at: run.enqueuedAt, in: transaction)
            return .queued(queued)
        }
    }
}
