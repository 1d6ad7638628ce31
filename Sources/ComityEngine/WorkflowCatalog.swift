import ComityCore
import Foundation
import HumanReadable
import LuaBridge
import Synchronization

/// The workflows of a workspace: every `Scripts/*.lua` that returns a declaration,
/// read by running only the script's top level, in a sandbox with no database.
public struct WorkflowCatalog: Sendable, Equatable {
    /// One per script that declares a workflow (or failed to be read), by file name.
    public var workflows: [WorkflowSummary]

    public init(workflows: [WorkflowSummary]) { self.workflows = workflows }

    /// Reads the declarations in `workspace/Scripts`. A script that fails to load is
    /// listed with its error; two scripts declaring one name are both marked.
    /// - Parameter pluginWorkflows: workflow files plugins provide (`Plugins/NAME/track.lua`),
    ///   read after the scripts.
    public static func load(workspace: URL, schema: DomainSchema = .standard, api: APIRegistry = .core,
                            timeZone: TimeZone = .gmt, pluginWorkflows: [String] = []) -> WorkflowCatalog {
        let folder = workspace.appendingPathComponent("Scripts")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".lua") && !$0.hasSuffix("_spec.lua") }
            .sorted()
        var workflows: [WorkflowSummary] = []
        for file in names.map({ "Scripts/\($0)" }) + pluginWorkflows {
            let name = URL(fileURLWithPath: file).lastPathComponent
            // A plain script (no `workflow {` or `workflow(` in it) is not run at all: its
            // top level is its work, and may need the database.
            guard let source = try? String(contentsOf: workspace.appendingPathComponent(file), encoding: .utf8),
                  source.range(of: #"\bworkflow\s*[{(]"#, options: .regularExpression) != nil else { continue }
            switch watchedRead(file, workspace: workspace, schema: schema, api: api, timeZone: timeZone) {
            case .success(nil): continue // a plain script
            case .success(let summary?): workflows.append(summary)
            case .failure(let error):
                workflows.append(WorkflowSummary(name: String(name.dropLast(4)), file: file, description: nil, triggers: [],
                                                 schedule: nil, parameters: [],
                                                 error: error.message.hasPrefix(file) ? error.message : "\(file): \(error.message)"))
            }
        }
        var files: [String: [String]] = [:]
        for workflow in workflows where workflow.error == nil { files[workflow.name, default: []].append(workflow.file) }
        for index in workflows.indices {
            if let same = files[workflows[index].name], same.count > 1 {
                workflows[index].error = "two workflows are named '\(workflows[index].name)': \(same.joined(separator: " and ")); rename one"
            }
        }
        return WorkflowCatalog(workflows: workflows)
    }

    /// The catalog as `load` makes it, read again only when a script in `Scripts/` was
    /// added, removed or changed (name, size, modification time): every run that
    /// commits events asks for it.
    public static func current(workspace: URL, schema: DomainSchema, api: APIRegistry, timeZone: TimeZone,
                               pluginWorkflows: [String] = []) -> WorkflowCatalog {
        let folder = workspace.appendingPathComponent("Scripts")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".lua") }.sorted()
            .map { "Scripts/\($0)" } + pluginWorkflows
        let signature = names.map { name -> String in
            let attributes = try? FileManager.default.attributesOfItem(atPath: workspace.appendingPathComponent(name).path)
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(name)\t\(attributes?[.size] as? Int ?? -1)\t\(modified)"
        }.joined(separator: "\n") + "\n" + schema.eventNames.joined(separator: ",")
        let key = workspace.standardizedFileURL.path
        if let known = cache.withLock({ $0[key] }), known.signature == signature { return known.catalog }
        let catalog = load(workspace: workspace, schema: schema, api: api, timeZone: timeZone, pluginWorkflows: pluginWorkflows)
        cache.withLock { $0[key] = (signature, catalog) }
        return catalog
    }

    private static let cache = Mutex<[String: (signature: String, catalog: WorkflowCatalog)]>([:])

    /// The limits a script's top level is read under, whatever the workflow's own
    /// `limits` say (those are for its runs): a declaration is a table, and reading one
    /// takes milliseconds.
    public static let readingLimits = LuaLimits(memory: 16 << 20, time: .seconds(1), instructions: nil, output: 64 << 10)

    /// How long past the time limit a read may go before it is given up: the limit
    /// trips at the next Lua instruction, so only a library call that no limit reaches
    /// can take longer.
    static let readingMargin: Duration = .seconds(2)

    /// Files (by path, size and modification time) whose read had to be given up:
    /// not read again until they change, so a daemon does not leave one stuck thread
    /// per rescan.
    private static let givenUp = Mutex<Set<String>>([])

    /// ``read(_:workspace:schema:api:timeZone:)`` on a thread of its own, waited for
    /// ``readingLimits``' time plus ``readingMargin``. A read that has not finished by
    /// then is left to finish (or not) on its own, and the script is listed with an
    /// error: one script that hangs must not stop `workflows`, `tick` or the daemon.
    static func watchedRead(_ file: String, workspace: URL, schema: DomainSchema, api: APIRegistry,
                            timeZone: TimeZone) -> Result<WorkflowSummary?, LuaError> {
        let path = file.hasPrefix("/") ? file : workspace.appendingPathComponent(file).path
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let key = "\(path)\t\(attributes?[.size] as? Int ?? -1)\t\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        let limit = DurationText.format(readingLimits.time ?? .seconds(1))
        let stuck = LuaError(.runtime, "\(file): not read: its top level did not finish within the \(limit) a declaration may take, "
                             + "and could not be stopped; skipped until the file changes")
        if givenUp.withLock({ $0.contains(key) }) { return .failure(stuck) }

        let outcome = ReadOutcome()
        // The registry is built before any read and never changed after: the reading
        // thread only installs it into its own Lua state.
        let shared = UncheckedRegistry(api: api)
        let thread = Thread {
            let result: Result<WorkflowSummary?, LuaError>
            do throws(LuaError) {
                result = .success(try read(file, workspace: workspace, schema: schema, api: shared.api, timeZone: timeZone)?
                    .summary(file: file))
            } catch {
                result = .failure(error)
            }
            outcome.finish(result)
        }
        thread.stackSize = 16 << 20 // Lua's C stack
        thread.name = "comity-declaration"
        thread.start()
        let wait = (readingLimits.time ?? .seconds(1)) + readingMargin
        if let result = outcome.wait(for: wait) { return result }
        givenUp.withLock { _ = $0.insert(key) }
        return .failure(stuck)
    }

    /// The declaration a script returns, or nil for a plain script. Only its top level
    /// runs, under ``readingLimits``; record functions are not bound, so it cannot
    /// touch the database.
    static func read(_ file: String, workspace: URL, schema: DomainSchema, api: APIRegistry,
                     timeZone: TimeZone) throws(LuaError) -> WorkflowDeclaration? {
        let sandbox = try LuaSandbox(
            limits: readingLimits,
            moduleRoots: [workspace.appendingPathComponent("Scripts"), workspace.appendingPathComponent("Plugins")],
            output: { _ in })
        defer { sandbox.close() }
        try sandbox.state.setGlobal(HostGlobal.params.rawValue, .table(LuaTable()))
        try WorkflowDeclaration.install(in: sandbox.state, schema: schema)
        let context = try api.install(in: sandbox, now: Timestamp(Date()), timeZone: timeZone, schema: schema)
        let path = file.hasPrefix("/") ? file : workspace.appendingPathComponent(file).path
        // A plugin's workflow is read as the plugin, as it runs: in its own environment.
        let plugins = workspace.appendingPathComponent("Plugins")
        let owner = try PluginCodeOwner.plugin(owning: URL(fileURLWithPath: path), in: plugins)
        var environment: LuaReference?
        if let owner {
            let runtime = try PluginRuntime(catalog: PluginCatalog(plugins: []), sandbox: sandbox, context: context, folder: plugins,
                                            readingOnly: true)
            context.plugins = runtime
            environment = try runtime.environment(for: owner)
        } else {
            PluginRuntime.refusePluginModules(in: sandbox, workspace: workspace)
        }
        let results = try sandbox.runFile(path, chunkName: file, environment: environment)
        let declaration = try WorkflowDeclaration(results.first, schema: schema)
        if let owner, let declaration { try PluginCodeOwner.checkWorkflowName(declaration.name, plugin: owner, file: file) }
        return declaration
    }

    /// The workflows an event starts, in file order; those with errors never start.
    public func triggered(by event: String) -> [WorkflowSummary] {
        workflows.filter { $0.error == nil && $0.triggers.contains { EventPattern.matches($0, event) } }
    }

    public func workflow(named name: String) -> WorkflowSummary? {
        workflows.first { $0.name == name && $0.error == nil }
    }
}

/// The result of one declaration's read, handed from its thread to the one waiting.
private final class ReadOutcome: Sendable {
    private let result = Mutex<Result<WorkflowSummary?, LuaError>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ value: Result<WorkflowSummary?, LuaError>) {
        result.withLock { $0 = value }
        done.signal()
    }

    /// The result, or nil when none came within `duration`.
    func wait(for duration: Duration) -> Result<WorkflowSummary?, LuaError>? {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        guard done.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return nil }
        return result.withLock { $0 }
    }
}

private struct UncheckedRegistry: @unchecked Sendable {
    let api: APIRegistry
}
