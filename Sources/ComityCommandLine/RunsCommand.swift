import ArgumentParser
import ComityCore
import ComityEngine
import ComityService
import Foundation
import Logging

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "The run history: every run, manual, triggered or scheduled, and how it ended.",
        subcommands: [List.self, Show.self, Retry.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")

        @Option(help: ArgumentHelp("Only runs of this workflow.", valueName: "name"))
        var workflow: String?

        @Flag(help: "Only runs that did not succeed (failed, limit, cancelled, interrupted, partial).")
        var failed = false

        @Option(help: ArgumentHelp("Only runs started at or after this time (ISO 8601).", valueName: "time"))
        var since: String?

        @Option(help: ArgumentHelp("At most this many runs (default 50).", valueName: "n"))
        var limit = 50

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func validate() throws {
            if let since { _ = try parsedTime(since, option: "--since") }
            if limit < 1 { throw ValidationError("--limit must be 1 or more") }
        }

        func run() throws {
            let opened = try CommandEngine.open()
            let filter = RunFilter(workflow: workflow, unsuccessfulOnly: failed,
                                   since: try since.map { try parsedTime($0, option: "--since", zone: opened.workspace.timeZone) },
                                   limit: limit)
            let runs = try CommandFailure.reporting { try opened.runs(filter) }
            if json { return try JSONOutput.print(runs.map(RunJSON.init)) }
            if runs.isEmpty { return Output.print("no runs") }
            // As git abbreviates: long enough that no two runs in the history share it.
            let ids = try opened.store.read { try $0.runs(RunFilter(limit: Int.max)) }.map(\.id)
            let shown = RunRecord.uniquePrefixLength(ids)
            let rows = runs.map { run in
                [RunRecord.shortID(run.id, length: shown), run.startedAt.description, run.outcome.rawValue, run.workflow ?? run.file,
                 run.trigger.summary, "+\(run.recordsCreated) ~\(run.recordsChanged)",
                 ((run.attempt > 1 ? ["attempt \(run.attempt)"] : []) + (run.dryRun ? ["dry run"] : [])).joined(separator: ", ")]
            }
            Output.print(TextTable.text(header: ["ID", "STARTED", "OUTCOME", "WORKFLOW", "TRIGGER", "RECORDS", "NOTE"], rows: rows) {
                $0 == 2 ? TerminalStyle.outcome($1) : $1
            }, terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything about one run: trigger, outcome, error, log, changes.")

        @Argument(help: "The run's id, or a unique start of it, 4 characters or more (`comity runs` shows enough to tell runs apart).")
        var id: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let opened = try CommandEngine.open()
            let run = try CommandFailure.reporting { try opened.findRun(id) }
            let changes = try opened.store.read { try $0.changes(byRun: run.id) }
            if json {
                var value = RunJSON(run)
                value.changes = changes.map(ChangeJSON.init)
                return try JSONOutput.print(value)
            }
            Output.print("run \(run.id)")
            Output.print("  workflow: \(run.workflow ?? "-")  file: \(run.file)  sha256: \(run.contentHash.prefix(16))")
            Output.print("  trigger: \(run.trigger.summary)" + (run.trigger.causedBy.map { ", caused by run \(RunRecord.shortID($0))" } ?? "")
                  + (run.attempt > 1 ? ", attempt \(run.attempt)" : ""))
            if !run.parameters.isEmpty {
                Output.print("  parameters: " + run.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            }
            if let person = run.actingAs { Output.print("  acting as: \(person)") }
            Output.print("  clock: \(run.clock)  started: \(run.startedAt)  ended: \(run.endedAt.map { "\($0)" } ?? "-")")
            Output.print("  outcome: \(TerminalStyle.outcome(run.outcome.rawValue))" + (run.dryRun ? " (dry run: nothing kept)" : ""))
            Output.print("  records: \(run.recordsCreated) created, \(run.recordsChanged) changed")
            if let error = run.error { Output.print("  error: \(error)") }
            if let traceback = run.traceback { Output.print("  stack traceback:" + traceback.replacingOccurrences(of: "\n", with: "\n  ")) }
            if !run.log.isEmpty {
                Output.print("  log:")
                for line in run.log { Output.print("    \(line)") }
            }
            if !changes.isEmpty {
                Output.print("  changes:")
                for change in changes {
                    let what = change.field.map { "\($0): \(change.oldValue ?? "nil") -> \(change.newValue ?? "nil")" } ?? (change.newValue ?? "")
                    Output.print("    \(change.record) \(change.action.rawValue) \(what)")
                }
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a run's script again with the same trigger and parameters (the script as it is now).")

        @Argument(help: "The run's id, or the start of it.")
        var id: String

        @Option(help: ArgumentHelp("Log level on standard error.", valueName: "level"))
        var logLevel: Logger.Level = .warning

        func run() throws {
            CommandLogging.bootstrap(logLevel)
            let engine = try CommandEngine.open()
            let retry = try CommandFailure.reporting {
                try engine.retry(id, output: { Output.print($0) }) { run in
                    if run.dryRun, run.succeeded { Output.print(ChangeReport.text(for: run), terminator: "") }
                    Output.print("run \(run.id): \(run.record.outcome.rawValue)\(run.dryRun ? " (dry run)" : "") "
                        + "(retry of \(RunRecord.shortID(run.record.trigger.causedBy ?? "")), attempt \(run.record.attempt))")
                }
            }
            if let error = retry.run.run.outcome.error {
                Output.error(ErrorReport.text(for: error))
            }
            if !retry.run.succeeded { throw ExitCode(1) }
        }
    }
}

func parsedTime(_ text: String, option: String, zone: TimeZone = .gmt) throws -> Timestamp {
    do {
        return try Timestamp(parsing: text, in: zone, field: option)
    } catch {
        throw ValidationError(error.message)
    }
}

/// A run as `--json` shows it.
struct RunJSON: Encodable {
    var id, file, contentHash, outcome, trigger, clock, startedAt: String
    var workflow, endedAt, error, traceback, event, record, slot, causedBy, actingAs: String?
    var parameters: [String: String]
    var log: [String]
    var recordsCreated, recordsChanged, attempt, depth: Int
    var dryRun: Bool
    var changes: [ChangeJSON]?

    init(_ run: RunRecord) {
        id = run.id
        file = run.file
        contentHash = run.contentHash
        outcome = run.outcome.rawValue
        trigger = run.trigger.kind.rawValue
        clock = run.clock.description
        startedAt = run.startedAt.description
        workflow = run.workflow
        endedAt = run.endedAt?.description
        error = run.error
        traceback = run.traceback
        event = run.trigger.event
        record = run.trigger.record?.description
        slot = run.trigger.slot?.description
        causedBy = run.trigger.causedBy
        actingAs = run.actingAs
        parameters = run.parameters
        log = run.log
        recordsCreated = run.recordsCreated
        recordsChanged = run.recordsChanged
        attempt = run.attempt
        depth = run.trigger.depth
        dryRun = run.dryRun
    }

    enum CodingKeys: String, CodingKey {
        case id, file, outcome, trigger, clock, workflow, error, traceback, event, record, slot, parameters, log, attempt, depth, changes
        case contentHash = "content_hash", startedAt = "started_at", endedAt = "ended_at", causedBy = "caused_by", actingAs = "acting_as"
        case recordsCreated = "records_created", recordsChanged = "records_changed", dryRun = "dry_run"
    }
}

struct ChangeJSON: Encodable {
    var record, action: String
    var field, old, new: String?

    init(_ entry: AuditEntry) {
        record = entry.record.description
        action = entry.action.rawValue
        field = entry.field
        old = entry.oldValue
        new = entry.newValue
    }
}
