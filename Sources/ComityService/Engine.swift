import ComityCore
import ComityEngine
import ComityScheduler
import ComitySQLite
import Foundation
import Logging

/// The engine service: a workspace with its database open, and everything that runs
/// in it. The command line, the daemon, specs and (later) the HTTP server and workers
/// call it and only parse and print: a file or workflow run with the runs its events
/// queue, draining the queue, a retry, a tick, backfill, a report, an import, the
/// repl's statements and the daemon's loop.
///
/// What a run prints comes through an `output` callback, line by line; results are
/// values; failures are ``EngineError``s (or, for a store that gives out, its own error).
/// One engine is used from one thread at a time.
public final class Engine {
    public let workspace: Workspace
    /// The SQLite file, or the PostgreSQL database of `store = { postgres = ... }`.
    public let store: any Store
    /// Where run records wait that the database could not take when their run ended.
    public let spool: RunRecordSpool
    /// The folder relative paths are read from (where the command was started).
    public let currentFolder: URL
    private var pluginsAndAPI: (plugins: PluginCatalog, api: APIRegistry)?

    init(workspace: Workspace, store: any Store, spool: RunRecordSpool, currentFolder: URL) {
        self.workspace = workspace
        self.store = store
        self.spool = spool
        self.currentFolder = currentFolder
    }

    /// The workspace around `folder` (the nearest one with `comity.lua`), unopened.
    public static func workspace(around folder: URL) throws(EngineError) -> Workspace {
        do {
            return try Workspace.find(from: folder)
        } catch {
            throw .failed("\(error)")
        }
    }

