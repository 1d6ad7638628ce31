import Foundation

/// Where records live. One run is one transaction: everything it writes, with its
/// audit entries and domain events, is committed together or not at all. The
/// protocol shows no database library's types, so that stores other than SQLite
/// (PostgreSQL, for networks that outgrow one machine) can stand behind it.
public protocol Store: AnyObject {
    var schema: DomainSchema { get }

    /// Runs `body` in one write transaction: committed when it returns normally and
    /// `commit` is true; rolled back when it throws or `commit` is false (dry runs).
    func write<T>(commit: Bool, _ body: (any StoreTransaction) throws -> T) throws -> T

    /// Runs `body` with a consistent read-only view.
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
}

/// The operations of one transaction: what each part of a store keeps, composed.
/// Every write records its audit entries, and every lifecycle step, creation and
/// change its domain event (creations and changes as `recordEvents` says), in the same
/// transaction. A store implements each part; its record operations come from the
/// domain's rules (`RecordKeeping`) over what it stores (`RecordStorage`).
public protocol StoreTransaction: RecordTransaction, StoreSavepoints, RunHistoryStore, TriggerQueueStore, ScheduleStore,
    OutboxStore, OnceKeyStore, RunLeaseStore, AccessTokenStore, AccessStore, PersonalDataStore, WebhookInboxStore, IdempotencyStore, IdleAllowance {}

/// How long a run's script may compute between two statements of its transaction.
public protocol IdleAllowance {
    /// The run in this transaction may compute up to `limit` (its time limit; nil:
    /// without one) without sending a statement: a store that ends transactions left
    /// idle (PostgreSQL's idle_in_transaction_session_timeout, there for a paused
    /// worker) keeps this one open that long, so a run is stopped by its own limit.
    func allowIdle(upTo limit: Duration?) throws
}

extension IdleAllowance {
    /// A store that never ends an idle transaction (SQLite) has nothing to change.
    public func allowIdle(upTo limit: Duration?) throws {}
}

/// Records, with their audit and their domain events.
public protocol RecordTransaction {
    /// From now on in this transaction, records the `TYPE.created` and `TYPE.updated`
    /// events `recording` names (all of them until this is called). Lifecycle events
    /// are always recorded.
    func recordEvents(_ recording: EventRecording)

    /// Creates a record; its fields are validated against the schema.
    func create(_ type: RecordType, _ fields: [String: FieldValue], context: ChangeContext) throws -> Record
    /// Changes fields of a record; only what differs is written and audited.
    func update(_ reference: RecordReference, _ changes: [String: FieldValue?], context: ChangeContext) throws -> Record
    /// Takes a lifecycle step (`award`), with fields that go with it (a dismissal's reason).
    func step(_ reference: RecordReference, _ verb: String, _ fields: [String: FieldValue], context: ChangeContext) throws -> Record
    /// Adds an organisation or a person to an event, in a role (organiser, speaker,
    /// moderator, sponsor, attendee). Adding the same again changes nothing.
    func addParticipant(_ event: RecordReference, _ participant: RecordReference, role: String, context: ChangeContext) throws
    /// An event's participants with their roles, in the order they were added.
    func participants(of event: RecordReference) throws -> [(participant: RecordReference, role: String)]
    func archive(_ reference: RecordReference, context: ChangeContext) throws -> Record
    func restore(_ reference: RecordReference, context: ChangeContext) throws -> Record

    func record(_ reference: RecordReference) throws -> Record?
    /// A record by a unique field's value (an organisation's identifier).
    func record(_ type: RecordType, where field: String, is value: FieldValue) throws -> Record?
    /// Calls `each` for every record the query selects, streaming; `each` returns
    /// false to stop early.
    func forEach(_ type: RecordType, _ query: RecordQuery, _ each: (Record) throws -> Bool) throws
    /// The records a query selects, one at a time; valid only inside the transaction.
    func cursor(_ type: RecordType, _ query: RecordQuery) throws -> any RecordCursor
    func count(_ type: RecordType, _ query: RecordQuery) throws -> Int
    /// Counts grouped by fields, computed by the database: one row per group.
    func count(_ type: RecordType, by groups: [String], _ query: RecordQuery) throws -> [(group: [FieldValue?], count: Int)]
    /// Totals of a money field, grouped by other fields, computed by the database;
    /// one row per group and currency.
    func sum(_ type: RecordType, _ field: String, by groups: [String], _ query: RecordQuery) throws -> [MoneyTotal]

