import ComityCore
import ComitySQL
import Foundation

/// Run history, the trigger queue and once-keys (tables `runs`, `run_queue`, `run_once`).
extension PostgresTransaction {
    func saveRun(_ run: RunRecord) throws {
        try session.execute(
            """
            INSERT INTO runs (id, workflow, file, content_hash, trigger_kind, trigger_event, trigger_record_type,
              trigger_record_id, trigger_slot, caused_by, depth, trigger_event_id, parameters, clock, started_at, ended_at,
              outcome, error, traceback, log, records_created, records_changed, dry_run, attempt, pid, host, acting_as)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?::int::boolean, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET workflow = EXCLUDED.workflow, file = EXCLUDED.file, content_hash = EXCLUDED.content_hash,
              trigger_kind = EXCLUDED.trigger_kind, trigger_event = EXCLUDED.trigger_event,
              trigger_record_type = EXCLUDED.trigger_record_type, trigger_record_id = EXCLUDED.trigger_record_id,
              trigger_slot = EXCLUDED.trigger_slot, caused_by = EXCLUDED.caused_by, depth = EXCLUDED.depth,
              trigger_event_id = EXCLUDED.trigger_event_id, parameters = EXCLUDED.parameters, clock = EXCLUDED.clock,
              started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at, outcome = EXCLUDED.outcome, error = EXCLUDED.error,
              traceback = EXCLUDED.traceback, log = EXCLUDED.log, records_created = EXCLUDED.records_created,
              records_changed = EXCLUDED.records_changed, dry_run = EXCLUDED.dry_run, attempt = EXCLUDED.attempt, pid = EXCLUDED.pid,
              host = EXCLUDED.host, acting_as = EXCLUDED.acting_as,
              saved = nextval('runs_saved')
            """,
            [.text(run.id), run.workflow.sqlValue, .text(run.file), .text(run.contentHash)] + Self.triggerColumns(run.trigger)
                + [.text(ColumnValues.json(run.parameters)), .integer(run.clock.secondsSince1970), .integer(run.startedAt.secondsSince1970),
                   (run.endedAt?.secondsSince1970).sqlValue, .text(run.outcome.rawValue), run.error.sqlValue, run.traceback.sqlValue,
                   .text(ColumnValues.json(run.log)), .integer(Int64(run.recordsCreated)), .integer(Int64(run.recordsChanged)),
                   .integer(run.dryRun ? 1 : 0), .integer(Int64(run.attempt)), .integer(Int64(run.processID)),
                   .text(run.host ?? LocalProcess.hostName), run.actingAs.sqlValue])
    }

    func run(id: String) throws -> RunRecord? {
        try session.query("SELECT \(Self.runColumns) FROM runs WHERE id = ?", [.text(id)]).first.map(Self.runRecord)
    }

    func runs(_ filter: RunFilter) throws -> [RunRecord] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let workflow = filter.workflow {
            conditions.append("workflow = ?")
            arguments.append(.text(workflow))
        }
        if filter.unsuccessfulOnly { conditions.append("outcome NOT IN ('succeeded', 'running', 'skipped')") }
        if let outcome = filter.outcome {
            conditions.append("outcome = ?")
            arguments.append(.text(outcome.rawValue))
        }
        if let slot = filter.slot {
            conditions.append("trigger_slot = ?")
            arguments.append(.integer(slot.secondsSince1970))
        }
        if let since = filter.since {
            conditions.append("started_at >= ?")
            arguments.append(.integer(since.secondsSince1970))
        }
        if let kind = filter.triggerKind {
            conditions.append("trigger_kind = ?")
            arguments.append(.text(kind.rawValue))
        }
        if let cause = filter.causedBy {
            conditions.append("caused_by = ?")
            arguments.append(.text(cause))
        }
        if let prefixes = filter.idPrefixes {
            // starts_with compares bytes, whatever the database's collation orders by.
            conditions.append(prefixes.isEmpty ? "false" : "(" + prefixes.map { _ in "starts_with(id, ?)" }.joined(separator: " OR ") + ")")
            arguments += prefixes.map { .text($0) }
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(.integer(Int64(filter.limit)))
        arguments.append(.integer(Int64(max(0, filter.offset))))
        // Newest first; runs started in the same second by when they were last saved.
        return try session.query("SELECT \(Self.runColumns) FROM runs \(whereClause) ORDER BY started_at DESC, saved DESC LIMIT ? OFFSET ?", arguments)
            .map(Self.runRecord)
    }

