import ComityCore
import Foundation
import GRDB

/// Workers and leased runs (tables `workers` and `run_queue`, migration v8). SQLite's
/// clock is this machine's: every process using the file is on it. Its one writer
/// means one lease is taken at a time; `comity worker` refuses a second worker on a
/// file anyway (see `WorkerLock`).
extension SQLiteTransaction {
    func storeTime() throws -> Timestamp { Timestamp(Date()) }

    func registerWorker(_ worker: WorkerRecord) throws {
        let now = try storeTime().secondsSince1970
        try db.execute(
            sql: "INSERT OR REPLACE INTO workers (id, host, pid, version, started_at, heartbeat, stopped_at) VALUES (?, ?, ?, ?, ?, ?, NULL)",
            arguments: [worker.id, worker.host, Int(worker.processID), worker.version, now, now])
    }

    func heartbeat(worker: String, running: [Int64], leaseSeconds: Int64) throws -> Int {
        let now = try storeTime().secondsSince1970
        try db.execute(sql: "UPDATE workers SET heartbeat = ? WHERE id = ?", arguments: [now, worker])
        guard !running.isEmpty else { return 0 }
        let ids = running.map(String.init).joined(separator: ", ")
        try db.execute(sql: "UPDATE run_queue SET lease_until = ? WHERE state = 'leased' AND lease_owner = ? AND id IN (\(ids))",
                       arguments: [now + leaseSeconds, worker])
        return db.changesCount
    }

    func stopWorker(_ worker: String) throws {
        let now = try storeTime().secondsSince1970
        try db.execute(sql: "UPDATE workers SET stopped_at = ?, heartbeat = ? WHERE id = ?", arguments: [now, now, worker])
        try db.execute(sql: "UPDATE run_queue SET state = 'waiting', lease_owner = NULL, lease_until = NULL WHERE state = 'leased' AND lease_owner = ?",
                       arguments: [worker])
    }

    func workers() throws -> [WorkerRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM workers ORDER BY heartbeat DESC, id").map { row in
            let stopped: Int64? = row["stopped_at"]
            return WorkerRecord(id: row["id"], host: row["host"], processID: Int32(truncatingIfNeeded: row["pid"] as Int64),
                                version: row["version"], startedAt: Timestamp(secondsSince1970: row["started_at"]),
                                heartbeat: Timestamp(secondsSince1970: row["heartbeat"]), stoppedAt: stopped.map(Timestamp.init(secondsSince1970:)))
        }
    }

    func leaseQueuedRuns(worker: String, limit: Int, leaseSeconds: Int64, newRunID: () -> String) throws -> [RunLease] {
        let now = try storeTime().secondsSince1970
        let rows = try Row.fetchAll(
            db, sql: """
                SELECT * FROM run_queue
                WHERE (state = 'waiting' AND not_before <= ?) OR (state = 'leased' AND lease_until <= ?)
                ORDER BY not_before, id LIMIT ?
                """, arguments: [now, now, limit])
        var leases: [RunLease] = []
        for row in rows {
            let id: Int64 = row["id"]
            let epoch: Int64 = row["epoch"]
            let previous: String? = (row["state"] as String) == "leased" ? row["run_id"] : nil
            let runID = newRunID()
            try db.execute(
                sql: "UPDATE run_queue SET state = 'leased', lease_owner = ?, lease_until = ?, epoch = ?, run_id = ? WHERE id = ?",
                arguments: [worker, now + leaseSeconds, epoch + 1, runID, id])
            leases.append(RunLease(run: Self.queuedRun(row), worker: worker, epoch: epoch + 1,
                                   until: Timestamp(secondsSince1970: now + leaseSeconds), runID: runID, previousRunID: previous))
        }
        return leases
    }

    func endLease(_ lease: RunLease) throws {
        try db.execute(sql: "DELETE FROM run_queue WHERE id = ? AND state = 'leased' AND lease_owner = ? AND epoch = ?",
                       arguments: [lease.run.id, lease.worker, lease.epoch])
        guard db.changesCount == 1 else { throw StoreError.leaseLost(lease) }
    }

    func releaseLease(_ lease: RunLease) throws {
        try db.execute(
            sql: "UPDATE run_queue SET state = 'waiting', lease_owner = NULL, lease_until = NULL WHERE id = ? AND state = 'leased' AND lease_owner = ? AND epoch = ?",
            arguments: [lease.run.id, lease.worker, lease.epoch])
    }

    func leasedRuns() throws -> [RunLease] {
        try Row.fetchAll(db, sql: "SELECT * FROM run_queue WHERE state = 'leased' ORDER BY lease_until, id").map { row in
            RunLease(run: Self.queuedRun(row), worker: row["lease_owner"] ?? "", epoch: row["epoch"],
                     until: Timestamp(secondsSince1970: row["lease_until"] ?? 0), runID: row["run_id"] ?? "")
        }
    }

    /// SQLite keeps no count of dead rows: a deleted row's page is reused.
    func queueDeadRows() throws -> Int? { nil }
}
