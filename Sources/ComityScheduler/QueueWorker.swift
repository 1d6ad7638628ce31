import ComityCore
import ComityEngine
import Foundation
import Logging
import LuaBridge
import ServiceLifecycle
import Synchronization

/// How a worker takes work: its lease, how often it looks when idle.
public struct WorkerSettings: Sendable {
    /// How long a leased run is held without a heartbeat; renewed every third of it.
    public var lease: Duration = .seconds(30)
    /// How long an idle worker waits before it looks again (with a fifth of jitter, so
    /// that workers started together do not ask together).
    public var poll: Duration = .seconds(1)
    /// Stop once nothing is due (a batch of queued runs, the tests).
    public var exitWhenIdle = false
    /// Be woken early when a run is queued, on a store that can say so (PostgreSQL's
    /// LISTEN/NOTIFY); polling goes on either way.
    public var listen = true

    public init(lease: Duration = .seconds(30), poll: Duration = .seconds(1), exitWhenIdle: Bool = false, listen: Bool = true) {
        self.lease = lease
        self.poll = poll
        self.exitWhenIdle = exitWhenIdle
        self.listen = listen
    }

    var leaseSeconds: Int64 { max(Int64(lease.inSeconds.rounded(.up)), 1) }
}

/// `comity worker` as a swift-service-lifecycle `Service`: it registers itself in the
/// store, beats every third of its lease (renewing the leases of the runs it runs, in one
/// statement), and takes due schedule slots and leased queued runs one at a time, any
/// number of workers on any number of machines against one database. Every time it
/// goes by is the store's clock (the database server's), which it reads with each
/// heartbeat; a local clock off by more than five seconds is logged. On SIGTERM it
/// takes no new work, lets a run in progress finish within `grace`, then cancels it,
/// gives its leases back and returns.
public struct QueueWorker: Service {
    private let work: WorkerWork
    private let grace: Duration
    private let stopMargin: Duration
    private let logger: Logger

    public init(scheduler: Scheduler, catalog: @escaping () -> WorkflowCatalog, settings: WorkerSettings, grace: Duration = .seconds(30),
                stopMargin: Duration = .seconds(5), logger: Logger = Logger(label: "comity.worker")) {
        let cancellation = LuaCancellation()
        let offset = ClockOffset()
        var scheduler = scheduler
        scheduler.cancellation = cancellation
        // The store's clock: the local one, moved by what the last heartbeat read.
        let local = scheduler.clock
        scheduler.clock = { Timestamp(secondsSince1970: local().secondsSince1970 + offset.seconds) }
        work = WorkerWork(scheduler: scheduler, catalog: catalog, settings: settings, cancellation: cancellation, offset: offset, logger: logger)
        self.grace = grace
        self.stopMargin = stopMargin
        self.logger = logger
    }

    /// This worker's id in the store.
    public var id: String { work.id }

    public func run() async throws {
        let work = self.work
        let grace = self.grace
        let stopMargin = self.stopMargin
        let logger = self.logger
        // The whole loop on a thread of its own: every call into the store blocks, and
        // none of them may hold a thread of Swift's concurrency pool.
        let loop = CycleWaiter()
        var leftBehind = false
        var failure: (any Error)?
        await withGracefulShutdownHandler {
            guard let (ran, _) = await loop.run({
                do {
                    try work.loop()
                    return (true, nil)
                } catch {
                    logger.error("\(error)", metadata: ["worker": "\(work.id)"])
                    return (false, nil)
                }
            }) else {
                leftBehind = true
                return
            }
            if !ran { failure = WorkerStartError() }
        } onGracefulShutdown: {
            work.stop()
            logger.notice("stopping: no new runs; a run in progress has \(grace) to finish, then it is cancelled")
            loop.stop(cancelling: work.cancellation, after: grace, abandoningAfter: stopMargin)
        }
        if let failure { throw failure }
        if leftBehind {
            let error = SchedulerDaemonError.runDidNotStop(stopMargin)
            logger.error("\(error)")
            throw error
        }
    }
}

