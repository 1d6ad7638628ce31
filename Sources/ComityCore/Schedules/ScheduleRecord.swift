/// A scheduled workflow as the store keeps it: its cron expression, its next due slot,
/// what ran last, and who holds it now. A slot runs once: a runner takes the
/// schedule's lease for it, and marks the slot done in the same transaction as the
/// run's writes.
public struct ScheduleRecord: Sendable, Equatable {
    /// What happens to slots missed while nothing ran (machine off, daemon down).
    public enum CatchUp: String, Sendable, CaseIterable {
        /// One run, for the most recent missed slot (the default).
        case latest
        /// One run per missed slot within the catch-up window, oldest first.
        case all
        /// None; only slots that come while something runs them.
        case skip
    }

    /// What happens to slots that come due while the workflow's previous run goes on.
    public enum Overlap: String, Sendable, CaseIterable {
        /// They wait for it to end, then run as `catch_up` says (the default).
        case wait
        /// They are dropped; the next run is the first slot after it ends.
        case skip
    }

    public var workflow: String
    /// The script that declares it: `Scripts/digest.lua`.
    public var file: String
    public var expression: String
    /// An IANA zone name.
    public var timeZone: String
    public var catchUp: CatchUp
    /// How far back `catch_up = "all"` goes, in seconds.
    public var catchUpWindow: Int64
    public var overlap: Overlap
    /// How long a runner may hold the schedule for one slot: the workflow's time limit
    /// and a margin. After that another runner may take the slot again.
    public var leaseSeconds: Int64
    /// The next slot to run; nil when the expression never comes again or is invalid.
    public var nextSlot: Timestamp?
    public var lastSlot: Timestamp?
    /// The run of the last slot.
    public var lastRun: String?
    public var paused: Bool
    /// Why the schedule cannot run (an invalid expression, a script that fails to load).
    public var error: String?
    public var lease: ScheduleLease?

    public init(
        workflow: String, file: String, expression: String, timeZone: String, catchUp: CatchUp = .latest,
        catchUpWindow: Int64 = 86_400, overlap: Overlap = .wait, leaseSeconds: Int64 = 60, nextSlot: Timestamp?,
        lastSlot: Timestamp? = nil, lastRun: String? = nil, paused: Bool = false, error: String? = nil,
        lease: ScheduleLease? = nil
    ) {
        self.workflow = workflow
        self.file = file
        self.expression = expression
        self.timeZone = timeZone
        self.catchUp = catchUp
        self.catchUpWindow = catchUpWindow
        self.overlap = overlap
        self.leaseSeconds = leaseSeconds
        self.nextSlot = nextSlot
        self.lastSlot = lastSlot
        self.lastRun = lastRun
        self.paused = paused
        self.error = error
        self.lease = lease
    }
}

/// A runner's hold on a schedule while it runs one slot.
public struct ScheduleLease: Sendable, Equatable {
    /// The id of the run that holds it.
    public var owner: String
    public var slot: Timestamp
    public var until: Timestamp

    public init(owner: String, slot: Timestamp, until: Timestamp) {
        self.owner = owner
        self.slot = slot
        self.until = until
    }
}
