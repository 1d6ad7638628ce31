import ArgumentParser
import ComityCore
import ComityEngine
import ComityService
import Foundation
import HumanReadable
import Logging
import LuaBridge

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run Lua scripts, each as its own run in a fresh sandbox.",
        discussion: """
            Files run in the order given, in one process. Each run is one transaction on the \
            workspace's database: committed when the run succeeds, rolled back when it fails or \
            with --dry-run. A failed run prints `file:line: message` on standard error and the \
            next file still runs, unless --fail-fast. The exit status is 1 when any run failed. \
            A script sees its parameters as the table `params` (values are strings). A script that \
            returns `workflow { name = ..., run = function(ctx) ... end }` has `run` called with \
            `ctx.params`, `ctx.workflow`, `ctx.trigger`, `ctx.dry_run` and `ctx.run_id`.
            """
    )

    @Argument(help: "Lua files to run.", completion: .file(extensions: ["lua"]))
    var files: [String]

    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("A run parameter, key=value (repeatable).", valueName: "key=value"),
        transform: RunParameter.parse)
    var parameters: [RunParameter] = []

    @Option(help: ArgumentHelp("Memory a run may hold, e.g. 64MB, 512KB (default 64MB; 0 for no limit).", valueName: "size"))
    var maxMemory: ByteSize?

    @Option(help: ArgumentHelp("Wall-clock time of a run, e.g. 10s, 500ms, 2m (default 10s; 0 for no limit).", valueName: "duration"), transform: TimeSpan.read)
    var timeout: TimeSpan?

    @Option(help: ArgumentHelp("Lua instructions a run may execute (default: no limit; counting slows loops about 2x).", valueName: "n"))
    var maxInstructions: Int64?

    @Option(help: ArgumentHelp("Bytes a run may print (default 1MB; 0 for no limit).", valueName: "size"))
    var maxOutput: ByteSize?

    @Option(help: ArgumentHelp(
        "Bytes of ctx.log a run keeps in its record, later lines dropped and counted (default 1MB; 0 for no limit).",
        valueName: "size"))
    var maxLog: ByteSize?

    @Option(help: ArgumentHelp(
        "The run's clock, ISO 8601 (2021-01-26, 2021-01-26T11:00, 2021-01-26T11:00:00+03:00); default: now.",
        valueName: "time"))
    var now: String?

    @Option(name: .customLong("as"), help: ArgumentHelp(
        "Run as this person (an id, an email or a name): the script sees and changes only what they may.", valueName: "person"))
    var actingAs: String?

    @Flag(help: "Roll back whatever each run writes, and print the changes it would have made.")
    var dryRun = false

    @Option(help: ArgumentHelp("The database to use instead of the workspace's: an SQLite file, or a postgres:// URL.", valueName: "path-or-url"))
    var database: String?

    @Flag(help: "Stop at the first failed run.")
    var failFast = false

    @Flag(help: "Leave the runs its events queue to `comity worker` or `comity daemon` instead of running them now.")
    var leaveQueued = false

    @Option(help: ArgumentHelp("Log level on standard error: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func validate() throws {
        var seen = Set<String>()
        for parameter in parameters where !seen.insert(parameter.key).inserted {
            throw ValidationError("--param '\(parameter.key)' is given twice")
        }
        if let now {
            do {
                _ = try Timestamp(parsing: now, field: "--now")
            } catch {
                throw ValidationError(error.message)
            }
        }
        if let maxInstructions, maxInstructions < 0 {
            throw ValidationError("--max-instructions must be 0 or more, got \(maxInstructions)")
        }
    }

    func run() throws {
        CommandLogging.bootstrap(logLevel)
        let engine = try CommandEngine.open(database: database, databaseOption: true) { error in
            files.map { Engine.refusedRun(file: $0, error: error) }
        }
        var options = RunOptions(dryRun: dryRun)
        options.leaveQueued = leaveQueued
        options.actingAs = actingAs
        if maxMemory != nil || timeout != nil || maxInstructions != nil || maxOutput != nil {
            var limits = LuaLimits.default
            if let maxMemory { limits.memory = maxMemory.bytes == 0 ? nil : maxMemory.bytes }
            if let timeout { limits.time = timeout.duration }
            if let maxInstructions { limits.instructions = maxInstructions == 0 ? nil : maxInstructions }
            if let maxOutput { limits.output = maxOutput.bytes == 0 ? nil : maxOutput.bytes }
            options.limits = limits
        }
        if let maxLog { options.maxLog = .some(maxLog.bytes == 0 ? nil : maxLog.bytes) }
        options.parameters = Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.value) })
        options.now = try now.map { text throws(DomainError) in try Timestamp(parsing: text, in: engine.workspace.timeZone, field: "--now") }

        // On a terminal, a progress line on standard error once a run takes a while.
        let progress = isatty(STDERR_FILENO) != 0 ? RunProgress() : nil
        options.progress = progress
        let ticker = progress.map { ProgressLine(progress: $0) }
        ticker?.start()
        defer { ticker?.stop() }

        var failures = 0
        for file in files {
            let ran = try engine.run(file: file, options: options) { line in Output.print(line) }
            let run = ran.run
            if dryRun, run.succeeded { Output.print(ChangeReport.text(for: run), terminator: "") }
            if let error = run.outcome.error {
                failures += 1
                Output.error(ErrorReport.text(for: error))
                if failFast { break }
            }
            failures += QueuedRunReport.failures(ran.queued)
        }
        if failures > 0 { throw ExitCode(1) }
    }
}

