/// The run history summed for metrics, per workflow and outcome: read from the store at
/// each scrape, so that one server's metrics count the runs of every worker.
public struct RunTotal: Sendable, Equatable {
    /// The workflow; nil for a script run that declares none and for an API write.
    public var workflow: String?
    public var outcome: RunRecord.Outcome
    /// Runs recorded (ended or not).
    public var count: Int
    /// Of those, the runs that ended, the seconds they took together, and how many took
    /// at most each of `durationBounds` (cumulative, as a Prometheus histogram counts).
    public var ended: Int
    public var seconds: Int64
    public var withinBounds: [Int]
    /// Runs interrupted because another worker took their lease over.
    public var takenOver: Int

    /// The upper bounds, in seconds, of the run-duration histogram's buckets.
    public static let durationBounds: [Int64] = [1, 5, 30, 60, 300, 1800]

    public init(workflow: String?, outcome: RunRecord.Outcome, count: Int, ended: Int, seconds: Int64, withinBounds: [Int], takenOver: Int) {
        self.workflow = workflow
        self.outcome = outcome
        self.count = count
        self.ended = ended
        self.seconds = seconds
        self.withinBounds = withinBounds
        self.takenOver = takenOver
    }
}
