import ComityCore
import ComitySQL
import Foundation
import GRDB

/// Run history and the trigger queue (tables `runs` and `run_queue`, migration v2).
extension SQLiteTransaction {
    // What every savepoint must do around SQLite's, in this order (`inSavepoint`, and
    // any other way of keeping part of a transaction, such as a pcall's).

    /// Before SAVEPOINT.
    func savepointWillBegin() {
        openCursors.enteringSavepoint()
    }

    /// Before ROLLBACK TO: the ids handed out so far, which the rollback would make free.
    func savepointWillRollBack() -> [String: Int64] {
        (try? IDHighWaterMarks.read(in: db)) ?? [:]
    }

    /// After ROLLBACK TO and RELEASE: those ids stay taken, and open finds go on with
    /// the rows as of their call (or refuse to, if the savepoint made them).
    func savepointDidRollBack(_ handedOut: [String: Int64]) {
        // Best effort: an error SQLite ended the whole transaction with lets both fail,
        // and the store's own rollback then keeps the ids in memory.
        try? IDHighWaterMarks.apply(handedOut, in: db)
        openCursors.rolledBackSavepoint()
    }

    /// After RELEASE: what was done inside now belongs to the savepoint around it.
    func savepointDidRelease() {
        openCursors.leftSavepoint()
    }

