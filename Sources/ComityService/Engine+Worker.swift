import ComityCore
import ComityEngine
import ComityScheduler
import ComitySQLite
import Foundation
import HumanReadable
import Logging
import ServiceLifecycle
import UnixSignals

extension Engine {
    /// A worker over this workspace (`comity worker`): takes due slots and leased queued
    /// runs, any number of them on one PostgreSQL database. On SQLite it is the only one:
    /// a second is refused (SQLite has one writer; `comity daemon` is its usual runner).
    public func worker(settings: WorkerSettings, grace: Duration, logger: Logger = Logger(label: "comity.worker")) throws(EngineError)
        -> (worker: QueueWorker, lock: WorkerLock?) {
        var lock: WorkerLock?
        if let sqlite = store as? SQLiteStore {
            do {
                lock = try WorkerLock(database: sqlite.path, runner: "worker")
            } catch {
                throw .failed("\(error)")
            }
        }
        let worker = QueueWorker(scheduler: scheduler(logger: logger), catalog: { self.catalog() }, settings: settings, grace: grace,
                                 logger: logger)
        return (worker, lock)
    }

    /// Runs ``worker(settings:grace:logger:)`` until one of `signals` asks it to stop (or,
    /// with `exitWhenIdle`, until nothing is due).
    public func runWorker(settings: WorkerSettings, grace: Duration, signals: [UnixSignal] = [.sigterm, .sigint],
                          logger: Logger = Logger(label: "comity.worker")) async throws {
        let (worker, lock) = try worker(settings: settings, grace: grace, logger: logger)
        defer { lock?.release() }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: signals, logger: logger))
        try await group.run()
    }

    /// The workers, their leases and the queue, by the store's clock. A worker not
    /// heard from for twice `lease` is taken to be gone.
    public func workerStatus(lease: Duration = .seconds(30)) throws -> WorkerStatus {
        try store.read { transaction in
            let now = try transaction.storeTime()
            let leases = try transaction.leasedRuns()
            let lease = max(lease.components.seconds, 1)
            var living: Set<String> = []
            let workers = try transaction.workers().map { record -> WorkerStatus.Worker in
                let silent = now.secondsSince1970 - record.heartbeat.secondsSince1970
                // A worker of this machine whose process has ended is gone, however
                // recent its last heartbeat (killed a moment ago).
                let ended = record.host == LocalProcess.hostName && !LocalProcess.isAlive(record.processID)
                let alive = record.stoppedAt == nil && silent <= lease * 2 && !ended
                if alive { living.insert(record.id) }
                return WorkerStatus.Worker(record: record, silentFor: silent, alive: alive, leases: leases.filter { $0.worker == record.id })
            }
            let waiting = try transaction.queuedRuns()
            let oldest = waiting.filter { $0.notBefore <= now }.map(\.notBefore).min()
            return WorkerStatus(now: now, workers: workers, orphanedLeases: leases.filter { !living.contains($0.worker) },
                                waiting: waiting.count, oldestWaiting: oldest.map { now.secondsSince1970 - $0.secondsSince1970 },
                                deadRows: try transaction.queueDeadRows())
        }
    }
}

/// The one runner (`comity worker` or `comity daemon`) of an SQLite workspace: an
/// exclusive lock on a file beside the database, held while it runs (released by the
/// system if it dies). Two would only take turns at SQLite's one writer.
public final class WorkerLock: @unchecked Sendable {
    private var descriptor: Int32

    /// Takes the lock for `runner` (`worker`, `daemon`), or says which process holds it.
    init(database path: String, runner: String) throws {
        let lockPath = path + ".worker-lock"
        descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreError(.notWritable, "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &buffer, buffer.count, 0)
            let holder = count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self).trimmingBlanksAndNewlines() : "?"
            close(descriptor)
            descriptor = -1
            // Written "PID RUNNER" (before: "PID" only, by a worker).
            let parts = holder.split(separator: " ", maxSplits: 1)
            let other = parts.count == 2 ? "comity \(parts[1]) (pid \(parts[0]))" : "comity worker (pid \(holder))"
            throw StoreError(.locked, "another \(other) is running on this SQLite workspace; SQLite has one writer, "
                + "so one worker or one daemon runs it. For several workers, use PostgreSQL: store = { postgres = \"postgres://...\" } in comity.lua")
        }
        let pid = "\(getpid()) \(runner)\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Gives the lock up (closing the descriptor); the process ending does too.
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
