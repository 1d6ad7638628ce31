import ArgumentParser
import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import Logging
import LuaBridge

/// The workspace around the current folder with its database open. Opening writes the
/// run records that waited for the database (`RunRecordSpool`), then finds runs left
/// `running` by a process that is gone (a crash, SIGKILL) and marks them `interrupted`.
struct OpenedWorkspace {
    let workspace: Workspace
    let store: SQLiteStore

    /// The workspace around the current folder; when there is none, says so and exits 1.
    static func current() throws -> Workspace {
        do {
            return try Workspace.find(from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        } catch {
            throw CommandFailure.report("\(error)")
        }
    }

    /// Outside a workspace (no comity.lua here or above) only an explicit `--database`
    /// is opened: a user in the wrong folder would otherwise get a new, empty database
    /// and seem to have lost their data.
    /// - Parameter refusedRuns: the runs the command was to make, recorded as failed
    ///   (in the spool, for the next command to write) when the database cannot even be
    ///   opened: every run is recorded, however it ended.
    static func open(database: String? = nil, databaseOption: Bool = false,
                     refusedRuns: (_ error: String) -> [RunRecord] = { _ in [] }) throws -> OpenedWorkspace {
        let workspace = try current()
        guard workspace.configured || database != nil else {
            throw CommandFailure.report("not a Comity workspace (no comity.lua here or above); run 'comity init'"
                + (databaseOption ? " or pass --database" : " first"))
        }
        let path = database ?? workspace.databasePath
        do {
            let store = try SQLiteStore(path: path, schema: workspace.schema,
                                        busyTimeout: Double(workspace.lockTimeout.components.seconds)
                                            + Double(workspace.lockTimeout.components.attoseconds) / 1e18)
            markInterruptedRuns(store)
            return OpenedWorkspace(workspace: workspace, store: store)
        } catch let error as StoreError where error.kind == .locked {
            let spool = RunRecordSpool(database: path)
            for record in refusedRuns("not run: the database could not be opened: \(error)") { try? spool.keep(record) }
            Output.error("error: \(error)\n")
            throw ExitCode(1)
        } catch {
            Output.error("error: \(error)\n")
            throw ExitCode(1)
        }
    }

    /// A run that never started, as its record says so.
    static func refusedRun(id: String = UUID().uuidString.lowercased(), file: String, error: String,
                           parameters: [String: String] = [:]) -> RunRecord {
        let now = Timestamp(Date())
        return RunRecord(id: id, workflow: nil, file: file, contentHash: "", trigger: .manual, parameters: parameters,
                         clock: now, startedAt: now, endedAt: now, outcome: .failed, error: error)
    }

    /// Looks with a read (a run going on elsewhere holds the write lock, and listing runs
    /// must not wait for it); writes only when a dead process's run is found, and
    /// leaves it to the next command when the database is busy.
    private static func markInterruptedRuns(_ store: SQLiteStore) {
        do {
            for id in try store.markRunsOfEndedProcesses(spool: RunRecordSpool(database: store.path)) {
                Output.error("notice: run \(id) was interrupted (its process stopped); marked so in the history\n")
            }
        } catch {
            Output.error("notice: interrupted runs not checked this time: \(error)\n")
        }
    }

    /// A runner over this workspace, for runs the queue or a retry starts.
    func runner(logger: Logger) -> ScriptRunner {
        let (plugins, api) = workspace.pluginsAndAPI()
        var runner = ScriptRunner(
            workspace: workspace.folder, timeZone: workspace.timeZone, api: api, store: store,
            logger: logger, maxTriggerDepth: workspace.maxTriggerDepth)
        runner.plugins = plugins
        runner.maxFileSize = workspace.files.maxSize
        runner.spool = RunRecordSpool(database: store.path)
        return runner
    }
}

extension OpenedWorkspace {
    /// Runs `body` with the workspace's plugin formats; a plugin's or its Lua's error
    /// becomes `error: ...` and exit 1.
    func withPluginExchange<T>(_ body: (PluginExchange) throws -> T) throws -> T {
        let runner = runner(logger: Logger(label: "comity.exchange"))
        do {
            let exchange = try PluginExchange(workspace: workspace.folder, store: store, api: runner.api,
                                              plugins: runner.plugins ?? PluginCatalog(plugins: []), timeZone: workspace.timeZone,
                                              output: { Output.error($0 + "\n") })
            return try body(exchange)
        } catch let error as PluginError {
            throw CommandFailure.report(error.message)
        } catch let error as LuaError {
            throw CommandFailure.report(error.message)
        }
    }
}

/// swift-log on standard error at the level asked for.
enum CommandLogging {
    static func bootstrap(_ level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Colour for terminals only, and never when NO_COLOR is set (no-color.org).
enum TerminalStyle {
    static let enabled: Bool = isatty(STDOUT_FILENO) != 0 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty

    static func outcome(_ text: String) -> String {
        guard enabled else { return text }
        switch text {
        case "succeeded": return "\u{1B}[32m\(text)\u{1B}[0m"
        case "running", "skipped", "partial": return "\u{1B}[33m\(text)\u{1B}[0m"
        default: return "\u{1B}[31m\(text)\u{1B}[0m"
        }
    }
}

/// JSON for `--json`: keys sorted, so that output diffs well, and snake_case as the Lua
/// API's names are (`default_value`, `next_slot`), whatever the Swift property is called.
/// Keys of dictionaries (a run's parameters) are data and stay as they are.
enum JSONOutput {
    static func print<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        Output.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// A command that cannot do what was asked: `error: ...` on standard error, exit 1
/// (usage is printed only for mistakes in the arguments themselves).
enum CommandFailure {
    static func report(_ message: String) -> ExitCode {
        Output.error("error: \(message)\n")
        return ExitCode(1)
    }
}
