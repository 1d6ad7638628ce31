import ComityCore
import Foundation

/// Where a `ForwardingTransaction` sends each call.
protocol TransactionSource: AnyObject {
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
    /// `body` kept whole or not at all, where the source can: a savepoint of the
    /// transaction it forwards to.
    func savepoint<T>(_ body: () throws -> T) throws -> T
    /// Savepoints that outlive a closure (a `pcall` frame's), where the source can.
    func openSavepoint() throws -> StoreSavepoint
    func releaseSavepoint(_ savepoint: StoreSavepoint) throws
    func rollBack(toSavepoint savepoint: StoreSavepoint) throws
}

/// Every call its own committed transaction: a spec's fixtures and checks run between
/// workflow runs, each of which needs the database's single writer for its own.
final class AutocommitSource: TransactionSource {
    let store: any Store
    init(_ store: any Store) { self.store = store }
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try store.write(commit: true, body) }
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try store.read(body) }
    /// Each call commits on its own: there is no transaction to keep a savepoint in.
    func savepoint<T>(_ body: () throws -> T) throws -> T { try body() }
    /// The same for a spec's `pcall`: what its fixtures wrote stays written, as each
    /// write was committed when made.
    func openSavepoint() throws -> StoreSavepoint { StoreSavepoint(id: 0) }
    func releaseSavepoint(_ savepoint: StoreSavepoint) throws {}
    func rollBack(toSavepoint savepoint: StoreSavepoint) throws {}
}

/// The transaction of the statement being run (`comity repl`): set around each one.
final class CurrentTransactionSource: TransactionSource {
    var current: (any StoreTransaction)?
    private func transaction() throws -> any StoreTransaction {
        guard let current else { throw StoreError(.database, "no statement is running") }
        return current
    }
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try body(try transaction()) }
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try body(try transaction()) }
    func savepoint<T>(_ body: () throws -> T) throws -> T { try transaction().inSavepoint(body) }
    func openSavepoint() throws -> StoreSavepoint { try transaction().openSavepoint() }
    func releaseSavepoint(_ savepoint: StoreSavepoint) throws { try transaction().releaseSavepoint(savepoint) }
    func rollBack(toSavepoint savepoint: StoreSavepoint) throws { try transaction().rollBack(toSavepoint: savepoint) }
}

/// One transaction as the API sees it, whose calls go where its source says: for a
/// state that outlives a single transaction (a spec, a REPL session).
final class ForwardingTransaction: StoreTransaction {
    let source: any TransactionSource
    /// Told to every transaction a write is forwarded to: each may be a new one.
    private var recording: EventRecording?

    init(_ source: any TransactionSource) { self.source = source }

    func recordEvents(_ recording: EventRecording) { self.recording = recording }

