import ComityCore

/// `comity worker status`: the workers, their heartbeats and leases, and the queue.
public struct WorkerStatus: Sendable {
    public struct Worker: Sendable {
        public let record: WorkerRecord
        /// Seconds since its last heartbeat, by the store's clock.
        public let silentFor: Int64
        /// Whether it is held to be running: not stopped, and heard from within its lease.
        public let alive: Bool
        public let leases: [RunLease]
    }

    /// The store's clock when this was read.
    public let now: Timestamp
    public let workers: [Worker]
    /// Leased runs whose worker is not among the living (taken over once they expire).
    public let orphanedLeases: [RunLease]
    public let waiting: Int
    /// Seconds the oldest due waiting run has waited (since it came due).
    public let oldestWaiting: Int64?
    /// Dead rows of the queue's table, where the store counts them.
    public let deadRows: Int?
}