    func saveRun(_ run: RunRecord) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO runs (id, workflow, file, content_hash, trigger_kind, trigger_event, trigger_record_type,
                  trigger_record_id, trigger_slot, caused_by, depth, trigger_event_id, parameters, clock, started_at, ended_at,
                  outcome, error, traceback, log, records_created, records_changed, dry_run, attempt, pid, acting_as)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: StatementArguments(
                [run.id, run.workflow, run.file, run.contentHash] + Self.triggerColumns(run.trigger)
                    + [ColumnMapping.json(run.parameters), run.clock.secondsSince1970, run.startedAt.secondsSince1970,
                       run.endedAt?.secondsSince1970, run.outcome.rawValue, run.error, run.traceback, ColumnMapping.json(run.log),
                       run.recordsCreated, run.recordsChanged, run.dryRun, run.attempt, Int(run.processID), run.actingAs] as [(any DatabaseValueConvertible)?]))
    }

    func run(id: String) throws -> RunRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(Self.runRecord)
    }

    func runs(_ filter: RunFilter) throws -> [RunRecord] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let workflow = filter.workflow {
            conditions.append("workflow = ?")
            arguments.append(workflow)
        }
        if filter.unsuccessfulOnly { conditions.append("outcome NOT IN ('succeeded', 'running', 'skipped')") }
        if let outcome = filter.outcome {
            conditions.append("outcome = ?")
            arguments.append(outcome.rawValue)
        }
        if let slot = filter.slot {
            conditions.append("trigger_slot = ?")
            arguments.append(slot.secondsSince1970)
        }
        if let since = filter.since {
            conditions.append("started_at >= ?")
            arguments.append(since.secondsSince1970)
        }
        if let kind = filter.triggerKind {
            conditions.append("trigger_kind = ?")
            arguments.append(kind.rawValue)
        }
        if let cause = filter.causedBy {
            conditions.append("caused_by = ?")
            arguments.append(cause)
        }
        if let prefixes = filter.idPrefixes {
            // A range of the id's index: ids are lower-case ASCII, all below "~".
            conditions.append(prefixes.isEmpty ? "0" : "(" + prefixes.map { _ in "(id >= ? AND id < ?)" }.joined(separator: " OR ") + ")")
            for prefix in prefixes { arguments += [prefix, prefix + "~"] }
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(filter.limit)
        arguments.append(max(0, filter.offset))
        return try Row.fetchAll(
            db, sql: "SELECT * FROM runs \(whereClause) ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?",
            arguments: StatementArguments(arguments)).map(Self.runRecord)
    }

    func markInterruptedRuns(isAlive: (Int32) -> Bool, excluding: Set<String>, at: Timestamp) throws -> [String] {
        var marked: [String] = []
        for row in try Row.fetchAll(db, sql: "SELECT id, pid FROM runs WHERE outcome = 'running'") {
            let pid: Int32 = Int32(truncatingIfNeeded: row["pid"] as Int64)
            let id: String = row["id"]
            guard !isAlive(pid), !excluding.contains(id) else { continue }
            try db.execute(
                sql: """
                    UPDATE runs SET outcome = 'interrupted', ended_at = ?,
                      error = CASE WHEN id LIKE 'repl-%'
                        THEN 'the repl session''s process stopped before the session ended; the statements it committed are kept'
                        ELSE 'the process running it stopped before the run ended (a crash, SIGKILL or power loss); nothing it wrote was kept' END
                    WHERE id = ?
                    """,
                arguments: [at.secondsSince1970, id])
            marked.append(id)
        }
        return marked
    }

    func runTotals() throws -> [RunTotal] {
        try Row.fetchAll(db, sql: RunTotalsSQL.query).compactMap { row in RunTotalsSQL.total(row.databaseValues.map(SQLValue.init)) }
    }

    func changeCounts(byRun run: String) throws -> (created: Int, changed: Int) {
        if let counts = tally.counts(run: run) {
            let earlier = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM audit WHERE run = ? AND id <= ?)"),
                arguments: [run, tally.auditIDBefore]) ?? false
            if !earlier { return counts }
        }
        try flushAudit()
        // A record is created once: its create rows need no DISTINCT, which was most of
        // what counting a large run's changes cost.
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FILTER (WHERE action = 'create') AS created,
                       COUNT(DISTINCT CASE WHEN action <> 'create' THEN record_type || '#' || record_id END) AS changed
                FROM audit WHERE run = ?
                """,
            arguments: [run])
        return (row?["created"] ?? 0, row?["changed"] ?? 0)
    }

    @discardableResult func enqueue(_ run: QueuedRun) throws -> Int64 {
        // Cached: a run whose creations are listened to queues one run per record.
        try db.cachedStatement(
            sql: """
                INSERT INTO run_queue (workflow, file, trigger_kind, trigger_event, trigger_record_type, trigger_record_id,
                  trigger_slot, caused_by, depth, trigger_event_id, enqueued_at, not_before, attempt, parameters)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(
            arguments: StatementArguments(
                [run.workflow, run.file] + Self.triggerColumns(run.trigger)
                    + [run.enqueuedAt.secondsSince1970, run.notBefore.secondsSince1970, run.attempt,
                       ColumnMapping.json(run.parameters)] as [(any DatabaseValueConvertible)?]))
        return db.lastInsertedRowID
    }

    func takeQueuedRun(dueAt now: Timestamp) throws -> QueuedRun? {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT * FROM run_queue WHERE state = 'waiting' AND not_before <= ? ORDER BY not_before, id LIMIT 1",
            arguments: [now.secondsSince1970])
        else { return nil }
        let id: Int64 = row["id"]
        try db.execute(sql: "DELETE FROM run_queue WHERE id = ?", arguments: [id])
        return Self.queuedRun(row)
    }

    func cancelQueuedRun(id: Int64) throws -> QueuedRun? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM run_queue WHERE id = ? AND state = 'waiting'", arguments: [id])
        else { return nil }
        try db.execute(sql: "DELETE FROM run_queue WHERE id = ? AND state = 'waiting'", arguments: [id])
        return Self.queuedRun(row)
    }

    func queuedRuns() throws -> [QueuedRun] {
        try Row.fetchAll(db, sql: "SELECT * FROM run_queue WHERE state = 'waiting' ORDER BY not_before, id").map(Self.queuedRun)
    }

    static func queuedRun(_ row: Row) -> QueuedRun {
        QueuedRun(
            id: row["id"], workflow: row["workflow"], file: row["file"], trigger: trigger(row),
            enqueuedAt: Timestamp(secondsSince1970: row["enqueued_at"]), notBefore: Timestamp(secondsSince1970: row["not_before"]),
            attempt: row["attempt"],
            parameters: (try? JSONDecoder().decode([String: String].self, from: Data(((row["parameters"] as String?) ?? "{}").utf8))) ?? [:])
    }

    func queuedRunCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run_queue WHERE state = 'waiting'") ?? 0
    }

    func claimOnce(workflow: String, key: String, run: String, at: Timestamp) throws -> Bool {
        try db.execute(sql: "INSERT OR IGNORE INTO run_once (workflow, key, run, at) VALUES (?, ?, ?, ?)",
                       arguments: [workflow, key, run, at.secondsSince1970])
        return db.changesCount > 0
    }

    // MARK: Rows

    private static func triggerColumns(_ trigger: RunTrigger) -> [(any DatabaseValueConvertible)?] {
        [trigger.kind.rawValue, trigger.event, trigger.record?.type.rawValue, trigger.record?.id, trigger.slot?.secondsSince1970,
         trigger.causedBy, trigger.depth, trigger.eventID]
    }

    private static func trigger(_ row: Row) -> RunTrigger {
        var record: RecordReference?
        if let typeName: String = row["trigger_record_type"], let type = RecordType(rawValue: typeName),
           let id: Int64 = row["trigger_record_id"] {
            record = RecordReference(type, id)
        }
        let slot: Int64? = row["trigger_slot"]
        return RunTrigger(
            RunTrigger.Kind(rawValue: row["trigger_kind"]) ?? .manual, event: row["trigger_event"], record: record,
            eventID: row["trigger_event_id"], slot: slot.map { Timestamp(secondsSince1970: $0) }, causedBy: row["caused_by"], depth: row["depth"])
    }

    private static func runRecord(_ row: Row) -> RunRecord {
        let ended: Int64? = row["ended_at"]
        let parameters = (try? JSONDecoder().decode([String: String].self, from: Data((row["parameters"] as String).utf8))) ?? [:]
        let log = (try? JSONDecoder().decode([String].self, from: Data((row["log"] as String).utf8))) ?? []
        return RunRecord(
            id: row["id"], workflow: row["workflow"], file: row["file"], contentHash: row["content_hash"], trigger: trigger(row),
            parameters: parameters, clock: Timestamp(secondsSince1970: row["clock"]),
            startedAt: Timestamp(secondsSince1970: row["started_at"]), endedAt: ended.map { Timestamp(secondsSince1970: $0) },
            outcome: RunRecord.Outcome(rawValue: row["outcome"]) ?? .failed, error: row["error"], traceback: row["traceback"],
            log: log, recordsCreated: row["records_created"], recordsChanged: row["records_changed"], dryRun: row["dry_run"],
            attempt: row["attempt"], processID: Int32(truncatingIfNeeded: row["pid"] as Int64), actingAs: row["acting_as"])
    }
}