    /// Opens the workspace around `folder` and its database. Opening writes the run
    /// records that waited for the database (``RunRecordSpool``), then finds runs left
    /// `running` by a process that is gone (a crash, SIGKILL) and marks them `interrupted`,
    /// saying so through `notice`.
    ///
    /// Outside a workspace (no comity.lua here or above) only an explicit `database` is
    /// opened: a user in the wrong folder would otherwise get a new, empty database and
    /// seem to have lost their data.
    /// - Parameters:
    ///   - databaseOption: whether the caller can name a database (the message says how).
    ///   - refusedRuns: the runs the caller was to make, recorded as failed (in the spool,
    ///     for the next command to write) when the database is locked past the wait:
    ///     every run is recorded, however it ended.
    public static func open(
        around folder: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath), database: String? = nil,
        databaseOption: Bool = false, refusedRuns: (_ error: String) -> [RunRecord] = { _ in [] },
        notice: (String) -> Void = { _ in }
    ) throws(EngineError) -> Engine {
        let workspace = try Self.workspace(around: folder)
        guard workspace.configured || database != nil else {
            throw .failed("not a Comity workspace (no comity.lua here or above); run 'comity init'"
                + (databaseOption ? " or pass --database" : " first"))
        }
        let lockWait = Double(workspace.lockTimeout.components.seconds) + Double(workspace.lockTimeout.components.attoseconds) / 1e18
        let postgresURL = database.map { Self.isPostgresURL($0) ? $0 : nil } ?? workspace.postgresURL
        let path = database.flatMap { Self.isPostgresURL($0) ? nil : $0 } ?? workspace.databasePath
        let remote = try postgresURL.map { url throws(EngineError) in try RemoteStores.opener(for: url) }
        let spool = postgresURL.flatMap { url in remote.map { Self.spool(named: $0.spoolName(url: url), workspace: workspace) } }
            ?? RunRecordSpool(database: path)
        let store: any Store
        do {
            if let postgresURL, let remote {
                store = try remote.open(url: postgresURL, schema: workspace.schema, lockWait: lockWait,
                                        idleInTransactionTimeout: Double(workspace.postgresIdleTimeout.components.seconds))
            } else {
                store = try SQLiteStore(path: path, schema: workspace.schema, busyTimeout: lockWait)
            }
        } catch let error as StoreError where error.kind == .locked {
            for record in refusedRuns("not run: the database could not be opened: \(error)") { try? spool.keep(record) }
            throw .failed("\(error)")
        } catch let error as StoreError where error.kind == .notWritable && postgresURL == nil {
            throw .failed("\(error) (" + (database == nil ? "database in comity.lua" : "--database") + ")")
        } catch {
            throw .failed("\(error)")
        }
        markInterruptedRuns(store, spool: spool, notice: notice)
        return Engine(workspace: workspace, store: store, spool: spool, currentFolder: folder)
    }

    static func isPostgresURL(_ text: String) -> Bool { text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") }

    /// A PostgreSQL workspace's spool: in the workspace's `.comity/`, one per database.
    static func spool(named name: String, workspace: Workspace) -> RunRecordSpool {
        RunRecordSpool(folder: workspace.folder.appendingPathComponent(".comity/\(name).pending-runs"))
    }

    /// Looks with a read (a run going on elsewhere holds the write lock, and listing runs
    /// must not wait for it); writes only when a dead process's run is found, and
    /// leaves it to the next command when the database is busy.
    private static func markInterruptedRuns(_ store: any Store, spool: RunRecordSpool, notice: (String) -> Void) {
        do {
            for id in try store.markRunsOfEndedProcesses(spool: spool) {
                notice("notice: run \(id) was interrupted (its process stopped); marked so in the history")
            }
        } catch {
            notice("notice: interrupted runs not checked this time: \(error)")
        }
    }

    /// A run that never started, as its record says so.
    public static func refusedRun(id: String = RunRecord.newID(), file: String, error: String,
                                  parameters: [String: String] = [:]) -> RunRecord {
        let now = Timestamp(Date())
        return RunRecord(id: id, workflow: nil, file: file, contentHash: "", trigger: .manual, parameters: parameters,
                         clock: now, startedAt: now, endedAt: now, outcome: .failed, error: error)
    }

    /// The workspace's plugins and the API with their functions, worked out once.
    public var plugins: PluginCatalog { loadedPluginsAndAPI().plugins }
    public var api: APIRegistry { loadedPluginsAndAPI().api }

    private func loadedPluginsAndAPI() -> (plugins: PluginCatalog, api: APIRegistry) {
        if let pluginsAndAPI { return pluginsAndAPI }
        let loaded = workspace.pluginsAndAPI()
        pluginsAndAPI = loaded
        return loaded
    }

    /// A runner over this workspace: its plugins, limits of files, trigger depth and
    /// the spool for records the database cannot take.
    public func runner(logger: Logger) -> ScriptRunner {
        var runner = ScriptRunner(
            workspace: workspace.folder, timeZone: workspace.timeZone, api: api, store: store,
            logger: logger, maxTriggerDepth: workspace.maxTriggerDepth)
        runner.plugins = plugins
        runner.maxFileSize = workspace.files.maxSize
        runner.spool = spool
        runner.hookPrincipals = workspace.hooks.compactMapValues(\.runAs)
        return runner
    }

    /// The workspace's scheduler.
    /// - Parameter now: `--now`: the scheduler's clock starts there and runs on.
    public func scheduler(logger: Logger, now: Timestamp? = nil) -> Scheduler {
        let offset = now.map { $0.secondsSince1970 - Timestamp(Date()).secondsSince1970 } ?? 0
        return Scheduler(runner: runner(logger: logger), settings: workspace.scheduling) {
            Timestamp(secondsSince1970: Timestamp(Date()).secondsSince1970 + offset)
        }
    }

    /// The workspace's workflows, read again only when a script changes.
    public func catalog() -> WorkflowCatalog {
        WorkflowCatalog.current(workspace: workspace.folder, schema: workspace.schema, api: api, timeZone: workspace.timeZone,
                                pluginWorkflows: plugins.workflowFiles)
    }

    /// `path` as given by the caller: relative to ``currentFolder`` unless absolute.
    func resolved(_ path: String) -> String {
        path.hasPrefix("/") ? path : currentFolder.appendingPathComponent(path).path
    }

    /// `Scripts/intake.lua` for a file inside the workspace, as the history names it;
    /// nil for a file elsewhere.
    func workspacePath(_ path: String) -> String? {
        let root = workspace.folder.standardizedFileURL.path + "/"
        let file = URL(fileURLWithPath: path).standardizedFileURL.path
        return file.hasPrefix(root) ? String(file.dropFirst(root.count)) : nil
    }
}

extension Engine {
    /// Makes what is missing of a workspace in `folder` (comity.lua, Scripts/, Plugins/,
    /// inbox/, the database); returns what was made, nothing when it was complete.
    public static func initialise(_ folder: URL) throws -> [String] {
        try Workspace.initialise(folder) { workspace in
            if let url = workspace.postgresURL {
                return try RemoteStores.opener(for: url).open(url: url, schema: workspace.schema, lockWait: nil, idleInTransactionTimeout: nil)
            }
            return try SQLiteStore(path: workspace.databasePath, schema: workspace.schema)
        }
    }
}
