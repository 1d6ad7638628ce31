import ComityEngine

/// One statement's outcome, and the runs it queued that ran after it.
public struct ReplStatement {
    public let outcome: WorkspaceSession.Outcome
    public let queued: [ScriptRun]
}
