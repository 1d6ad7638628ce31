import ComityCore
import ComityReports
import Foundation
import LuaBridge

/// What one run of a script came to.
public struct ScriptRun: Sendable {
    public enum Outcome: Sendable, Equatable {
        case succeeded
        case failed(LuaError)

        public var error: LuaError? {
            if case .failed(let error) = self { return error }
            return nil
        }
    }

    /// The run's id, kept with every change it made.
    public var id: String
    /// The script as named on the command line.
    public var file: String
    /// The workflow's declared name, when the script returned `workflow { ... }`.
    public var workflowName: String?
    public var outcome: Outcome
    /// Rolled back on purpose: `changes` are what it would have made.
    public var dryRun: Bool
    public var duration: Duration
    /// Peak bytes of Lua memory during the run.
    public var memoryPeak: Int
    /// For a dry run, the audit of what it would have changed. A committed run's
    /// changes are in the store's audit under the run's `id`.
    public var changes: [AuditEntry]
    /// The domain events the run committed.
    public var events: [DomainEvent]
    /// The run as the history keeps it.
    public var record: RunRecord
    /// For a failure: `error`, `validation`, `timeout`, `memory`, `instructions` or
    /// `output`, as a workflow's `retry_on` names them.
    public var errorKind: String?
    /// Workflows its events queued.
    public var queued: Int
    /// The workflow's retry policy (none for plain scripts).
    public var retry: RetryPolicy
    /// What the script returned with `report {...}`, for `comity report`.
    public var report: ReportDocument?
    /// The report as the runner's `renderer` (a plugin's function) wrote it.
    public var rendered: String?
    /// For a dry run: the workflows its events would have queued, had it committed.
    public var wouldQueue: [QueuedWorkflow] = []
    /// When the run failed because the store could not take it (locked by another
    /// process, or unreachable): that refusal, for a caller that answers "busy, again
    /// later" rather than "your script failed" (the HTTP API's 503).
    public var storeRefusal: StoreError?

    public var succeeded: Bool { outcome == .succeeded }
}

/// A workflow an event queues (or, in a dry run, would queue).
public struct QueuedWorkflow: Sendable, Equatable {
    public let workflow: String
    /// The event that queues it: `grant.awarded`.
    public let event: String
}
