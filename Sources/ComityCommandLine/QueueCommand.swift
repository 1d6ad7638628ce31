import ArgumentParser
import ComityCore
import ComityEngine
import ComityService
import Foundation
import Logging

struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "The trigger queue: workflows queued by domain events, and retries waiting their turn.",
        subcommands: [Run.self, Status.self]
    )

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every queued run that is due, and those they queue, then exit.")

        @Flag(help: "Print the runs as JSON.")
        var json = false

        @Option(help: ArgumentHelp("Log level on standard error.", valueName: "level"))
        var logLevel: Logger.Level = .warning

        func run() throws {
            CommandLogging.bootstrap(logLevel)
            let opened = try CommandEngine.open()
            let drained = try opened.drainQueue { line in
                if !json { Output.print(line) }
            }
            let runs = drained.runs
            if json {
                try JSONOutput.print(runs.map { RunJSON($0.record) })
            } else {
                for run in runs {
                    Output.print("\(run.id.prefix(8))  \(TerminalStyle.outcome(run.record.outcome.rawValue))  \(run.workflowName ?? run.file)  \(run.record.trigger.summary)")
                    if let error = run.outcome.error { Output.print("  \(error.message)") }
                }
                let waiting = drained.waiting
                Output.print("\(runs.count) run(s); \(waiting) waiting" + (waiting > 0 ? " (retries not yet due)" : ""))
            }
            if runs.contains(where: { !$0.succeeded }) { throw ExitCode(1) }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The runs waiting in the queue, in the order they will run: workflow, trigger, when due, attempt.")

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let opened = try CommandEngine.open()
            let queued = try opened.store.read { try $0.queuedRuns() }
            if json { return try JSONOutput.print(QueueJSON(waiting: queued.count, runs: queued.map(QueuedRunJSON.init))) }
            Output.print("\(queued.count) run(s) waiting")
            guard !queued.isEmpty else { return }
            let zone = opened.workspace.timeZone
            let now = Timestamp(Date())
            let rows = queued.map { run in
                [run.workflow, run.trigger.summary, run.notBefore <= now ? "due now" : "due \(run.notBefore.formatted(in: zone))",
                 "attempt \(run.attempt)"]
            }
            Output.print(TextTable.text(header: ["WORKFLOW", "TRIGGER", "DUE", "ATTEMPT"], rows: rows), terminator: "")
        }
    }
}

/// `queue status --json`: how many wait, and each of them.
struct QueueJSON: Encodable {
    var waiting: Int
    var runs: [QueuedRunJSON]
}

struct QueuedRunJSON: Encodable {
    var id: Int64
    var workflow, file, trigger, enqueuedAt, due: String
    var event, record, slot, causedBy: String?
    var attempt, depth: Int

    init(_ run: QueuedRun) {
        id = run.id
        workflow = run.workflow
        file = run.file
        trigger = run.trigger.kind.rawValue
        enqueuedAt = run.enqueuedAt.description
        due = run.notBefore.description
        event = run.trigger.event
        record = run.trigger.record?.description
        slot = run.trigger.slot?.description
        causedBy = run.trigger.causedBy
        attempt = run.attempt
        depth = run.trigger.depth
    }
}
