import ArgumentParser
import ComityCore
import ComityEngine
import ComityService
import Foundation
import Logging

struct TickCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tick",
        abstract: "Run the scheduled workflows that are due, and the runs they queue, then exit.",
        discussion: """
            For a system crontab line, once a minute:
              * * * * * cd /srv/network && comity tick
            Ticks started together never run one slot twice: each slot is leased in the database. \
            Exits 1 when a run failed, so that cron reports it.
            """)

    @Option(help: ArgumentHelp("Act as if the time were this (ISO 8601); the clock runs on from there.", valueName: "time"))
    var now: String?

    @Flag(help: "Print the runs as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Log level on standard error.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    func validate() throws {
        if let now { _ = try parsedTime(now, option: "--now") }
    }

    func run() throws {
        CommandLogging.bootstrap(logLevel)
        let engine = try CommandEngine.open()
        let start = try now.map { try parsedTime($0, option: "--now", zone: engine.workspace.timeZone) }
        let tick = try CommandFailure.reporting {
            try engine.tick(now: start) { line in if !json { Output.print(line) } }
        }
        if tick.deferred {
            // Another comity holds the database's one writer for longer than the wait:
            // what is due stays due, for the next tick.
            Output.error("notice: another comity process is writing to the database; what is due runs at the next tick\n")
        }
        let runs = tick.runs
        if json {
            try JSONOutput.print(runs.map { RunJSON($0.record) })
        } else {
            for run in runs {
                Output.print("\(run.id.prefix(8))  \(TerminalStyle.outcome(run.record.outcome.rawValue))  \(run.workflowName ?? run.file)  \(run.record.trigger.summary)")
                if let error = run.outcome.error { Output.print("  \(error.message)") }
            }
        }
        if !tick.succeeded { throw ExitCode(1) }
    }
}
