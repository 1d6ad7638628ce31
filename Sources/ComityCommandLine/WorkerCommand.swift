import ArgumentParser
import ComityCore
import ComityScheduler
import ComityService
import Foundation
import Logging

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Take scheduled slots and queued runs from the database, alongside any number of other workers.",
        discussion: """
            On PostgreSQL (store = { postgres = ... } in comity.lua) run as many workers as you like, on \
            as many machines: each run is taken by one worker, with a lease it renews every third of \
            --lease; a worker that dies or stops answering loses its runs to the others once the lease \
            runs out, and nothing it wrote is kept. On SQLite one worker runs at a time.
            """,
        subcommands: [Start.self, Status.self],
        defaultSubcommand: Start.self)

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start",
            abstract: "Work until stopped (SIGTERM or SIGINT: a run in progress has --grace to finish, then it is cancelled and runs again elsewhere).")

        @Option(help: ArgumentHelp("How long a run is held without a heartbeat before another worker may take it over.", valueName: "duration"), transform: TimeSpan.read)
        var lease = TimeSpan(.seconds(30))

        @Option(help: ArgumentHelp("How long an idle worker waits before it looks again (with a fifth of jitter).", valueName: "duration"), transform: TimeSpan.read)
        var poll = TimeSpan(.seconds(1))

        @Option(help: ArgumentHelp("How long a run in progress may go on after SIGTERM.", valueName: "duration"), transform: TimeSpan.read)
        var grace = TimeSpan(.seconds(30))

        @Flag(help: "Stop once nothing is due, waiting or held by another worker.")
        var exitWhenIdle = false

        @Flag(inversion: .prefixedNo,
              help: "Be woken as soon as a run is queued (PostgreSQL's LISTEN/NOTIFY, on a connection of its own); without it, only --poll.")
        var listen = true

        @Option(help: ArgumentHelp("Log level on standard error.", valueName: "level"))
        var logLevel: Logger.Level = .info

        func validate() throws {
            guard let leaseTime = lease.duration, leaseTime >= .seconds(1) else {
                throw ValidationError("--lease must be at least 1s (a heartbeat goes every third of it)")
            }
            guard let pollTime = poll.duration, pollTime > .zero else { throw ValidationError("--poll must be more than 0") }
            _ = leaseTime
            _ = pollTime
        }

        func run() async throws {
            CommandLogging.bootstrap(logLevel)
            let engine = try CommandEngine.open()
            let settings = WorkerSettings(lease: lease.duration ?? .seconds(30), poll: poll.duration ?? .seconds(1), exitWhenIdle: exitWhenIdle,
                                          listen: listen)
            do {
                try await engine.runWorker(settings: settings, grace: grace.duration ?? .zero)
            } catch let error as EngineError {
                throw CommandFailure.report(error)
            } catch is SchedulerDaemonError {
                throw ExitCode(1)
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The workers (heartbeats, leases), and the queue (waiting runs, the oldest one's wait, dead rows).")

        @Option(help: ArgumentHelp("The workers' lease: one not heard from for twice this is taken to be gone.", valueName: "duration"), transform: TimeSpan.read)
        var lease = TimeSpan(.seconds(30))

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let opened = try CommandEngine.open()
            let status = try opened.workerStatus(lease: lease.duration ?? .seconds(30))
            if json { return try JSONOutput.print(WorkerStatusJSON(status)) }
            let living = status.workers.filter(\.alive)
            Output.print("\(living.count) worker(s) running" + (status.workers.count > living.count ? ", \(status.workers.count - living.count) stopped or gone" : ""))
            if !status.workers.isEmpty {
                let rows = status.workers.map { worker in
                    [worker.record.id, worker.alive ? "running" : (worker.record.stoppedAt == nil ? "gone" : "stopped"),
                     "\(worker.silentFor)s ago", "\(worker.leases.count)", worker.record.version]
                }
                Output.print(TextTable.text(header: ["WORKER", "STATE", "HEARTBEAT", "LEASES", "VERSION"], rows: rows), terminator: "")
            }
            for lease in status.workers.flatMap(\.leases) + status.orphanedLeases {
                let left = lease.until.secondsSince1970 - status.now.secondsSince1970
                Output.print("leased: \(lease.run.workflow) (run \(lease.runID.prefix(8)), epoch \(lease.epoch)) to \(lease.worker), "
                    + (left > 0 ? "\(left)s left" : "expired \(-left)s ago: the next worker takes it over"))
            }
            var queue = "queue: \(status.waiting) waiting"
            if let oldest = status.oldestWaiting { queue += ", the oldest due for \(oldest)s" }
            if let dead = status.deadRows { queue += "; \(dead) dead row(s) in run_queue (autovacuum clears them)" }
            Output.print(queue)
        }
    }
}

/// `worker status --json`.
struct WorkerStatusJSON: Encodable {
    struct Worker: Encodable {
        var id, host, version, state: String
        var pid: Int32
        var heartbeatSecondsAgo: Int64
        var leases: [String]
    }

    var now: String
    var workers: [Worker]
    var waiting: Int
    var oldestWaitingSeconds: Int64?
    var deadRows: Int?

    init(_ status: WorkerStatus) {
        now = status.now.description
        workers = status.workers.map { worker in
            Worker(id: worker.record.id, host: worker.record.host, version: worker.record.version,
                   state: worker.alive ? "running" : (worker.record.stoppedAt == nil ? "gone" : "stopped"), pid: worker.record.processID,
                   heartbeatSecondsAgo: worker.silentFor, leases: worker.leases.map(\.runID))
        }
        waiting = status.waiting
        oldestWaitingSeconds = status.oldestWaiting
        deadRows = status.deadRows
    }
}