    private func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try source.write { transaction in
            if let recording { transaction.recordEvents(recording) }
            return try body(transaction)
        }
    }
    private func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try source.read(body) }

    func create(_ type: RecordType, _ fields: [String: FieldValue], context: ChangeContext) throws -> Record {
        try write { try $0.create(type, fields, context: context) }
    }
    func update(_ reference: RecordReference, _ changes: [String: FieldValue?], context: ChangeContext) throws -> Record {
        try write { try $0.update(reference, changes, context: context) }
    }
    func step(_ reference: RecordReference, _ verb: String, _ fields: [String: FieldValue], context: ChangeContext) throws -> Record {
        try write { try $0.step(reference, verb, fields, context: context) }
    }
    func addParticipant(_ event: RecordReference, _ participant: RecordReference, role: String, context: ChangeContext) throws {
        try write { try $0.addParticipant(event, participant, role: role, context: context) }
    }
    func participants(of event: RecordReference) throws -> [(participant: RecordReference, role: String)] {
        try read { try $0.participants(of: event) }
    }
    func archive(_ reference: RecordReference, context: ChangeContext) throws -> Record {
        try write { try $0.archive(reference, context: context) }
    }
    func restore(_ reference: RecordReference, context: ChangeContext) throws -> Record {
        try write { try $0.restore(reference, context: context) }
    }
    func record(_ reference: RecordReference) throws -> Record? { try read { try $0.record(reference) } }
    func record(_ type: RecordType, where field: String, is value: FieldValue) throws -> Record? {
        try read { try $0.record(type, where: field, is: value) }
    }
    func forEach(_ type: RecordType, _ query: RecordQuery, _ each: (Record) throws -> Bool) throws {
        try read { try $0.forEach(type, query, each) }
    }
    /// Read whole: a cursor cannot outlive the read it came from.
    func cursor(_ type: RecordType, _ query: RecordQuery) throws -> any RecordCursor {
        var records: [Record] = []
        try forEach(type, query) { records.append($0); return true }
        return ArrayCursor(records)
    }
    func count(_ type: RecordType, _ query: RecordQuery) throws -> Int { try read { try $0.count(type, query) } }
    func count(_ type: RecordType, by groups: [String], _ query: RecordQuery) throws -> [(group: [FieldValue?], count: Int)] {
        try read { try $0.count(type, by: groups, query) }
    }
    func sum(_ type: RecordType, _ field: String, by groups: [String], _ query: RecordQuery) throws -> [MoneyTotal] {
        try read { try $0.sum(type, field, by: groups, query) }
    }
    func audit(of reference: RecordReference) throws -> [AuditEntry] { try read { try $0.audit(of: reference) } }
    func changes(byRun run: String) throws -> [AuditEntry] { try read { try $0.changes(byRun: run) } }
    func events(byRun run: String) throws -> [DomainEvent] { try read { try $0.events(byRun: run) } }
    func events(since id: Int64) throws -> [(id: Int64, event: DomainEvent)] { try read { try $0.events(since: id) } }
    func event(id: Int64) throws -> DomainEvent? { try read { try $0.event(id: id) } }
    func queueMessage(_ message: OutgoingMessage) throws -> Int64 { try write { try $0.queueMessage(message) } }
    func messages(_ selection: MessageSelection) throws -> [OutgoingMessage] { try read { try $0.messages(selection) } }
    func saveMessage(_ message: OutgoingMessage) throws { try write { try $0.saveMessage(message) } }
    func messageCounts() throws -> [OutgoingMessage.Status: Int] { try read { try $0.messageCounts() } }
    func saveToken(_ token: AccessToken) throws { try write { try $0.saveToken(token) } }
    func tokens() throws -> [AccessToken] { try read { try $0.tokens() } }
    func token(hash: String) throws -> AccessToken? { try read { try $0.token(hash: hash) } }
    func revokeToken(name: String, at: Timestamp) throws -> Bool { try write { try $0.revokeToken(name: name, at: at) } }
    func touchToken(name: String, at: Timestamp) throws { try write { try $0.touchToken(name: name, at: at) } }
    func receiveDelivery(_ delivery: WebhookDelivery) throws -> Int64? { try write { try $0.receiveDelivery(delivery) } }
    func delivery(id: Int64) throws -> WebhookDelivery? { try read { try $0.delivery(id: id) } }
    func delivery(hook: String, delivery: String) throws -> WebhookDelivery? {
        try read { try $0.delivery(hook: hook, delivery: delivery) }
    }
    func delivery(hook: String, body: Data, since: Timestamp) throws -> WebhookDelivery? {
        try read { try $0.delivery(hook: hook, body: body, since: since) }
    }
    func idempotentResponse(token: String, key: String, since: Timestamp) throws -> IdempotentResponse? {
        try read { try $0.idempotentResponse(token: token, key: key, since: since) }
    }
    func keepIdempotentResponse(_ response: IdempotentResponse, since: Timestamp) throws {
        try write { try $0.keepIdempotentResponse(response, since: since) }
    }
    func inSavepoint<T>(_ body: () throws -> T) throws -> T { try source.savepoint(body) }
    func openSavepoint() throws -> StoreSavepoint { try source.openSavepoint() }
    func releaseSavepoint(_ savepoint: StoreSavepoint) throws { try source.releaseSavepoint(savepoint) }
    func rollBack(toSavepoint savepoint: StoreSavepoint) throws { try source.rollBack(toSavepoint: savepoint) }
    func saveRun(_ run: RunRecord) throws { try write { try $0.saveRun(run) } }
    func run(id: String) throws -> RunRecord? { try read { try $0.run(id: id) } }
    func runs(_ filter: RunFilter) throws -> [RunRecord] { try read { try $0.runs(filter) } }
    func markInterruptedRuns(isAlive: (Int32) -> Bool, excluding: Set<String>, at: Timestamp) throws -> [String] {
        try write { try $0.markInterruptedRuns(isAlive: isAlive, excluding: excluding, at: at) }
    }
    func changeCounts(byRun run: String) throws -> (created: Int, changed: Int) { try read { try $0.changeCounts(byRun: run) } }
    func runTotals() throws -> [RunTotal] { try read { try $0.runTotals() } }
    func enqueue(_ run: QueuedRun) throws -> Int64 { try write { try $0.enqueue(run) } }
    func takeQueuedRun(dueAt now: Timestamp) throws -> QueuedRun? { try write { try $0.takeQueuedRun(dueAt: now) } }
    func queuedRunCount() throws -> Int { try read { try $0.queuedRunCount() } }
    func queuedRuns() throws -> [QueuedRun] { try read { try $0.queuedRuns() } }
    func cancelQueuedRun(id: Int64) throws -> QueuedRun? { try write { try $0.cancelQueuedRun(id: id) } }
    func nextQueuedRunDue() throws -> Timestamp? { try read { try $0.nextQueuedRunDue() } }
    func schedules() throws -> [ScheduleRecord] { try read { try $0.schedules() } }
    func schedule(workflow: String) throws -> ScheduleRecord? { try read { try $0.schedule(workflow: workflow) } }
    func saveSchedule(_ schedule: ScheduleRecord) throws { try write { try $0.saveSchedule(schedule) } }
    func removeSchedule(workflow: String) throws { try write { try $0.removeSchedule(workflow: workflow) } }
    func dueSchedules(at now: Timestamp, limit: Int) throws -> [ScheduleRecord] {
        try read { try $0.dueSchedules(at: now, limit: limit) }
    }
    func leaseSchedule(workflow: String, _ lease: ScheduleLease, now: Timestamp) throws -> Bool {
        try write { try $0.leaseSchedule(workflow: workflow, lease, now: now) }
    }
    func nextScheduleDue() throws -> Timestamp? { try read { try $0.nextScheduleDue() } }
    func claimOnce(workflow: String, key: String, run: String, at: Timestamp) throws -> Bool {
        try write { try $0.claimOnce(workflow: workflow, key: key, run: run, at: at) }
    }
    func claimSlot(workflow: String, slot: Timestamp, run: String) throws -> Bool {
        try write { try $0.claimSlot(workflow: workflow, slot: slot, run: run) }
    }
    func storeTime() throws -> Timestamp { try read { try $0.storeTime() } }
    func registerWorker(_ worker: WorkerRecord) throws { try write { try $0.registerWorker(worker) } }
    func heartbeat(worker: String, running: [Int64], leaseSeconds: Int64) throws -> Int {
        try write { try $0.heartbeat(worker: worker, running: running, leaseSeconds: leaseSeconds) }
    }
    func stopWorker(_ worker: String) throws { try write { try $0.stopWorker(worker) } }
    func workers() throws -> [WorkerRecord] { try read { try $0.workers() } }
    func leaseQueuedRuns(worker: String, limit: Int, leaseSeconds: Int64, newRunID: () -> String) throws -> [RunLease] {
        try write { try $0.leaseQueuedRuns(worker: worker, limit: limit, leaseSeconds: leaseSeconds, newRunID: newRunID) }
    }
    func endLease(_ lease: RunLease) throws { try write { try $0.endLease(lease) } }
    func releaseLease(_ lease: RunLease) throws { try write { try $0.releaseLease(lease) } }
    func leasedRuns() throws -> [RunLease] { try read { try $0.leasedRuns() } }
    func queueDeadRows() throws -> Int? { try read { try $0.queueDeadRows() } }
    func memberships() throws -> [Membership] { try read { try $0.memberships() } }
    func saveMembership(_ membership: Membership, context: ChangeContext) throws {
        try write { try $0.saveMembership(membership, context: context) }
    }
    func removeMembership(person: Int64, organisation: Int64, context: ChangeContext) throws -> Bool {
        try write { try $0.removeMembership(person: person, organisation: organisation, context: context) }
    }
    func networkMembers() throws -> [NetworkMember] { try read { try $0.networkMembers() } }
    func addNetworkMember(_ member: NetworkMember, context: ChangeContext) throws -> Bool {
        try write { try $0.addNetworkMember(member, context: context) }
    }
    func removeNetworkMember(_ member: NetworkMember, context: ChangeContext) throws -> Bool {
        try write { try $0.removeNetworkMember(member, context: context) }
    }
    func shares() throws -> [RecordShare] { try read { try $0.shares() } }
    func forget(_ person: RecordReference, context: ChangeContext) throws -> ForgottenData {
        try write { try $0.forget(person, context: context) }
    }
    func saveShare(_ share: RecordShare, context: ChangeContext) throws -> Int64 { try write { try $0.saveShare(share, context: context) } }
    func removeShare(id: Int64, context: ChangeContext) throws -> Bool { try write { try $0.removeShare(id: id, context: context) } }

    private final class ArrayCursor: RecordCursor {
        var records: IndexingIterator<[Record]>
        init(_ records: [Record]) { self.records = records.makeIterator() }
        func next() throws -> Record? { records.next() }
    }
}
