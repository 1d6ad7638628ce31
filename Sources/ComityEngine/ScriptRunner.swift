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
    public var logger: Logger

    public init(
        workspace: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        limits: LuaLimits = .default, parameters: [String: String] = [:], now: Timestamp? = nil,
        timeZone: TimeZone = .gmt, api: APIRegistry = .core, logger: Logger = Logger(label: "comity.run")
    ) {
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
    /// receives each printed line. Never throws: a failure is the run's outcome.
    public func run(file: String, output: @escaping (String) -> Void) -> ScriptRun {
        let clock = ContinuousClock()
        let start = clock.now
        var workflowName: String?
        var peak = 0
        let outcome: ScriptRun.Outcome
        do {
            let sandbox = try LuaSandbox(limits: limits, moduleRoots: moduleRoots, output: output)
            defer {
                sandbox.close()
                peak = sandbox.state.memoryPeak
            }
            let params = try parameterTable()
            try sandbox.state.setGlobal("params", params)
            try WorkflowDeclaration.install(in: sandbox.state)
            try api.install(in: sandbox, now: now ?? Timestamp(Date()), timeZone: timeZone)
            let path = file.hasPrefix("/") ? file : workspace.appendingPathComponent(file).path
            let results = try sandbox.runFile(path, chunkName: file)
            if let declaration = try WorkflowDeclaration(results.first) {
                workflowName = declaration.name
                let context = LuaTable(hash: [
                    "params": params,
                    "dry_run": false,
                    "workflow": .string(LuaString(declaration.name)),
                    "trigger": .table(LuaTable(hash: ["kind": "manual"])),
                ])
                try sandbox.state.call(declaration.run, [.table(context)])
            }
            outcome = .succeeded
        } catch {
            outcome = .failed(error)
        }
        let run = ScriptRun(
            file: file, workflowName: workflowName, outcome: outcome,
            duration: clock.now - start, memoryPeak: peak)
        logger.debug(
            "run finished",
            metadata: [
                "file": "\(file)", "outcome": "\(run.succeeded ? "succeeded" : "failed")",
                "duration": "\(run.duration)", "memory_peak": "\(peak)",
            ])
        return run
    }

    private func parameterTable() throws(LuaError) -> LuaValue {
        var table = LuaTable()
        for (key, value) in parameters { table[key] = .string(LuaString(value)) }
        return .table(table)
    }
}
