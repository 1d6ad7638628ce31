import ComityCore
import ComityEngine
import Foundation
import Logging
import LuaBridge
import ServiceLifecycle
import Synchronization

/// `comity daemon` as a swift-service-lifecycle `Service`: it sleeps until the next
/// slot or queued run is due (waking every `rescan` to notice edited, added or
/// removed scripts), runs what is due one run at a time (SQLite has one writer), and
/// on graceful shutdown (SIGTERM, SIGINT) takes no new work, gives a run in progress
/// `grace` to finish, then cancels it (recorded `cancelled`, nothing it wrote kept;
/// its slot runs again later) and returns. The grace is a promise: a run that does not
/// stop within `stopMargin` of being cancelled (a call no limit reaches) is left
/// behind, and `run()` throws ``SchedulerDaemonError/runDidNotStop(_:)``; `comity
/// daemon` then exits 1, and the next command marks the run `interrupted`.
///
/// An app embedding Comity can put it in its own `ServiceGroup`.
public struct SchedulerDaemon: Service {
    private let work: DaemonWork
    private let grace: Duration
    private let stopMargin: Duration
    private let rescan: Duration
    private let logger: Logger

    /// - Parameters:
    ///   - scheduler: runs due slots; its runner also drains the trigger queue.
    ///   - catalog: reads the workspace's workflows (cached until a script changes).
    ///   - grace: how long a run in progress may go on after a shutdown is asked for.
    ///   - stopMargin: how long a cancelled run may take to stop before it is left behind.
    public init(scheduler: Scheduler, catalog: @escaping () -> WorkflowCatalog, grace: Duration = .seconds(30),
                stopMargin: Duration = .seconds(5), logger: Logger = Logger(label: "comity.daemon")) {
        self.stopMargin = stopMargin
        var scheduler = scheduler
        let cancellation = LuaCancellation()
        scheduler.cancellation = cancellation
        work = DaemonWork(scheduler: scheduler, catalog: catalog, cancellation: cancellation, logger: logger)
        self.grace = grace
        rescan = scheduler.settings.rescan
        self.logger = logger
    }

    public func run() async throws {
        let work = self.work
        let grace = self.grace
        let stopMargin = self.stopMargin
        let logger = self.logger
        logger.notice("daemon started", metadata: ["workspace": "\(work.scheduler.runner.workspace.path)", "pid": "\(getpid())"])
        let cycles = CycleWaiter()
        var leftBehind = false
        await withGracefulShutdownHandler {
            while !work.stopping {
                guard let (ran, next) = await cycles.run({ work.cycle() }) else {
                    leftBehind = true
                    break
                }
                guard !work.stopping else { break }
                // After a run, straight on (scripts are looked at again first). Otherwise
                // sleep until the next thing is due, looking at the scripts every `rescan`;
                // something due but held elsewhere is looked at again within a second.
                if ran { continue }
                let now = work.scheduler.clock()
                var wait = rescan
                if let next {
                    let seconds = Double(next.secondsSince1970 - now.secondsSince1970)
                    wait = seconds <= 0 ? min(wait, .seconds(1)) : min(wait, .milliseconds(Int64(seconds * 1000)) + .milliseconds(20))
                }
                let sleep = wait
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: sleep) }
            }
        } onGracefulShutdown: {
            work.stop()
            logger.notice("stopping: no new runs; a run in progress has \(grace) to finish, then it is cancelled")
            cycles.stop(cancelling: work.cancellation, after: grace, abandoningAfter: stopMargin)
        }
        if leftBehind {
            let error = SchedulerDaemonError.runDidNotStop(stopMargin)
            logger.error("\(error)")
            throw error
        }
        logger.notice("daemon stopped")
    }
}

/// Why the daemon stopped otherwise than it was asked to.
public enum SchedulerDaemonError: Error, CustomStringConvertible {
    /// A run went on after its cancellation, for longer than the margin: the daemon
    /// returned without it (the run is recorded as `running` by a process that will
    /// be gone, which the next command marks `interrupted`).
    case runDidNotStop(Duration)

    public var description: String {
        switch self {
        case .runDidNotStop(let margin):
            "a run did not stop within \(margin) of being cancelled (a call that no limit reaches); stopping without it: the next comity command marks it interrupted"
        }
    }
}

