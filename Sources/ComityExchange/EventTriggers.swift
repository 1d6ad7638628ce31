import ComityCore

/// What starts workflows from an import's events: the engine's `EventQueuing`, which
/// knows the workspace's workflows. Exchange knows only this much of it, so that it
/// needs no engine: which events to record, and queueing the runs they start in the
/// import's own transaction.
public protocol EventTriggers: Sendable {
    /// The events the store records while the import writes (creations and changes
    /// only when a workflow listens to them).
    var recording: EventRecording { get }
    /// Queues the runs `events` start, in `transaction`; returns how many were queued.
    func enqueue(_ events: [DomainEvent], causedBy run: String?, depth: Int, in transaction: any StoreTransaction) throws -> Int
}