    func markInterruptedRuns(isAlive: (Int32) -> Bool, excluding: Set<String>, at: Timestamp) throws -> [String] {
        var marked: [String] = []
        // Only this machine's: a process id says nothing about a run on another machine.
        for row in try session.query("SELECT id, pid FROM runs WHERE outcome = 'running' AND host = ?", [.text(LocalProcess.hostName)]) {
            guard let id = row[0].text else { continue }
            let pid = Int32(truncatingIfNeeded: row[1].integer ?? 0)
            guard !isAlive(pid), !excluding.contains(id) else { continue }
            try session.execute(
                """
                UPDATE runs SET outcome = 'interrupted', ended_at = ?,
                  error = CASE WHEN id LIKE 'repl-%'
                    THEN 'the repl session''s process stopped before the session ended; the statements it committed are kept'
                    ELSE 'the process running it stopped before the run ended (a crash, SIGKILL or power loss); nothing it wrote was kept' END
                WHERE id = ?
                """, [.integer(at.secondsSince1970), .text(id)])
            marked.append(id)
        }
        return marked
    }

    func runTotals() throws -> [RunTotal] {
        try session.query(RunTotalsSQL.query).compactMap { RunTotalsSQL.total($0.values) }
    }

    func changeCounts(byRun run: String) throws -> (created: Int, changed: Int) {
        try writePendingAudit()
        let row = try session.query(
            """
            SELECT COUNT(*) FILTER (WHERE action = 'create'),
                   COUNT(DISTINCT CASE WHEN action <> 'create' THEN record_type || '#' || record_id END)
            FROM audit WHERE run = ?
            """, [.text(run)]).first
        return (Int(row?[0].integer ?? 0), Int(row?[1].integer ?? 0))
    }

    @discardableResult func enqueue(_ run: QueuedRun) throws -> Int64 {
        wakeups.queueChanged()
        return try session.query(
            """
            INSERT INTO run_queue (workflow, file, trigger_kind, trigger_event, trigger_record_type, trigger_record_id,
              trigger_slot, caused_by, depth, trigger_event_id, enqueued_at, not_before, attempt, parameters)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) RETURNING id
            """,
            [.text(run.workflow), .text(run.file)] + Self.triggerColumns(run.trigger)
                + [.integer(run.enqueuedAt.secondsSince1970), .integer(run.notBefore.secondsSince1970), .integer(Int64(run.attempt)),
                   .text(ColumnValues.json(run.parameters))]).first?.integer("id") ?? 0
    }

    func takeQueuedRun(dueAt now: Timestamp) throws -> QueuedRun? {
        // One statement: the oldest due row no other transaction holds, locked and
        // deleted; a taker never waits for another, and no row is taken twice.
        try session.query(
            """
            WITH next AS MATERIALIZED (
              SELECT id FROM run_queue WHERE state = 'waiting' AND not_before <= ? ORDER BY not_before, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            DELETE FROM run_queue q USING next WHERE q.id = next.id RETURNING q.*
            """, [.integer(now.secondsSince1970)]).first.map(Self.queuedRun)
    }

    func queuedRuns() throws -> [QueuedRun] {
        try session.query("SELECT * FROM run_queue WHERE state = 'waiting' ORDER BY not_before, id").map(Self.queuedRun)
    }

    func cancelQueuedRun(id: Int64) throws -> QueuedRun? {
        // Not a leased run: its worker runs it, and its lease is its own to end.
        try session.query("DELETE FROM run_queue WHERE id = ? AND state = 'waiting' RETURNING *", [.integer(id)]).first.map(Self.queuedRun)
    }

    func queuedRunCount() throws -> Int {
        Int(try session.scalar("SELECT COUNT(*) FROM run_queue WHERE state = 'waiting'").integer ?? 0)
    }