    func audit(of reference: RecordReference) throws -> [AuditEntry]
    /// Every audit entry a run wrote, in order.
    func changes(byRun run: String) throws -> [AuditEntry]
    /// Every domain event a run recorded, in order.
    func events(byRun run: String) throws -> [DomainEvent]
    /// The domain events with ids above `id`, by id. Ids follow insertion, not commit:
    /// with several writers (PostgreSQL) a lower id may commit after a higher one, so
    /// this is not a cursor to follow the events with (triggers are queued in the
    /// transaction that records the event, never by reading events afterwards).
    func events(since id: Int64) throws -> [(id: Int64, event: DomainEvent)]
    /// One event by its id, with its data: what a run it triggered reads as `ctx.trigger`.
    func event(id: Int64) throws -> DomainEvent?
}

/// Parts of a transaction kept or undone on their own: records, audit, events, queued
/// runs, messages and once-keys written inside a savepoint go with it.
public protocol StoreSavepoints {
    /// Runs `body` so that, if it throws, what it wrote is undone and the rest of the
    /// transaction stands (one row of an import).
    func inSavepoint<T>(_ body: () throws -> T) throws -> T
    /// Opens a savepoint that lasts until it is released or rolled back, for a part that
    /// is not one closure (a Lua `pcall` whose first write opens it). Savepoints nest:
    /// ending one ends every one opened after it, as SQL's do.
    func openSavepoint() throws -> StoreSavepoint
    /// Keeps what was written since `savepoint`, and ends it.
    func releaseSavepoint(_ savepoint: StoreSavepoint) throws
    /// Undoes what was written since `savepoint` (records, audit, events), and ends it.
    func rollBack(toSavepoint savepoint: StoreSavepoint) throws
}

/// The run history: one record per run, whatever its outcome.
public protocol RunHistoryStore {
    /// Records a run as started (outcome `running`) or, once it exists, as it is now.
    func saveRun(_ run: RunRecord) throws
    func run(id: String) throws -> RunRecord?
    /// The runs a filter selects, newest first.
    func runs(_ filter: RunFilter) throws -> [RunRecord]
    /// Marks every `running` run whose process is gone (`isAlive` false) as
    /// `interrupted`, except those in `excluding` (their end is known, and waits to be
    /// written); returns their ids.
    func markInterruptedRuns(isAlive: (Int32) -> Bool, excluding: Set<String>, at: Timestamp) throws -> [String]
    /// Records written by a run: how many created, how many changed.
    func changeCounts(byRun run: String) throws -> (created: Int, changed: Int)
    /// The history summed per workflow and outcome, for metrics.
    func runTotals() throws -> [RunTotal]
}

/// The trigger queue: runs waiting to be taken, each taken exactly once.
public protocol TriggerQueueStore {
    /// Queues a run; returns the id the queue gave it.
    @discardableResult func enqueue(_ run: QueuedRun) throws -> Int64
    /// The oldest queued run due at `now`, taken off the queue; nil when none is due.
    func takeQueuedRun(dueAt now: Timestamp) throws -> QueuedRun?
    /// How many runs wait in the queue, due or not.
    func queuedRunCount() throws -> Int
    /// Every run waiting in the queue, due or not, in the order they will be taken.
    func queuedRuns() throws -> [QueuedRun]
    /// Takes a waiting run off the queue without running it and returns it; nil when no
    /// run of that id waits (a leased one is a worker's, and runs).
    func cancelQueuedRun(id: Int64) throws -> QueuedRun?
    /// When the next queued run is due (it may be now or past); nil when none waits.
    func nextQueuedRunDue() throws -> Timestamp?
}

