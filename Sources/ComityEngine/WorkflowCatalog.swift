import ComityCore
import Foundation
import HumanReadable
import LuaBridge
import Synchronization

/// The workflows of a workspace: every `Scripts/*.lua` that returns a declaration,
/// read by running only the script's top level, in a sandbox with no database.
public struct WorkflowCatalog: Sendable, Equatable, Codable {
    /// One per script that declares a workflow (or failed to be read), by file name.
    public var workflows: [WorkflowSummary]

    public init(workflows: [WorkflowSummary]) { self.workflows = workflows }

    /// Reads the declarations in `workspace/Scripts`. A script that fails to load is
    /// listed with its error; two scripts declaring one name are both marked.
    /// - Parameter pluginWorkflows: workflow files plugins provide (`Plugins/NAME/track.lua`),
    ///   read after the scripts.
    public static func load(workspace: URL, schema: DomainSchema = .standard, api: APIRegistry = .core,
                            timeZone: TimeZone = .gmt, pluginWorkflows: [String] = []) -> WorkflowCatalog {
        loadNoting(workspace: workspace, schema: schema, api: api, timeZone: timeZone, pluginWorkflows: pluginWorkflows).catalog
    }

    /// `load`, and whether what it read holds until a file changes: false when a read
    /// hit a limit or was given up (the machine may only have been busy), so that such
    /// a catalog is not stored for other processes.
    static func loadNoting(workspace: URL, schema: DomainSchema, api: APIRegistry, timeZone: TimeZone,
                           pluginWorkflows: [String]) -> (catalog: WorkflowCatalog, lasting: Bool) {
        var lasting = true
        let folder = workspace.appendingPathComponent("Scripts")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".lua") && !$0.hasSuffix("_spec.lua") }
            .sorted()
        var workflows: [WorkflowSummary] = []
        for file in names.map({ "Scripts/\($0)" }) + pluginWorkflows {
            let name = URL(fileURLWithPath: file).lastPathComponent
            // A plain script (no `workflow {` or `workflow(` in it) is not run at all: its
            // top level is its work, and may need the database.
            guard let source = FileManager.default.contents(atPath: workspace.appendingPathComponent(file).path),
                  mentionsWorkflow(source), String(data: source, encoding: .utf8) != nil else { continue }
            switch watchedRead(file, workspace: workspace, schema: schema, api: api, timeZone: timeZone) {
            case .success(nil): continue // a plain script
            case .success(let summary?): workflows.append(summary)
            case .failure(let error):
                if case .limit = error.kind { lasting = false }
                if error.message.hasSuffix(givenUpSuffix) { lasting = false }
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
        return (WorkflowCatalog(workflows: workflows), lasting)
    }

    /// Why the workflow the script at `path` declares would not run, read as `load`
    /// reads it (its top level only, with no database) and marked as a listing marks it
    /// (its schedule); nil for a plain script or a sound declaration. For `comity check`,
    /// which names the file `shown`.
    public static func declarationProblem(path: String, shownAs shown: String, workspace: URL, schema: DomainSchema,
                                          api: APIRegistry, timeZone: TimeZone) -> String? {
        guard let source = FileManager.default.contents(atPath: path), mentionsWorkflow(source) else { return nil }
        switch watchedRead(path, shownAs: shown, workspace: workspace, schema: schema, api: api, timeZone: timeZone) {
        case .success(nil): return nil
        case .success(let summary?): return summary.scheduleError
        case .failure(let error): return error.message
        }
    }

    /// Whether a script's text has `workflow {` or `workflow(` (a word, then maybe
    /// spaces): only such a script can declare one. A byte scan: no regular expression
    /// is compiled at start-up.
    static func mentionsWorkflow(_ source: Data) -> Bool {
        let word = Array("workflow".utf8)
        return source.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Bool in
            let bytes = raw.bindMemory(to: UInt8.self)
            func isWordByte(_ byte: UInt8) -> Bool {
                byte == UInt8(ascii: "_") || (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
                    || byte >= 0x80
            }
            var index = 0
            while index + word.count <= bytes.count {
                defer { index += 1 }
                guard bytes[index] == word[0], index == 0 || !isWordByte(bytes[index - 1]) else { continue }
                guard (1..<word.count).allSatisfy({ bytes[index + $0] == word[$0] }) else { continue }
                var next = index + word.count
                while next < bytes.count, [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains(bytes[next]) { next += 1 }
                if next < bytes.count, bytes[next] == UInt8(ascii: "{") || bytes[next] == UInt8(ascii: "(") { return true }
            }
            return false
        }
    }

    /// The catalog as `load` makes it, read again only when a file it may depend on
    /// changed: every `.lua` under `Scripts/` and `Plugins/` (modules and manifests
    /// included), `comity.lua`, and the comity binary itself (name, size, modification
    /// and change times, inode). Every run that commits events asks for it, and every
    /// tick; so that a new process need not run every script's top level again, the
    /// catalog is also kept in `.comity/workflows.json` with that signature.
    public static func current(workspace: URL, schema: DomainSchema, api: APIRegistry, timeZone: TimeZone,
                               pluginWorkflows: [String] = []) -> WorkflowCatalog {
        let signature = Self.signature(workspace: workspace, pluginWorkflows: pluginWorkflows)
            + "\n" + schema.eventNames.joined(separator: ",")
        let key = workspace.standardizedFileURL.path
        if let known = cache.withLock({ $0[key] }), known.signature == signature { return known.catalog }
        let stored = storedCatalogFile(workspace)
        if let kept = try? Data(contentsOf: stored), let file = try? JSONDecoder().decode(StoredCatalog.self, from: kept),
           file.signature == signature, file.catalog.namesOnlyFiles(stampedIn: signature) {
            cache.withLock { $0[key] = (signature, file.catalog) }
            return file.catalog
        }
        let (catalog, lasting) = loadNoting(workspace: workspace, schema: schema, api: api, timeZone: timeZone,
                                            pluginWorkflows: pluginWorkflows)
        cache.withLock { $0[key] = (signature, catalog) }
        // Kept only beside an existing `.comity/` (the default database's folder): a
        // workspace that keeps its database elsewhere, or a read-only one, reads afresh.
        // Written whole under a new name, then renamed: a reader sees one or the other.
        if lasting, FileManager.default.fileExists(atPath: stored.deletingLastPathComponent().path),
           let data = try? JSONEncoder().encode(StoredCatalog(signature: signature, catalog: catalog)) {
            try? data.write(to: stored, options: .atomic)
        }
        return catalog
    }

    /// Whether every workflow names a file the signature stamps (a script under
    /// `Scripts/` or `Plugins/` that exists): a kept catalog edited by hand to point a
    /// workflow at another file, or outside the workspace, is read afresh instead.
    func namesOnlyFiles(stampedIn signature: String) -> Bool {
        var stamped = Set<Substring>()
        for line in signature.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            if parts.count == 2, parts[1] != "-" { stamped.insert(parts[0]) }
        }
        return workflows.allSatisfy { workflow in
            (workflow.file.hasPrefix("Scripts/") || workflow.file.hasPrefix("Plugins/"))
                && !workflow.file.split(separator: "/").contains("..") && stamped.contains(Substring(workflow.file))
        }
    }

    /// Drops the catalog kept for `workspace`, in this process and on disk: a run found
    /// that a file no longer declares the workflow the catalog said it does.
    static func forgetKept(workspace: URL) {
        _ = cache.withLock { $0.removeValue(forKey: workspace.standardizedFileURL.path) }
        try? FileManager.default.removeItem(at: storedCatalogFile(workspace))
    }

    /// Where ``current(workspace:schema:api:timeZone:pluginWorkflows:)`` keeps the catalog between processes.
    static func storedCatalogFile(_ workspace: URL) -> URL {
        workspace.appendingPathComponent(".comity/workflows.json")
    }

    /// Forgets the catalogs this process read (tests: the next `current` reads the stored one).
    static func forgetRemembered() {
        cache.withLock { $0.removeAll() }
    }

    private struct StoredCatalog: Codable {
        var signature: String
        var catalog: WorkflowCatalog
    }

    /// What a catalog's read depends on, as one line per file: every `.lua` under
    /// `Scripts/` and `Plugins/` (folders starting with "." skipped), `comity.lua`,
    /// the plugin workflows, and the running binary.
    static func signature(workspace: URL, pluginWorkflows: [String]) -> String {
        var lines: [String] = []
        func stamp(_ path: String, as name: String) {
            var info = stat()
            guard stat(path, &info) == 0 else {
                lines.append("\(name)\t-")
                return
            }
            lines.append("\(name)\t\(info.st_size)\t\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\t"
                         + "\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)\t\(info.st_ino)")
        }
        // A folder linked to somewhere huge (or a loop) is not walked to its end: past
        // this many files the signature is one no other call makes, so the catalog is
        // read afresh, as it was before it was kept.
        var budget = 20_000
        func walk(_ folder: String, as shown: String, depth: Int) {
            guard depth < 16, budget > 0, let directory = opendir(folder) else { return }
            defer { closedir(directory) }
            var entries: [(name: String, folder: Bool)] = []
            while budget > 0, let entry = readdir(directory) {
                budget -= 1
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                guard !name.hasPrefix(".") else { continue }
                var isFolder = entry.pointee.d_type == UInt8(DT_DIR)
                if entry.pointee.d_type == UInt8(DT_LNK) || entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                    var info = stat()
                    isFolder = stat(folder + "/" + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
                }
                if isFolder || name.hasSuffix(".lua") { entries.append((name, isFolder)) }
            }
            for entry in entries.sorted(by: { $0.name < $1.name }) {
                if entry.folder {
                    walk(folder + "/" + entry.name, as: shown + "/" + entry.name, depth: depth + 1)
                } else {
                    stamp(folder + "/" + entry.name, as: shown + "/" + entry.name)
                }
            }
        }
        let root = workspace.path
        walk(root + "/Scripts", as: "Scripts", depth: 0)
        walk(root + "/Plugins", as: "Plugins", depth: 0)
        stamp(root + "/comity.lua", as: "comity.lua")
        for file in pluginWorkflows { stamp(file.hasPrefix("/") ? file : root + "/" + file, as: file) }
        // Another comity may read declarations otherwise. Through the link's target (as
        // valgrind, too, gives it), not the link itself.
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &target, Int(PATH_MAX))
        stamp(length > 0 ? String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/proc/self/exe",
              as: "comity")
        if budget <= 0 { return "unbounded " + UUID().uuidString }
        return lines.joined(separator: "\n")
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

    /// How a read that was given up ends its message.
    static let givenUpSuffix = "skipped until the file changes"

    /// ``read(_:workspace:schema:api:timeZone:)`` on a thread of its own, waited for
    /// ``readingLimits``' time plus ``readingMargin``. A read that has not finished by
    /// then is left to finish (or not) on its own, and the script is listed with an
    /// error: one script that hangs must not stop `workflows`, `tick` or the daemon.
    static func watchedRead(_ file: String, shownAs shown: String? = nil, workspace: URL, schema: DomainSchema, api: APIRegistry,
                            timeZone: TimeZone) -> Result<WorkflowSummary?, LuaError> {
        let path = file.hasPrefix("/") ? file : workspace.appendingPathComponent(file).path
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let key = "\(path)\t\(attributes?[.size] as? Int ?? -1)\t\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        let limit = DurationText.format(readingLimits.time ?? .seconds(1))
        let stuck = LuaError(.runtime, "\(shown ?? file): not read: its top level did not finish within the \(limit) a declaration may take, "
                             + "and could not be stopped; " + givenUpSuffix)
        if givenUp.withLock({ $0.contains(key) }) { return .failure(stuck) }

        let outcome = ReadOutcome()
        // The registry is built before any read and never changed after: the reading
        // thread only installs it into its own Lua state.
        let shared = UncheckedRegistry(api: api)
        let thread = Thread {
            let result: Result<WorkflowSummary?, LuaError>
            do throws(LuaError) {
                result = .success(try read(file, shownAs: shown, workspace: workspace, schema: schema, api: shared.api, timeZone: timeZone)?
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
    static func read(_ file: String, shownAs shown: String? = nil, workspace: URL, schema: DomainSchema, api: APIRegistry,
                     timeZone: TimeZone) throws(LuaError) -> WorkflowDeclaration? {
        let chunk = shown ?? file
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
        let results = try sandbox.runFile(path, chunkName: chunk, environment: environment)
        let declaration = try WorkflowDeclaration(results.first, schema: schema)
        if let owner, let declaration { try PluginCodeOwner.checkWorkflowName(declaration.name, plugin: owner, file: chunk) }
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