/// Redraws `12,345 records written (4,100/s)` on standard error every second, from
/// the second second on; erased at the end.
final class ProgressLine: @unchecked Sendable {
    let progress: RunProgress
    private let queue = DispatchQueue(label: "comity.progress")
    private let timer: any DispatchSourceTimer
    /// Touched only on `queue`.
    private var shown = false

    init(progress: RunProgress) {
        self.progress = progress
        timer = DispatchSource.makeTimerSource(queue: queue)
    }

    func start() {
        timer.schedule(deadline: .now() + 2, repeating: 1)
        timer.setEventHandler { [self] in
            shown = true
            Output.error("\r\u{1B}[K  \(progress.summary)")
        }
        timer.resume()
    }

    func stop() {
        timer.cancel()
        // On the handler's serial queue: after any redraw under way.
        queue.sync {
            if shown { Output.error("\r\u{1B}[K") }
        }
    }
}

/// `--param key=value`.
struct RunParameter {
    var key: String
    var value: String

    static func parse(_ argument: String) throws -> RunParameter {
        guard let equals = argument.firstIndex(of: "=") else {
            throw ValidationError("--param '\(argument)' must be key=value, e.g. --param days=14")
        }
        let key = String(argument[..<equals])
        guard !key.isEmpty else { throw ValidationError("--param '\(argument)' has no key before '='") }
        return RunParameter(key: key, value: String(argument[argument.index(after: equals)...]))
    }
}

struct ByteSize: ExpressibleByArgument {
    var bytes: Int
    init?(argument: String) {
        guard let bytes = ByteCount.parse(argument) else { return nil }
        self.bytes = bytes
    }
}

struct TimeSpan: ExpressibleByArgument {
    var duration: Duration?

    init(_ duration: Duration?) { self.duration = duration }

    var defaultValueDescription: String { duration.map(DurationText.format) ?? "0" }

    init?(argument: String) {
        guard let span = try? Self.read(argument) else { return nil }
        self = span
    }

    /// The span `argument` says (`0`: none), or why it is not one: given to each
    /// option as its transform, so that the error names the reason, not only the value.
    static func read(_ argument: String) throws -> TimeSpan {
        if argument.trimmingBlanks() == "0" { return TimeSpan(nil) }
        return TimeSpan(try DurationText.read(argument))
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// What a dry run would have changed, record by record.
enum ChangeReport {
    static func text(for run: ScriptRun) -> String {
        // What its events would have queued, had it committed.
        let queued = run.wouldQueue.map { "  it would queue \($0.workflow) (on \($0.event))\n" }.joined()
        guard !run.changes.isEmpty else { return "dry run of \(run.file): no changes\n" + queued }
        // Counted as `comity runs` counts them (records), then each change listed.
        let counts = "created \(run.record.recordsCreated) and changed \(run.record.recordsChanged) record(s)"
        var text = "dry run of \(run.file): rolled back; it would have \(counts), \(run.changes.count) change(s):\n"
        var current: RecordReference?
        for change in run.changes {
            if change.record != current {
                text += "  \(change.record)\n"
                current = change.record
            }
            switch change.action {
            case .create: text += "    created \(change.newValue ?? "")\n"
            case .update, .step, .access, .erase:
                text += "    \(change.field ?? "?"): \(change.oldValue ?? "nil") -> \(change.newValue ?? "nil")\n"
            case .archive: text += "    archived\n"
            case .restore: text += "    restored\n"
            }
        }
        return text + queued
    }
}

/// How a failed run is shown: its message, then the traceback for runtime errors.
enum ErrorReport {
    static func text(for error: LuaError) -> String {
        // A message placed in a script (`FILE:LINE: ...`) reads as a compiler's does; one
        // about the command itself (a --param the workflow lacks) is an error like any other.
        var text = (located(error.message) || error.message.hasPrefix("error: ") ? "" : "error: ") + error.message + "\n"
        if error.kind == .runtime, !error.traceback.isEmpty {
            text += "stack traceback:" + error.traceback + "\n"
        }
        return text
    }

    /// Whether `message` starts with a place in a file, `name:line:`.
    static func located(_ message: String) -> Bool {
        let parts = message.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count == 3 && !parts[0].contains(" ") && !parts[1].isEmpty && parts[1].allSatisfy(\.isNumber)
    }
}