/// Workers and the queued runs they lease (see `RunLease`). Every time is the store's
/// clock: the database server's on PostgreSQL, so that machines whose clocks differ
/// agree on when a lease ends.
public protocol RunLeaseStore {
    /// The store's clock, in whole seconds.
    func storeTime() throws -> Timestamp
    /// Records a worker as started, with its first heartbeat (now, by the store's clock).
    func registerWorker(_ worker: WorkerRecord) throws
    /// Renews a worker's heartbeat and, in one statement, the leases it holds of the
    /// queued runs `running` (those it is running now), to `leaseSeconds` from now; how
    /// many it renewed. A lease its worker no longer runs (left by an error) is not
    /// renewed: it expires, and any worker takes the run over.
    func heartbeat(worker: String, running: [Int64], leaseSeconds: Int64) throws -> Int
    /// Records a worker as stopped (its own graceful end) and gives back the leases it holds.
    func stopWorker(_ worker: String) throws
    /// Every worker known, the most recent heartbeat first.
    func workers() throws -> [WorkerRecord]
    /// Leases up to `limit` runs to `worker`, oldest due first: waiting runs that are due
    /// and runs whose lease expired, each with its next epoch and a new run id from
    /// `newRunID`. Runs other transactions are leasing are passed over, never waited for.
    func leaseQueuedRuns(worker: String, limit: Int, leaseSeconds: Int64, newRunID: () -> String) throws -> [RunLease]
    /// Ends a lease: the run leaves the queue. Refused (`StoreError.Kind.leaseLost`)
    /// unless the lease is still the worker's at its epoch; made in the run's own
    /// transaction, this refusal is what keeps a worker that lost its lease from
    /// committing anything.
    func endLease(_ lease: RunLease) throws
    /// Gives a lease back, unless it is no longer the worker's at its epoch: the run waits
    /// in the queue again (a run cancelled by a shutdown, or cut off from the database).
    func releaseLease(_ lease: RunLease) throws
    /// Every run leased now.
    func leasedRuns() throws -> [RunLease]
    /// Rows of the queue's table that are dead and not yet vacuumed, where the store
    /// keeps such a count (PostgreSQL); nil elsewhere.
    func queueDeadRows() throws -> Int?
}

/// Schedules, with the leases that let one runner at a time take a slot.
public protocol ScheduleStore {
    /// Every schedule, by workflow name.
    func schedules() throws -> [ScheduleRecord]
    func schedule(workflow: String) throws -> ScheduleRecord?
    /// Adds a schedule or replaces the one of the same workflow.
    func saveSchedule(_ schedule: ScheduleRecord) throws
    func removeSchedule(workflow: String) throws
    /// Schedules due at `now`: not paused, without error, next slot at or before `now`,
    /// and no lease held past `now`; oldest slot first, at most `limit`.
    func dueSchedules(at now: Timestamp, limit: Int) throws -> [ScheduleRecord]
    /// Gives `lease` on the schedule unless another unexpired one is held or its next
    /// slot has moved on from `lease.slot`; true when given.
    func leaseSchedule(workflow: String, _ lease: ScheduleLease, now: Timestamp) throws -> Bool
    /// The earliest moment a schedule comes due: a next slot, or the end of the lease
    /// that holds it back. Nil when nothing is scheduled.
    func nextScheduleDue() throws -> Timestamp?
    /// Claims a slot as run by `run`, in the transaction that advances its schedule;
    /// false when the slot was claimed already (each slot runs once, whatever leases say).
    func claimSlot(workflow: String, slot: Timestamp, run: String) throws -> Bool
}

/// The API tokens of `comity serve` (see `AccessToken`).
public protocol AccessTokenStore {
    /// Keeps a new token; refused (`StoreError.Kind.duplicate`) when one of that name exists,
    /// revoked or not, so a name in old logs always means one token.
    func saveToken(_ token: AccessToken) throws
    /// Every token, revoked ones too, by name.
    func tokens() throws -> [AccessToken]
    /// The token whose secret hashes to `hash`, revoked or not.
    func token(hash: String) throws -> AccessToken?
    /// Revokes a token; false when none has that name or it was revoked already.
    func revokeToken(name: String, at: Timestamp) throws -> Bool
    /// Notes a token's use.
    func touchToken(name: String, at: Timestamp) throws
}

/// The webhook inbox: deliveries kept with the runs they queued.
public protocol WebhookInboxStore {
    /// Keeps a delivery and returns its id; nil, keeping nothing, when its hook has a
    /// delivery of the same id already (a replay).
    func receiveDelivery(_ delivery: WebhookDelivery) throws -> Int64?
    func delivery(id: Int64) throws -> WebhookDelivery?
    /// The delivery a hook received with the sender's id `delivery`.
    func delivery(hook: String, delivery: String) throws -> WebhookDelivery?
    /// The first delivery a hook received at or after `since` with exactly this body: a
    /// style whose signature covers the body only (GitHub's) is replayed with a new id.
    func delivery(hook: String, body: Data, since: Timestamp) throws -> WebhookDelivery?
}

