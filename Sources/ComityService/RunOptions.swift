import ComityCore
import ComityEngine
import LuaBridge

/// How a caller wants a run made: its parameters, clock, limits and whether to keep
/// what it writes.
public struct RunOptions {
    /// The run's parameters as text, as a workflow declares and converts them.
    public var parameters: [String: String] = [:]
    /// The run's clock; now when nil.
    public var now: Timestamp?
    /// Roll back what the run writes (its changes are reported instead).
    public var dryRun = false
    /// Limits asked for by the caller; the workflow's own (or the defaults) when nil.
    public var limits: LuaLimits?
    /// Bytes of `ctx.log` the run keeps; nil keeps the runner's default.
    public var maxLog: Int??
    /// Counts records written, for a progress line.
    public var progress: RunProgress?
    /// Leave the runs its events queue to the daemon or the workers, instead of running
    /// them before returning.
    public var leaveQueued = false
    /// The person the run acts as (`--as`): an id, an email or a name; nil for the workspace.
    public var actingAs: String?

    public init(parameters: [String: String] = [:], now: Timestamp? = nil, dryRun: Bool = false, limits: LuaLimits? = nil,
                maxLog: Int?? = nil, progress: RunProgress? = nil) {
        self.parameters = parameters
        self.now = now
        self.dryRun = dryRun
        self.limits = limits
        self.maxLog = maxLog
        self.progress = progress
    }

    func apply(to runner: inout ScriptRunner) {
        runner.parameters = parameters
        runner.principal = actingAs
        runner.now = now
        runner.dryRun = dryRun
        if let limits {
            runner.limits = limits
            runner.limitsFromCommandLine = true
        }
        if let maxLog { runner.maxLog = maxLog }
        runner.progress = progress
    }
}
