import ArgumentParser
import ComityCore
import ComityEngine
import ComityScheduler
import ComityService
import Foundation
import Logging

struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run scheduled workflows and queued runs as they come due, until stopped.",
        discussion: """
            Sleeps until the next slot or queued run is due, and looks for edited, added or removed \
            scripts every few seconds (scheduling.rescan in comity.lua, default 2s). On SIGTERM or \
            SIGINT it takes no new work, lets a run in progress finish within --grace, then cancels \
            it (recorded as cancelled; its slot runs again later) and exits 0. A run that does not \
            stop within 5s of being cancelled is left behind and the daemon exits 1; the next \
            command marks that run interrupted. One log line per run on standard error.
            """)

    @Option(help: ArgumentHelp("How long a run in progress may go on after SIGTERM.", valueName: "duration"), transform: TimeSpan.read)
    var grace = TimeSpan(.seconds(30))

    @Option(help: ArgumentHelp("Act as if the time were this (ISO 8601) when starting; the clock runs on from there.", valueName: "time"))
    var now: String?

    @Option(help: ArgumentHelp("Log level on standard error.", valueName: "level"))
    var logLevel: Logger.Level = .info

    func validate() throws {
        if let now { _ = try parsedTime(now, option: "--now") }
    }

    func run() async throws {
        CommandLogging.bootstrap(logLevel)
        let engine = try CommandEngine.open()
        let start = try now.map { try parsedTime($0, option: "--now", zone: engine.workspace.timeZone) }
        do {
            try await engine.runDaemon(grace: grace.duration ?? .zero, now: start)
        } catch let error as EngineError {
            throw CommandFailure.report(error)
        } catch let error as SchedulerDaemonError {
            // Logged by the daemon already; the status says it did not stop cleanly.
            _ = error
            throw ExitCode(1)
        }
    }
}