/// The answers of API writes sent with an `Idempotency-Key` (see `IdempotentResponse`).
public protocol IdempotencyStore {
    /// The answer kept for a token's key, if one is kept and not older than `since`.
    func idempotentResponse(token: String, key: String, since: Timestamp) throws -> IdempotentResponse?
    /// Keeps an answer, replacing one of the same token and key older than `since`
    /// (a key may be used again once its answer is forgotten); refused
    /// (`StoreError.Kind.duplicate`) when a newer one is kept.
    func keepIdempotentResponse(_ response: IdempotentResponse, since: Timestamp) throws
}

/// The outbox: messages queued by runs, sent later.
public protocol OutboxStore {
    /// Queues a message; returns its id.
    func queueMessage(_ message: OutgoingMessage) throws -> Int64
    /// The messages `selection` chooses, in its order; their attachments' bytes only
    /// when it says (a listing needs their names and sizes only).
    func messages(_ selection: MessageSelection) throws -> [OutgoingMessage]
    /// Saves a message's status, attempts, error and times.
    func saveMessage(_ message: OutgoingMessage) throws
    /// How many messages are in each status (statuses with none left out): counted by
    /// the store, for a metrics scrape over an outbox of every message ever sent.
    func messageCounts() throws -> [OutgoingMessage.Status: Int]
}

/// The keys of `ctx.once`.
public protocol OnceKeyStore {
    /// `ctx.once`: records `key` for `workflow` unless it is there; true when it was
    /// not (the body should run). Rolled back with a failed run, so a retry runs it.
    func claimOnce(workflow: String, key: String, run: String, at: Timestamp) throws -> Bool
}

extension StoreSavepoints {
    /// `openSavepoint`, `body`, then release or roll back: the same for every store.
    public func inSavepoint<T>(_ body: () throws -> T) throws -> T {
        let savepoint = try openSavepoint()
        let result: T
        do {
            result = try body()
        } catch {
            do {
                try rollBack(toSavepoint: savepoint)
            } catch let rollback {
                // Never go on as if undone: the caller would keep half.
                throw StoreError(.database, "could not undo what was written after \(error): \(rollback)")
            }
            throw error
        }
        try releaseSavepoint(savepoint)
        return result
    }
}

extension RecordTransaction {
    /// Through `cursor`, closed when `each` stops early.
    public func forEach(_ type: RecordType, _ query: RecordQuery, _ each: (Record) throws -> Bool) throws {
        let records = try cursor(type, query)
        defer { records.close() }
        while let record = try records.next() {
            if try !each(record) { break }
        }
    }

    /// The first record whose field holds `value`, archived or not.
    public func record(_ type: RecordType, where field: String, is value: FieldValue) throws -> Record? {
        var found: Record?
        try forEach(type, RecordQuery(filters: [.init(field, .equal, value)], limit: 1, includeArchived: true)) { record in
            found = record
            return false
        }
        return found
    }
}

extension OutboxStore {
    /// Messages in one status (all when nil), oldest first, with their attachments' bytes.
    public func messages(_ status: OutgoingMessage.Status?) throws -> [OutgoingMessage] {
        try messages(status, withAttachmentData: true)
    }

    /// Every message in one status (all when nil), oldest first.
    public func messages(_ status: OutgoingMessage.Status?, withAttachmentData: Bool) throws -> [OutgoingMessage] {
        try messages(MessageSelection(status: status, withAttachmentData: withAttachmentData))
    }
}

/// Records one at a time, as a query streams them.
public protocol RecordCursor: AnyObject {
    func next() throws -> Record?
    /// Ends the cursor before its last row (a loop left early): it holds nothing more,
    /// and `next` returns nil.
    func close()
}

extension RecordCursor {
    public func close() {}
}

/// Who changes something and when: the run and its clock.
public struct ChangeContext: Sendable {
    public let run: String?
    public let at: Timestamp
    public let timeZone: TimeZone
    /// The principal a change is made as, as the audit names it; nil for the workspace.
    public var principal: String?

    public init(run: String?, at: Timestamp, timeZone: TimeZone = .gmt, principal: String? = nil) {
        self.principal = principal
        self.run = run
        self.at = at
        self.timeZone = timeZone
    }
}
