import ComityEngine

/// A run and the runs its committed events queued, drained after it.
public struct FileRun {
    /// The run asked for.
    public let run: ScriptRun
    /// The queued runs that ran after it (those it queued, and any others due), in order.
    public let queued: [ScriptRun]

    /// Whether the run and every queued one succeeded.
    public var succeeded: Bool { run.succeeded && queued.allSatisfy(\.succeeded) }
}
