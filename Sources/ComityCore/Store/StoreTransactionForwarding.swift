import Foundation

/// A transaction that adds to another one's record operations and hands every other
/// part (runs, the queue, schedules, the outbox, tokens, webhooks, savepoints) to it
/// unchanged: what `PrincipalTransaction` is, written once.
public protocol StoreTransactionForwarding: StoreTransaction {
    var forwarded: any StoreTransaction { get }
}

extension StoreTransactionForwarding {
    public func allowIdle(upTo limit: Duration?) throws { try forwarded.allowIdle(upTo: limit) }
    public func recordEvents(_ recording: EventRecording) { forwarded.recordEvents(recording) }
    public func inSavepoint<T>(_ body: () throws -> T) throws -> T { try forwarded.inSavepoint(body) }
    public func openSavepoint() throws -> StoreSavepoint { try forwarded.openSavepoint() }
    public func releaseSavepoint(_ savepoint: StoreSavepoint) throws { try forwarded.releaseSavepoint(savepoint) }
    public func rollBack(toSavepoint savepoint: StoreSavepoint) throws { try forwarded.rollBack(toSavepoint: savepoint) }
    public func saveRun(_ run: RunRecord) throws { try forwarded.saveRun(run) }
    public func run(id: String) throws -> RunRecord? { try forwarded.run(id: id) }
    public func runs(_ filter: RunFilter) throws -> [RunRecord] { try forwarded.runs(filter) }
    public func markInterruptedRuns(isAlive: (Int32) -> Bool, excluding: Set<String>, at: Timestamp) throws -> [String] {
        try forwarded.markInterruptedRuns(isAlive: isAlive, excluding: excluding, at: at)
    }
    public func changeCounts(byRun run: String) throws -> (created: Int, changed: Int) { try forwarded.changeCounts(byRun: run) }
    public func runTotals() throws -> [RunTotal] { try forwarded.runTotals() }
    public func enqueue(_ run: QueuedRun) throws -> Int64 { try forwarded.enqueue(run) }
    public func takeQueuedRun(dueAt now: Timestamp) throws -> QueuedRun? { try forwarded.takeQueuedRun(dueAt: now) }
    public func queuedRunCount() throws -> Int { try forwarded.queuedRunCount() }
    public func queuedRuns() throws -> [QueuedRun] { try forwarded.queuedRuns() }
    public func cancelQueuedRun(id: Int64) throws -> QueuedRun? { try forwarded.cancelQueuedRun(id: id) }
    public func nextQueuedRunDue() throws -> Timestamp? { try forwarded.nextQueuedRunDue() }
    public func schedules() throws -> [ScheduleRecord] { try forwarded.schedules() }
    public func schedule(workflow: String) throws -> ScheduleRecord? { try forwarded.schedule(workflow: workflow) }
    public func saveSchedule(_ schedule: ScheduleRecord) throws { try forwarded.saveSchedule(schedule) }
    public func removeSchedule(workflow: String) throws { try forwarded.removeSchedule(workflow: workflow) }
    public func dueSchedules(at now: Timestamp, limit: Int) throws -> [ScheduleRecord] { try forwarded.dueSchedules(at: now, limit: limit) }
    public func leaseSchedule(workflow: String, _ lease: ScheduleLease, now: Timestamp) throws -> Bool {
        try forwarded.leaseSchedule(workflow: workflow, lease, now: now)
    }
    public func nextScheduleDue() throws -> Timestamp? { try forwarded.nextScheduleDue() }
    public func claimSlot(workflow: String, slot: Timestamp, run: String) throws -> Bool {
        try forwarded.claimSlot(workflow: workflow, slot: slot, run: run)
    }
    public func queueMessage(_ message: OutgoingMessage) throws -> Int64 { try forwarded.queueMessage(message) }
    public func messages(_ selection: MessageSelection) throws -> [OutgoingMessage] { try forwarded.messages(selection) }
    public func saveMessage(_ message: OutgoingMessage) throws { try forwarded.saveMessage(message) }
    public func messageCounts() throws -> [OutgoingMessage.Status: Int] { try forwarded.messageCounts() }
    public func claimOnce(workflow: String, key: String, run: String, at: Timestamp) throws -> Bool {
        try forwarded.claimOnce(workflow: workflow, key: key, run: run, at: at)
    }
    public func storeTime() throws -> Timestamp { try forwarded.storeTime() }
    public func registerWorker(_ worker: WorkerRecord) throws { try forwarded.registerWorker(worker) }
    public func heartbeat(worker: String, running: [Int64], leaseSeconds: Int64) throws -> Int {
        try forwarded.heartbeat(worker: worker, running: running, leaseSeconds: leaseSeconds)
    }
    public func stopWorker(_ worker: String) throws { try forwarded.stopWorker(worker) }
    public func workers() throws -> [WorkerRecord] { try forwarded.workers() }
    public func leaseQueuedRuns(worker: String, limit: Int, leaseSeconds: Int64, newRunID: () -> String) throws -> [RunLease] {
        try forwarded.leaseQueuedRuns(worker: worker, limit: limit, leaseSeconds: leaseSeconds, newRunID: newRunID)
    }
    public func endLease(_ lease: RunLease) throws { try forwarded.endLease(lease) }
    public func releaseLease(_ lease: RunLease) throws { try forwarded.releaseLease(lease) }
    public func leasedRuns() throws -> [RunLease] { try forwarded.leasedRuns() }
    public func queueDeadRows() throws -> Int? { try forwarded.queueDeadRows() }
    public func saveToken(_ token: AccessToken) throws { try forwarded.saveToken(token) }
    public func tokens() throws -> [AccessToken] { try forwarded.tokens() }
    public func token(hash: String) throws -> AccessToken? { try forwarded.token(hash: hash) }
    public func revokeToken(name: String, at: Timestamp) throws -> Bool { try forwarded.revokeToken(name: name, at: at) }
    public func touchToken(name: String, at: Timestamp) throws { try forwarded.touchToken(name: name, at: at) }
    public func receiveDelivery(_ delivery: WebhookDelivery) throws -> Int64? { try forwarded.receiveDelivery(delivery) }
    public func delivery(id: Int64) throws -> WebhookDelivery? { try forwarded.delivery(id: id) }
    public func delivery(hook: String, delivery: String) throws -> WebhookDelivery? { try forwarded.delivery(hook: hook, delivery: delivery) }
    public func delivery(hook: String, body: Data, since: Timestamp) throws -> WebhookDelivery? {
        try forwarded.delivery(hook: hook, body: body, since: since)
    }
    public func idempotentResponse(token: String, key: String, since: Timestamp) throws -> IdempotentResponse? {
        try forwarded.idempotentResponse(token: token, key: key, since: since)
    }
    public func keepIdempotentResponse(_ response: IdempotentResponse, since: Timestamp) throws {
        try forwarded.keepIdempotentResponse(response, since: since)
    }
}
