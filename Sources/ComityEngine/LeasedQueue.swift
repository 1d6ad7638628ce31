import ComityCore
import Foundation
import LuaBridge
import Synchronization

/// What `comity worker` takes from the queue: a run leased to this worker (see
/// `RunLease`), run, and ended in the run's own transaction, so that a worker that lost
/// its lease (paused past it, cut off from the database) commits nothing of it. A run
/// whose worker died is taken over by another once its lease expires; its old record
/// is marked interrupted then.
public struct LeasedQueue {
    public var queue: TriggerQueue
    public let worker: String
    public let leaseSeconds: Int64
    /// The queued runs this worker is running now: the leases its heartbeat renews.
    public let running = RunningLeases()

    public init(runner: ScriptRunner, worker: String, leaseSeconds: Int64) {
        queue = TriggerQueue(runner: runner)
        self.worker = worker
        self.leaseSeconds = leaseSeconds
    }

    var runner: ScriptRunner { queue.runner }

    /// Leases the next due run (or one whose lease expired) and runs it; nil when none is due.
    public func runNext(output: @escaping (String) -> Void) throws -> ScriptRun? {
        guard let store = runner.store else { return nil }
        guard let lease = try lease(from: store) else { return nil }
        // Renewed while it runs, and only then: a lease this worker lets go of by error
        // expires, and the run is taken over.
        running.insert(lease.run.id)
        defer { running.remove(lease.run.id) }
        let item = lease.run
        if item.trigger.depth > runner.maxTriggerDepth {
            let refused = try queue.refuseTooDeep(item, id: lease.runID, store: store)
            try? store.write(commit: true) { try $0.endLease(lease) }
            return refused
        }
        var runner = self.runner
        runner.parameters = item.parameters
        // Fenced: the lease ends with the run's commit, and refuses it once lost.
        runner.beforeCommit = { transaction, _ in try transaction.endLease(lease) }
        let run = runner.run(file: item.file, trigger: item.trigger, attempt: item.attempt, id: lease.runID, workflow: item.workflow,
                             output: output)
        guard !run.succeeded else { return run }
        // Cancelled by a shutdown, or cut off from the database: the lease is given back
        // and the run runs again (nothing of it was kept). Otherwise a failed run is done
        // with; its retry is queued anew.
        if run.record.outcome == .cancelled || run.errorKind == "unavailable" {
            do {
                try store.write(commit: true) { try $0.releaseLease(lease) }
            } catch {
                // Still cut off: the lease runs out, and a worker takes the run over.
                runner.logger.warning("could not give back the lease of run \(lease.runID): \(error)", metadata: ["worker": "\(worker)"])
            }
            return run
        }
        do {
            try store.write(commit: true) { try $0.endLease(lease) }
            try queue.retryIfAllowed(run, item)
        } catch let error as StoreError where error.kind == .leaseLost {
            runner.logger.warning("\(error)", metadata: ["run": "\(lease.runID)", "worker": "\(worker)"])
        }
        return run
    }

    /// The lease, with its run recorded as started (and the run of a lease it took
    /// over recorded as interrupted), in one transaction.
    private func lease(from store: any Store) throws -> RunLease? {
        try store.write(commit: true) { transaction in
            guard let lease = try transaction.leaseQueuedRuns(
                worker: worker, limit: 1, leaseSeconds: leaseSeconds, newRunID: { UUID().uuidString.lowercased() }).first
            else { return nil }
            let now = try transaction.storeTime()
            if let previous = lease.previousRunID, var old = try transaction.run(id: previous), old.outcome == .running {
                old.outcome = .interrupted
                old.endedAt = now
                old.error = "\(RunLease.takenOverError) (it died, or lost the database); run \(lease.runID) by worker \(worker) "
                    + "took it over, and nothing this one wrote was kept"
                try transaction.saveRun(old)
            }
            try transaction.saveRun(RunRecord(
                id: lease.runID, workflow: lease.run.workflow, file: lease.run.file, contentHash: "", trigger: lease.run.trigger,
                parameters: lease.run.parameters, clock: runner.now ?? now, startedAt: now, attempt: lease.run.attempt))
            return lease
        }
    }
}

/// The ids of the queued runs a worker is running, read by its heartbeat's thread.
public final class RunningLeases: Sendable {
    private let ids = Mutex<Set<Int64>>([])

    public init() {}

    public var current: [Int64] { ids.withLock { Array($0) } }
    func insert(_ id: Int64) { _ = ids.withLock { $0.insert(id) } }
    func remove(_ id: Int64) { _ = ids.withLock { $0.remove(id) } }
}
