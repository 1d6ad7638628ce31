import ComityCore
import ComitySQL

/// Workers and leased runs (tables `workers` and `run_queue`). Every time is the
/// server's (`now()`, in whole seconds), never a worker's clock.
extension PostgresTransaction {
    /// The server's clock, as the SQL below reads it.
    private static let now = "floor(extract(epoch FROM now()))::bigint"

    func storeTime() throws -> Timestamp {
        Timestamp(secondsSince1970: try session.scalar("SELECT \(Self.now)").integer ?? 0)
    }

    func registerWorker(_ worker: WorkerRecord) throws {
        try session.execute(
            """
            INSERT INTO workers (id, host, pid, version, started_at, heartbeat, stopped_at)
            VALUES (?, ?, ?, ?, \(Self.now), \(Self.now), NULL)
            ON CONFLICT (id) DO UPDATE SET heartbeat = EXCLUDED.heartbeat, stopped_at = NULL
            """, [.text(worker.id), .text(worker.host), .integer(Int64(worker.processID)), .text(worker.version)])
    }

    func heartbeat(worker: String, running: [Int64], leaseSeconds: Int64) throws -> Int {
        try session.execute("UPDATE workers SET heartbeat = \(Self.now) WHERE id = ?", [.text(worker)])
        guard !running.isEmpty else { return 0 }
        // One statement renews every lease the worker runs.
        return try session.execute(
            "UPDATE run_queue SET lease_until = \(Self.now) + ? WHERE state = 'leased' AND lease_owner = ? AND id = ANY(?::bigint[])",
            [.integer(leaseSeconds), .text(worker), .text("{" + running.map(String.init).joined(separator: ",") + "}")])
    }

    func stopWorker(_ worker: String) throws {
        try session.execute("UPDATE workers SET stopped_at = \(Self.now), heartbeat = \(Self.now) WHERE id = ?", [.text(worker)])
        let released = try session.execute(
            "UPDATE run_queue SET state = 'waiting', lease_owner = NULL, lease_until = NULL WHERE state = 'leased' AND lease_owner = ?",
            [.text(worker)])
        if released > 0 { wakeups.queueChanged() }
    }

    func workers() throws -> [WorkerRecord] {
        try session.query("SELECT * FROM workers ORDER BY heartbeat DESC, id").map { row in
            WorkerRecord(id: row.text("id") ?? "", host: row.text("host") ?? "", processID: Int32(truncatingIfNeeded: row.integer("pid") ?? 0),
                         version: row.text("version") ?? "", startedAt: Timestamp(secondsSince1970: row.integer("started_at") ?? 0),
                         heartbeat: Timestamp(secondsSince1970: row.integer("heartbeat") ?? 0),
                         stoppedAt: row.integer("stopped_at").map(Timestamp.init(secondsSince1970:)))
        }
    }

    func leaseQueuedRuns(worker: String, limit: Int, leaseSeconds: Int64, newRunID: () -> String) throws -> [RunLease] {
        // One statement of the known shape: the due rows no other transaction holds,
        // locked (SKIP LOCKED: a taker never waits for another) and leased. MATERIALIZED
        // keeps the CTE from being inlined, so LIMIT applies before the UPDATE. The run
        // ids are made here and matched to rows by their order.
        let ids = (0..<max(limit, 0)).map { _ in newRunID() }
        guard !ids.isEmpty else { return [] }
        let rows = try session.query(
            """
            WITH due AS MATERIALIZED (
              SELECT id, not_before, state AS was, run_id AS previous FROM run_queue
              WHERE (state = 'waiting' AND not_before <= \(Self.now)) OR (state = 'leased' AND lease_until <= \(Self.now))
              ORDER BY not_before, id LIMIT ? FOR UPDATE SKIP LOCKED),
            numbered AS (SELECT due.*, row_number() OVER (ORDER BY not_before, id) AS n FROM due),
            ids AS (SELECT * FROM unnest(?::text[]) WITH ORDINALITY AS i(run_id, n))
            UPDATE run_queue q SET state = 'leased', lease_owner = ?, lease_until = \(Self.now) + ?, epoch = q.epoch + 1,
              run_id = ids.run_id
            FROM numbered JOIN ids ON ids.n = numbered.n
            WHERE q.id = numbered.id
            RETURNING q.*, numbered.was, numbered.previous
            """, [.integer(Int64(ids.count)), .text(Self.textArray(ids)), .text(worker), .integer(leaseSeconds)])
        return rows.map { row in
            RunLease(run: Self.queuedRun(row), worker: worker, epoch: row.integer("epoch") ?? 0,
                     until: Timestamp(secondsSince1970: row.integer("lease_until") ?? 0), runID: row.text("run_id") ?? "",
                     previousRunID: row.text("was") == "leased" ? row.text("previous") : nil)
        }.sorted { ($0.run.notBefore, $0.run.id) < ($1.run.notBefore, $1.run.id) }
    }

    func endLease(_ lease: RunLease) throws {
        let ended = try session.execute(
            "DELETE FROM run_queue WHERE id = ? AND state = 'leased' AND lease_owner = ? AND epoch = ?",
            [.integer(lease.run.id), .text(lease.worker), .integer(lease.epoch)])
        guard ended == 1 else { throw StoreError.leaseLost(lease) }
    }

    func releaseLease(_ lease: RunLease) throws {
        wakeups.queueChanged()
        try session.execute(
            "UPDATE run_queue SET state = 'waiting', lease_owner = NULL, lease_until = NULL WHERE id = ? AND state = 'leased' AND lease_owner = ? AND epoch = ?",
            [.integer(lease.run.id), .text(lease.worker), .integer(lease.epoch)])
    }

    func leasedRuns() throws -> [RunLease] {
        try session.query("SELECT * FROM run_queue WHERE state = 'leased' ORDER BY lease_until, id").map { row in
            RunLease(run: Self.queuedRun(row), worker: row.text("lease_owner") ?? "", epoch: row.integer("epoch") ?? 0,
                     until: Timestamp(secondsSince1970: row.integer("lease_until") ?? 0), runID: row.text("run_id") ?? "")
        }
    }

    func queueDeadRows() throws -> Int? {
        try session.scalar("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'run_queue'").integer.map(Int.init)
    }

    /// A PostgreSQL array literal of text (`{"a","b"}`), for `?::text[]`.
    static func textArray(_ items: [String]) -> String {
        "{" + items.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
