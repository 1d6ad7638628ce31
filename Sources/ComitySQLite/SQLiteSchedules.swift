import ComityCore
import Foundation
import GRDB

/// Schedules and their leases (table `schedules`, migration v5).
extension SQLiteTransaction {
    /// The columns `schedule(_:)` reads, by position.
    private static let columns = """
        workflow, file, expression, time_zone, catch_up, catch_up_window, overlap, lease_seconds, next_slot, last_slot,
        last_run, paused, error, lease_owner, lease_slot, lease_until
        """

    func schedules() throws -> [ScheduleRecord] {
        try Row.fetchAll(db, sql: "SELECT \(Self.columns) FROM schedules ORDER BY workflow").map(Self.schedule)
    }

    func schedule(workflow: String) throws -> ScheduleRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.columns) FROM schedules WHERE workflow = ?"),
                         arguments: [workflow]).map(Self.schedule)
    }

    func saveSchedule(_ schedule: ScheduleRecord) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO schedules (workflow, file, expression, time_zone, catch_up, catch_up_window, overlap,
                  lease_seconds, next_slot, last_slot, last_run, paused, error, lease_owner, lease_slot, lease_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: StatementArguments([
                schedule.workflow, schedule.file, schedule.expression, schedule.timeZone, schedule.catchUp.rawValue,
                schedule.catchUpWindow, schedule.overlap.rawValue, schedule.leaseSeconds, schedule.nextSlot?.secondsSince1970,
                schedule.lastSlot?.secondsSince1970, schedule.lastRun, schedule.paused, schedule.error, schedule.lease?.owner,
                schedule.lease?.slot.secondsSince1970, schedule.lease?.until.secondsSince1970,
            ] as [(any DatabaseValueConvertible)?]))
    }

    func removeSchedule(workflow: String) throws {
        try db.execute(sql: "DELETE FROM schedules WHERE workflow = ?", arguments: [workflow])
    }

    func dueSchedules(at now: Timestamp, limit: Int) throws -> [ScheduleRecord] {
        // The partial index schedules_due answers the first three conditions.
        try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT \(Self.columns) FROM schedules
                WHERE paused = 0 AND error IS NULL AND next_slot <= ? AND (lease_until IS NULL OR lease_until <= ?)
                ORDER BY next_slot LIMIT ?
                """),
            arguments: [now.secondsSince1970, now.secondsSince1970, limit]
        ).map(Self.schedule)
    }

    func leaseSchedule(workflow: String, _ lease: ScheduleLease, now: Timestamp) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE schedules SET lease_owner = ?, lease_slot = ?, lease_until = ?
                WHERE workflow = ? AND paused = 0 AND next_slot <= ?
                  AND (lease_owner IS NULL OR lease_owner = ? OR lease_until <= ?)
                """,
            arguments: [lease.owner, lease.slot.secondsSince1970, lease.until.secondsSince1970, workflow,
                        lease.slot.secondsSince1970, lease.owner, now.secondsSince1970])
        return db.changesCount > 0
    }

    func nextScheduleDue() throws -> Timestamp? {
        try Int64.fetchOne(
            db, sql: """
                SELECT MIN(CASE WHEN lease_until > next_slot THEN lease_until ELSE next_slot END)
                FROM schedules WHERE paused = 0 AND error IS NULL AND next_slot IS NOT NULL
                """
        ).map(Timestamp.init(secondsSince1970:))
    }

    func nextQueuedRunDue() throws -> Timestamp? {
        try Int64.fetchOne(db, sql: "SELECT MIN(not_before) FROM run_queue WHERE state = 'waiting'").map(Timestamp.init(secondsSince1970:))
    }

    func claimSlot(workflow: String, slot: Timestamp, run: String) throws -> Bool {
        try db.execute(sql: "INSERT OR IGNORE INTO schedule_slots (workflow, slot, run) VALUES (?, ?, ?)",
                       arguments: [workflow, slot.secondsSince1970, run])
        return db.changesCount > 0
    }

    /// A schedule from a row of `columns`, read by position (the daemon asks often).
    private static func schedule(_ row: Row) -> ScheduleRecord {
        let time = { (index: Int) -> Timestamp? in (row[index] as Int64?).map(Timestamp.init(secondsSince1970:)) }
        var lease: ScheduleLease?
        if let owner: String = row[13], let slot = time(14), let until = time(15) {
            lease = ScheduleLease(owner: owner, slot: slot, until: until)
        }
        return ScheduleRecord(
            workflow: row[0], file: row[1], expression: row[2], timeZone: row[3],
            catchUp: ScheduleRecord.CatchUp(rawValue: row[4]) ?? .latest, catchUpWindow: row[5],
            overlap: ScheduleRecord.Overlap(rawValue: row[6]) ?? .wait, leaseSeconds: row[7],
            nextSlot: time(8), lastSlot: time(9), lastRun: row[10], paused: row[11], error: row[12], lease: lease)
    }
}
