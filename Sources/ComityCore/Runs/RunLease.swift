/// A queued run a worker holds while it runs it: the run stays in the queue, leased,
/// until its worker ends the lease in the run's own transaction. A worker renews its
/// leases with its heartbeat; once one expires (the worker died, or stopped answering)
/// any worker takes the run over with the next epoch, and the old holder can no
/// longer end the lease: every write of its run is refused with its commit (fencing).
public struct RunLease: Sendable, Equatable {
    public var run: QueuedRun
    /// The worker holding it.
    public var worker: String
    /// Counts the times the run was leased: the holder of the current epoch alone may end it.
    public var epoch: Int64
    /// Until when it holds, by the store's clock.
    public var until: Timestamp
    /// The id this attempt's run record has.
    public var runID: String
    /// The run record of the lease this one took over (its worker stopped renewing it).
    public var previousRunID: String?

    /// How the error of a run whose lease was taken over begins (counted by ``RunTotal``).
    public static let takenOverError = "its worker stopped renewing its lease"

    public init(run: QueuedRun, worker: String, epoch: Int64, until: Timestamp, runID: String, previousRunID: String? = nil) {
        self.run = run
        self.worker = worker
        self.epoch = epoch
        self.until = until
        self.runID = runID
        self.previousRunID = previousRunID
    }
}

/// A `comity worker` process as the store knows it.
public struct WorkerRecord: Sendable, Equatable {
    /// `HOST:PID:` and a random part: unique across machines and restarts.
    public var id: String
    public var host: String
    public var processID: Int32
    /// The Comity version it runs.
    public var version: String
    public var startedAt: Timestamp
    /// Its last heartbeat, by the store's clock.
    public var heartbeat: Timestamp
    /// When it stopped on its own; nil while running (or when it died).
    public var stoppedAt: Timestamp?

    public init(id: String, host: String, processID: Int32, version: String, startedAt: Timestamp, heartbeat: Timestamp,
                stoppedAt: Timestamp? = nil) {
        self.id = id
        self.host = host
        self.processID = processID
        self.version = version
        self.startedAt = startedAt
        self.heartbeat = heartbeat
        self.stoppedAt = stoppedAt
    }
}

extension StoreError {
    /// The refusal of `RunLeaseStore.endLease`: the lease ran out and another worker
    /// holds the run now.
    public static func leaseLost(_ lease: RunLease) -> StoreError {
        StoreError(.leaseLost, "run \(lease.runID) of '\(lease.run.workflow)' lost its lease (worker \(lease.worker), epoch \(lease.epoch)): "
            + "it expired before the run ended and another worker took the run over; nothing this run wrote is kept")
    }
}
