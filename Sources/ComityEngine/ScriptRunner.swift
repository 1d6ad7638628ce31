import ComityCore
import Foundation
import Logging
import LuaBridge

/// Runs scripts, each in a fresh sandbox of its own: a plain script runs top to
/// bottom; a script that returns `workflow { name = ..., run = function(ctx) ... end }`
/// then has its `run` called with a context.
public struct ScriptRunner {
    /// The workspace folder: relative script paths start here, and `require` loads
    /// modules from its `Scripts/` and `Plugins/`.
    public var workspace: URL
    public var limits: LuaLimits
    /// Run parameters, `--param key=value` on the command line.
    public var parameters: [String: String]
    /// The run's clock (`time.now()`); nil for the moment the run starts.
    public var now: Timestamp?
    /// The workspace's time zone, for local times in scripts.
    public var timeZone: TimeZone
    /// The Lua API installed into every run.
    public var api: APIRegistry
    /// The workspace's records; nil runs scripts without a database.
    public var store: (any Store)?
    /// Roll back whatever the run writes, and report it instead.
    public var dryRun: Bool
    public var logger: Logger

    public init(
        workspace: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        limits: LuaLimits = .default, parameters: [String: String] = [:], now: Timestamp? = nil,
        timeZone: TimeZone = .gmt, api: APIRegistry = .core, store: (any Store)? = nil, dryRun: Bool = false,
        logger: Logger = Logger(label: "comity.run")
    ) {
        self.store = store
        self.dryRun = dryRun
        self.workspace = workspace
        self.limits = limits
        self.parameters = parameters
        self.now = now
        self.timeZone = timeZone
        self.api = api
        self.logger = logger
    }

    /// Folders `require` loads modules from.
    public var moduleRoots: [URL] {
        [workspace.appendingPathComponent("Scripts"), workspace.appendingPathComponent("Plugins")]
    }

    /// Runs one script file (a path relative to the workspace, or absolute); `output`
    /// receives each printed line. Never throws: a failure is the run's outcome. With
    /// a store the run is one transaction, committed only when the run succeeds and
    /// is not a dry run.
    public func run(file: String, shownAs name: String? = nil, output: @escaping (String) -> Void) -> ScriptRun {
        let shown = name ?? file
        let clock = ContinuousClock()
        let start = clock.now
        let runID = UUID().uuidString.lowercased()
        var report = RunReport()
        var outcome = ScriptRun.Outcome.succeeded
        do {
            if let store {
                // A failure throws out of the transaction, which rolls back: nothing of a
                // failed run is kept.
                try store.write(commit: !dryRun) { transaction in
                    try execute(file, shownAs: shown, runID: runID, transaction: transaction, report: &report, output: output)
                    // A committed run's changes stay in the audit under its id; only a dry
                    // run, whose audit is about to be rolled back, carries them out.
                    if dryRun { report.changes = try transaction.changes(byRun: runID) }
                    report.events = try transaction.events(byRun: runID)
                }
            } else {
                try execute(file, shownAs: shown, runID: runID, transaction: nil, report: &report, output: output)
            }
        } catch let failure as RunFailed {
            outcome = .failed(failure.error)
        } catch let error as LuaError {
            outcome = .failed(error)
        } catch {
            outcome = .failed(LuaError(.runtime, "\(error)"))
        }
        let run = ScriptRun(
            id: runID, file: shown, workflowName: report.workflowName, outcome: outcome, dryRun: dryRun,
            duration: clock.now - start, memoryPeak: report.memoryPeak,
            changes: outcome == .succeeded ? report.changes : [], events: outcome == .succeeded && !dryRun ? report.events : [])
        logger.debug(
            "run finished",
            metadata: [
                "run": "\(runID)", "file": "\(shown)", "outcome": "\(run.succeeded ? "succeeded" : "failed")",
                "duration": "\(run.duration)", "memory_peak": "\(run.memoryPeak)", "events": "\(run.events.count)",
            ])
        return run
    }

    /// What a run gathers on its way.
    private struct RunReport {
        var workflowName: String?
        var memoryPeak = 0
        var changes: [AuditEntry] = []
        var events: [DomainEvent] = []
    }

    /// Carries a script's failure out of the store's transaction, which it rolls back.
    private struct RunFailed: Error {
        let error: LuaError
    }

    private func execute(
        _ file: String, shownAs shown: String, runID: String, transaction: (any StoreTransaction)?, report: inout RunReport,
        output: @escaping (String) -> Void
    ) throws {
        let sandbox = try LuaSandbox(limits: limits, moduleRoots: moduleRoots, output: output)
        defer {
            sandbox.close()
            report.memoryPeak = sandbox.state.memoryPeak
        }
        do throws(LuaError) {
            let params = try parameterTable()
            try sandbox.state.setGlobal("params", params)
            try WorkflowDeclaration.install(in: sandbox.state)
            try api.install(in: sandbox, now: now ?? Timestamp(Date()), timeZone: timeZone,
                            schema: store?.schema ?? .standard, transaction: transaction, run: runID)
            let path = file.hasPrefix("/") ? file : workspace.appendingPathComponent(file).path
            let results = try sandbox.runFile(path, chunkName: shown)
            if let declaration = try WorkflowDeclaration(results.first) {
                report.workflowName = declaration.name
                let context = LuaTable(hash: [
                    "params": params,
                    "dry_run": .boolean(dryRun),
                    "run_id": .string(LuaString(runID)),
                    "workflow": .string(LuaString(declaration.name)),
                    "trigger": .table(LuaTable(hash: ["kind": "manual"])),
                ])
                try sandbox.state.call(declaration.run, [.table(context)])
            }
        } catch {
            throw RunFailed(error: error)
        }
    }

    private func parameterTable() throws(LuaError) -> LuaValue {
        var table = LuaTable()
        for (key, value) in parameters { table[key] = .string(LuaString(value)) }
        return .table(table)
    }
}
