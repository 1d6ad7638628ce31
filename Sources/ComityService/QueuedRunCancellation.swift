import ComityCore

/// What became of a request to cancel a queued run.
public enum QueuedRunCancellation: Sendable, Equatable {
    /// Taken off the queue; it will not run.
    case cancelled(QueuedRun)
    /// Leased to a worker: it runs, and is not cancelled.
    case leased
    /// No run of that id waits (it ran, was cancelled, or never was).
    case notWaiting
}
