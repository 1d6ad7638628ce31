import ComityEngine

/// What a tick ran.
public struct TickOutcome {
    public let runs: [ScriptRun]
    /// Another process held the database's writer past the wait: what is due stays due.
    public let deferred: Bool

    public var succeeded: Bool { runs.allSatisfy(\.succeeded) }
}
