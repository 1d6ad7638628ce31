import ComityCore
import ComityEngine
import ComityScheduler
import ComitySQLite
import Logging
import ServiceLifecycle
import UnixSignals

extension Engine {
    /// The daemon over this workspace: runs due slots and queued runs as they come due,
    /// looking for edited scripts every `scheduling.rescan`; an app can put it in its
    /// own `ServiceGroup`.
    /// - Parameters:
    ///   - grace: how long a run in progress may go on after a shutdown is asked for.
    ///   - now: the scheduler's clock starts there and runs on.
    public func daemon(grace: Duration, now: Timestamp? = nil, logger: Logger = Logger(label: "comity.daemon")) -> SchedulerDaemon {
        let scheduler = scheduler(logger: logger, now: now)
        return SchedulerDaemon(scheduler: scheduler, catalog: { self.catalog() }, grace: grace, logger: logger)
    }

    /// On SQLite, the lock that lets one runner (`daemon`, `worker`, `serve --with-scheduler`)
    /// at a time run the workspace's queue and schedules; refused naming the holder. Nil on
    /// PostgreSQL, where runners share the work by leases.
    public func runnerLock(_ runner: String) throws(EngineError) -> WorkerLock? {
        guard let sqlite = store as? SQLiteStore else { return nil }
        do {
            return try WorkerLock(database: sqlite.path, runner: runner)
        } catch {
            throw EngineError.failed("\(error)")
        }
    }

    /// Runs ``daemon(grace:now:logger:)`` until one of `signals` asks it to stop.
    /// Throws ``SchedulerDaemonError`` when a run did not stop within its margin after
    /// being cancelled (the daemon has logged it), and ``EngineError`` when another
    /// daemon or worker already runs this SQLite workspace.
    public func runDaemon(grace: Duration, now: Timestamp? = nil, signals: [UnixSignal] = [.sigterm, .sigint],
                          logger: Logger = Logger(label: "comity.daemon")) async throws {
        let lock = try runnerLock("daemon")
        defer { lock?.release() }
        let daemon = daemon(grace: grace, now: now, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: daemon)], gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
    }
}
