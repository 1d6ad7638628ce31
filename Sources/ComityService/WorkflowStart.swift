import ComityCore

/// What became of a request to queue a workflow's run (`POST /v1/workflows/NAME/runs`,
/// `POST /v1/runs/ID/retry`).
public enum WorkflowStart: Sendable {
    /// Queued: the daemon, a worker or `serve --with-scheduler` runs it.
    case queued(QueuedRun)
    /// No script declares a workflow of that name.
    case unknownWorkflow(String)
    /// Refused, in words: parameters that are not the declaration's, a script whose
    /// declaration cannot be read, a run that cannot be retried.
    case refused(String)
    /// The request's `Idempotency-Key` was used before: nothing is queued.
    case replay(IdempotentReplay)
}
