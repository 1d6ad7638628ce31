import ArgumentParser
import ComityCore
import ComityEngine
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
            let opened = try OpenedWorkspace.open()
            let runs = try TriggerQueue(runner: opened.runner(logger: Logger(label: "comity.run"))).drain { line in
                if !json { Output.print(line) }
            }
            if json {
                try JSONOutput.print(runs.map { RunJSON($0.record) })
            } else {
                for run in runs {
                    Output.print("\(run.id.prefix(8))  \(TerminalStyle.outcome(run.record.outcome.rawValue))  \(run.workflowName ?? run.file)  \(run.record.trigger.summary)")
                    if let error = run.outcome.error { Output.print("  \(error.message)") }
                }
                let waiting = try opened.store.read { try $0.queuedRunCount() }
                Output.print("\(runs.count) run(s); \(waiting) waiting" + (waiting > 0 ? " (retries not yet due)" : ""))
            }
            if runs.contains(where: { !$0.succeeded }) { throw ExitCode(1) }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many runs wait in the queue.")

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let opened = try OpenedWorkspace.open()
            let waiting = try opened.store.read { try $0.queuedRunCount() }
            if json { try JSONOutput.print(["waiting": waiting]) } else { Output.print("\(waiting) run(s) waiting") }
        }
    }
}
