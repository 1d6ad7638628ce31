import ArgumentParser
import ComityCore
import ComityEngine
import ComityScheduler
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
        let opened = try OpenedWorkspace.open()
        let logger = Logger(label: "comity.tick")
        let start = try now.map { try parsedTime($0, option: "--now", zone: opened.workspace.timeZone) }
        let scheduler = opened.scheduler(logger: logger, now: start)
        var runs: [ScriptRun] = []
        do {
            try scheduler.synchronize(with: opened.catalog(api: scheduler.runner.api, plugins: scheduler.runner.plugins))
            let output: (String) -> Void = { line in if !json { Output.print(line) } }
            runs = try scheduler.runDue(output: output)
            var queueRunner = scheduler.runner
            queueRunner.now = nil
            runs += try TriggerQueue(runner: queueRunner).drain(output: output)
        } catch let error as StoreError where error.kind == .locked {
            // Another comity holds the database's one writer for longer than the wait:
            // what is due stays due, for the next tick.
            Output.error("notice: another comity process is writing to the database; what is due runs at the next tick\n")
        } catch {
            Output.error("error: \(error)\n")
            throw ExitCode(1)
        }
        if json {
            try JSONOutput.print(runs.map { RunJSON($0.record) })
        } else {
            for run in runs {
                Output.print("\(run.id.prefix(8))  \(TerminalStyle.outcome(run.record.outcome.rawValue))  \(run.workflowName ?? run.file)  \(run.record.trigger.summary)")
                if let error = run.outcome.error { Output.print("  \(error.message)") }
            }
        }
        if runs.contains(where: { !$0.succeeded }) { throw ExitCode(1) }
    }
}