/// One cycle of the daemon's at a time, on a worker thread, waited for until it ends
/// or is abandoned (then its thread is left to finish on its own).
final class CycleWaiter: Sendable {
    private let pending = Mutex<(continuation: CheckedContinuation<(Bool, Timestamp?)?, Never>?, abandoned: Bool)>((nil, false))

    /// The cycle's result, or nil once ``abandon()`` has been called.
    func run(_ body: @escaping @Sendable () -> (Bool, Timestamp?)) async -> (Bool, Timestamp?)? {
        await withCheckedContinuation { continuation in
            let abandoned = pending.withLock { state -> Bool in
                if state.abandoned { return true }
                state.continuation = continuation
                return false
            }
            if abandoned { return continuation.resume(returning: nil) }
            let thread = Thread { [self] in
                let result = body()
                pending.withLock { state in
                    state.continuation?.resume(returning: result)
                    state.continuation = nil
                }
            }
            thread.stackSize = 16 << 20
            thread.name = "comity-run"
            thread.start()
        }
    }

    /// A shutdown's timers: after `grace` the run in progress is cancelled (it stops at
    /// its next Lua instruction); a run stuck in a call no limit reaches is abandoned
    /// `margin` later.
    func stop(cancelling cancellation: LuaCancellation, after grace: Duration, abandoningAfter margin: Duration) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(grace.inSeconds * 1000))) {
            cancellation.cancel()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int((grace + margin).inSeconds * 1000))) {
            self.abandon()
        }
    }

    /// Resumes a cycle in progress with nil, and every later one at once.
    func abandon() {
        pending.withLock { state in
            state.abandoned = true
            state.continuation?.resume(returning: nil)
            state.continuation = nil
        }
    }
}

/// What the daemon does in one wake-up. Used by one thread at a time: the daemon
/// awaits each cycle before it starts the next, which is why it may be marked Sendable.
final class DaemonWork: @unchecked Sendable {
    let scheduler: Scheduler
    let queue: TriggerQueue
    let catalog: () -> WorkflowCatalog
    let cancellation: LuaCancellation
    let logger: Logger
    private var synchronized: WorkflowCatalog?
    private let stopFlag = Atomic<Bool>(false)

    init(scheduler: Scheduler, catalog: @escaping () -> WorkflowCatalog, cancellation: LuaCancellation, logger: Logger) {
        self.scheduler = scheduler
        var runner = scheduler.runner
        runner.cancellation = cancellation
        queue = TriggerQueue(runner: runner)
        self.catalog = catalog
        self.cancellation = cancellation
        self.logger = logger
    }

    var stopping: Bool { stopFlag.load(ordering: .acquiring) }
    func stop() { stopFlag.store(true, ordering: .releasing) }

    /// Picks up script changes, then runs one due slot or else the due queued runs;
    /// returns whether anything ran, and when the next thing is due.
    func cycle() -> (ran: Bool, next: Timestamp?) {
        let logger = self.logger
        do {
            for id in try scheduler.runner.store?.markRunsOfEndedProcesses(spool: scheduler.runner.spool) ?? [] {
                logger.notice("run \(id) was interrupted (its process stopped)")
            }
            let current = catalog()
            if current != synchronized {
                try scheduler.synchronize(with: current)
                synchronized = current
            }
            let output: (String) -> Void = { line in logger.debug("\(line)") }
            // One slot at a time, so that an edited script is seen before the next one.
            if try !scheduler.runDue(limit: 1, shouldStop: { self.stopping }, output: output).isEmpty {
                return (true, nil)
            }
            // The queue is taken from with a write; look with a read first, so an idle
            // daemon never takes the database's write lock.
            // Queued runs are due by the real clock (not `--now`'s).
            if let store = scheduler.runner.store, let due = try store.read({ try $0.nextQueuedRunDue() }), due <= Timestamp(Date()),
               try !queue.drain(shouldStop: { self.stopping }, output: output).isEmpty {
                return (true, nil)
            }
            return (false, try scheduler.nextDue())
        } catch {
            // A busy database or a passing failure: say so and try again at the next wake-up.
            logger.error("\(error)")
            return (false, nil)
        }
    }
}