    func nextQueuedRunDue() throws -> Timestamp? {
        try session.scalar("SELECT MIN(not_before) FROM run_queue WHERE state = 'waiting'").integer.map(Timestamp.init(secondsSince1970:))
    }

    func claimOnce(workflow: String, key: String, run: String, at: Timestamp) throws -> Bool {
        try session.execute("INSERT INTO run_once (workflow, key, run, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            [.text(workflow), .text(key), .text(run), .integer(at.secondsSince1970)]) > 0
    }

    // MARK: Rows

    /// `runs`' columns with its JSON as text, and `dry_run` as 1 or 0.
    private static let runColumns = """
        id, workflow, file, content_hash, trigger_kind, trigger_event, trigger_record_type, trigger_record_id, trigger_slot,
        caused_by, depth, trigger_event_id, parameters::text AS parameters, clock, started_at, ended_at, outcome, error, traceback,
        log::text AS log, records_created, records_changed, dry_run, attempt, pid, host, acting_as
        """

    private static func triggerColumns(_ trigger: RunTrigger) -> [SQLValue] {
        [.text(trigger.kind.rawValue), trigger.event.sqlValue, (trigger.record?.type.rawValue).sqlValue, (trigger.record?.id).sqlValue,
         (trigger.slot?.secondsSince1970).sqlValue, trigger.causedBy.sqlValue, .integer(Int64(trigger.depth)), trigger.eventID.sqlValue]
    }

    private static func trigger(_ row: PostgresResultRow) -> RunTrigger {
        var record: RecordReference?
        if let name = row.text("trigger_record_type"), let type = RecordType(rawValue: name), let id = row.integer("trigger_record_id") {
            record = RecordReference(type, id)
        }
        return RunTrigger(
            RunTrigger.Kind(rawValue: row.text("trigger_kind") ?? "") ?? .manual, event: row.text("trigger_event"), record: record,
            eventID: row.integer("trigger_event_id"), slot: row.integer("trigger_slot").map(Timestamp.init(secondsSince1970:)),
            causedBy: row.text("caused_by"), depth: Int(row.integer("depth") ?? 0))
    }

    static func queuedRun(_ row: PostgresResultRow) -> QueuedRun {
        QueuedRun(
            id: row.integer("id") ?? 0, workflow: row.text("workflow") ?? "", file: row.text("file") ?? "", trigger: trigger(row),
            enqueuedAt: Timestamp(secondsSince1970: row.integer("enqueued_at") ?? 0),
            notBefore: Timestamp(secondsSince1970: row.integer("not_before") ?? 0), attempt: Int(row.integer("attempt") ?? 1),
            parameters: (try? JSONDecoder().decode([String: String].self, from: Data((row.text("parameters") ?? "{}").utf8))) ?? [:])
    }

    private static func runRecord(_ row: PostgresResultRow) -> RunRecord {
        let parameters = (try? JSONDecoder().decode([String: String].self, from: Data((row.text("parameters") ?? "{}").utf8))) ?? [:]
        let log = (try? JSONDecoder().decode([String].self, from: Data((row.text("log") ?? "[]").utf8))) ?? []
        return RunRecord(
            id: row.text("id") ?? "", workflow: row.text("workflow"), file: row.text("file") ?? "",
            contentHash: row.text("content_hash") ?? "", trigger: trigger(row), parameters: parameters,
            clock: Timestamp(secondsSince1970: row.integer("clock") ?? 0), startedAt: Timestamp(secondsSince1970: row.integer("started_at") ?? 0),
            endedAt: row.integer("ended_at").map(Timestamp.init(secondsSince1970:)),
            outcome: RunRecord.Outcome(rawValue: row.text("outcome") ?? "") ?? .failed, error: row.text("error"),
            traceback: row.text("traceback"), log: log, recordsCreated: Int(row.integer("records_created") ?? 0),
            recordsChanged: Int(row.integer("records_changed") ?? 0), dryRun: row.integer("dry_run") == 1,
            attempt: Int(row.integer("attempt") ?? 1), processID: Int32(truncatingIfNeeded: row.integer("pid") ?? 0),
            host: row.text("host").flatMap { $0 == LocalProcess.hostName ? nil : $0 }, actingAs: row.text("acting_as"))
    }
}