/// The worker could not start (its registration failed; logged).
public struct WorkerStartError: Error, CustomStringConvertible {
    public var description: String { "the worker could not start" }
}

/// The seconds the store's clock is ahead of this machine's, as the last heartbeat read it.
final class ClockOffset: Sendable {
    private let value = Atomic<Int64>(0)
    var seconds: Int64 { value.load(ordering: .relaxed) }
    func set(_ seconds: Int64) { value.store(seconds, ordering: .relaxed) }
}

/// What a worker does, on the thread of its cycles (one at a time) and its heartbeat.
final class WorkerWork: @unchecked Sendable {
    let scheduler: Scheduler
    let queue: LeasedQueue
    let catalog: () -> WorkflowCatalog
    let settings: WorkerSettings
    let cancellation: LuaCancellation
    let offset: ClockOffset
    let logger: Logger
    let id: String
    private var synchronized: WorkflowCatalog?
    private var lastLookForEndedProcesses = Date.distantPast
    static let endedProcessesInterval: TimeInterval = 5
    private let stopFlag = Atomic<Bool>(false)

    init(scheduler: Scheduler, catalog: @escaping () -> WorkflowCatalog, settings: WorkerSettings, cancellation: LuaCancellation,
         offset: ClockOffset, logger: Logger) {
        self.scheduler = scheduler
        id = "\(LocalProcess.hostName):\(getpid()):\(UUID().uuidString.prefix(6).lowercased())"
        var runner = scheduler.runner
        runner.cancellation = cancellation
        queue = LeasedQueue(runner: runner, worker: id, leaseSeconds: settings.leaseSeconds)
        self.catalog = catalog
        self.settings = settings
        self.cancellation = cancellation
        self.offset = offset
        self.logger = logger
    }

    var store: any Store {
        get throws { try scheduler.store }
    }

    var stopping: Bool { stopFlag.load(ordering: .acquiring) }
    /// Signalled to end an idle wait early (a shutdown, a run queued elsewhere).
    private let wakeup = WakeupSignal()

    func stop() {
        stopFlag.store(true, ordering: .releasing)
        wakeup.signal()
    }

    /// Registers, beats, and takes work until stopped (or idle, with `exitWhenIdle`);
    /// then gives back its leases.
    func loop() throws {
        try register()
        let heartbeat = WorkerHeartbeat(work: self)
        heartbeat.start()
        let wakeups = subscribeToWakeups()
        logger.notice("worker started", metadata: ["worker": "\(id)", "lease": "\(settings.lease)", "wake-ups": "\(wakeups != nil)"])
        defer {
            wakeups?.cancel()
            heartbeat.stop()
            unregister()
            logger.notice("worker stopped", metadata: ["worker": "\(id)"])
        }
        while !stopping {
            let (ran, next) = cycle()
            if stopping { break }
            if ran { continue }
            if settings.exitWhenIdle, next.map({ $0 > scheduler.clock() }) ?? true, (try? anyoneHoldsWork()) == false { break }
            // Polling is the ground truth; jitter keeps workers from asking in step.
            var wait = settings.poll.inSeconds * Double.random(in: 0.8...1.2)
            if let next {
                let seconds = Double(next.secondsSince1970 - scheduler.clock().secondsSince1970)
                if seconds > 0 { wait = min(wait, seconds + 0.02) }
            }
            wakeup.wait(seconds: wait)
        }
    }

    /// The store's wake-ups, when it has them and the settings want them; a store that
    /// cannot subscribe leaves the worker polling, which is logged.
    private func subscribeToWakeups() -> (any QueueWakeupSubscription)? {
        guard settings.listen, let store = try? store as? any QueueWakeups else { return nil }
        do {
            return try store.subscribeToQueueWakeups { [wakeup] in wakeup.signal() }
        } catch {
            logger.warning("no early wake-ups (polling every \(settings.poll)): \(error)", metadata: ["worker": "\(id)"])
            return nil
        }
    }

    func register() throws {
        let store = try store
        let now = Timestamp(Date())
        try store.write(commit: true) { transaction in
            try transaction.registerWorker(WorkerRecord(
                id: id, host: LocalProcess.hostName, processID: getpid(), version: ComityVersion.current,
                startedAt: now, heartbeat: now))
        }
        try readClock()
    }

    /// Gives back the leases still held (a run cancelled by the shutdown runs again).
    func unregister() {
        do {
            try store.write(commit: true) { try $0.stopWorker(id) }
        } catch {
            logger.error("could not record the worker as stopped: \(error)")
        }
    }

    /// One heartbeat: the worker's row and its leases renewed, the store's clock read.
    func beat() throws {
        let running = queue.running.current
        let renewed = try store.write(commit: true) { try $0.heartbeat(worker: id, running: running, leaseSeconds: settings.leaseSeconds) }
        try readClock()
        logger.trace("heartbeat", metadata: ["worker": "\(id)", "leases": "\(renewed)"])
    }

    private func readClock() throws {
        let local = Timestamp(Date()).secondsSince1970
        let store = try store.read { try $0.storeTime() }.secondsSince1970
        let skew = store - local
        if abs(skew) > 5, abs(skew - offset.seconds) > 1 {
            logger.warning("this machine's clock is \(abs(skew))s \(skew > 0 ? "behind" : "ahead of") the database's; the worker goes by the database's",
                           metadata: ["worker": "\(id)"])
        }
        offset.set(abs(skew) > 1 ? skew : 0)
    }

    /// Whether a run is waiting or leased: an idle worker told to exit when idle waits
    /// for other workers' runs, whose events may queue more.
    func anyoneHoldsWork() throws -> Bool {
        try store.read { transaction in
            try transaction.queuedRunCount() > 0 || !transaction.leasedRuns().isEmpty
        }
    }

    /// Picks up script changes, runs one due slot or else one leased queued run;
    /// whether anything ran, and when the next thing is due.
    func cycle() -> (ran: Bool, next: Timestamp?) {
        do {
            // Runs of this machine's processes that died (a `comity run` killed): looked
            // for every few seconds, not between every two runs of a busy worker, where
            // it was a transaction a run.
            if Date().timeIntervalSince(lastLookForEndedProcesses) >= Self.endedProcessesInterval {
                lastLookForEndedProcesses = Date()
                for run in try store.markRunsOfEndedProcesses(spool: scheduler.runner.spool) {
                    logger.notice("run \(run) was interrupted (its process stopped)")
                }
            }
            let current = catalog()
            if current != synchronized {
                try scheduler.synchronize(with: current)
                synchronized = current
            }
            let output: (String) -> Void = { [logger] line in logger.debug("\(line)") }
            if try !scheduler.runDue(limit: 1, shouldStop: { self.stopping }, output: output).isEmpty { return (true, nil) }
            if !stopping, try queue.runNext(output: output) != nil { return (true, nil) }
            return (false, try scheduler.nextDue())
        } catch {
            logger.error("\(error)", metadata: ["worker": "\(id)"])
            return (false, nil)
        }
    }
}

/// Beats every third of the lease on a thread of its own, so that a long run keeps its
/// lease; a worker that cannot reach the store for longer than its lease loses its
/// runs to other workers (and its commits are refused).
final class WorkerHeartbeat: @unchecked Sendable {
    private let work: WorkerWork
    private let stopped = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(work: WorkerWork) { self.work = work }

    func start() {
        let interval = max(work.settings.lease.inSeconds / 3, 0.2)
        let thread = Thread { [self] in
            defer { done.signal() }
            var failingSince: Date?
            while stopped.wait(timeout: .now() + interval) == .timedOut {
                do {
                    try work.beat()
                    failingSince = nil
                } catch {
                    let since = failingSince ?? Date()
                    failingSince = since
                    let level: Logger.Level = Date().timeIntervalSince(since) > work.settings.lease.inSeconds ? .error : .warning
                    work.logger.log(level: level, "heartbeat failed: \(error)", metadata: ["worker": "\(work.id)"])
                }
            }
        }
        thread.name = "comity-heartbeat"
        thread.start()
    }

    func stop() {
        stopped.signal()
        done.wait()
    }
}
