import ComityCore
import ComitySQL

/// Schedules and their leases (table `schedules`).
extension PostgresTransaction {
    private static let columns = """
        workflow, file, expression, time_zone, catch_up, catch_up_window, overlap, lease_seconds, next_slot, last_slot,
        last_run, paused, error, lease_owner, lease_slot, lease_until
        """

    func schedules() throws -> [ScheduleRecord] {
        try session.query("SELECT \(Self.columns) FROM schedules ORDER BY workflow").map(Self.schedule)
    }

    func schedule(workflow: String) throws -> ScheduleRecord? {
        try session.query("SELECT \(Self.columns) FROM schedules WHERE workflow = ?", [.text(workflow)]).first.map(Self.schedule)
    }

    func saveSchedule(_ schedule: ScheduleRecord) throws {
        try session.execute(
            """
            INSERT INTO schedules (\(Self.columns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::int::boolean, ?, ?, ?, ?)
            ON CONFLICT (workflow) DO UPDATE SET file = EXCLUDED.file, expression = EXCLUDED.expression,
              time_zone = EXCLUDED.time_zone, catch_up = EXCLUDED.catch_up, catch_up_window = EXCLUDED.catch_up_window,
              overlap = EXCLUDED.overlap, lease_seconds = EXCLUDED.lease_seconds, next_slot = EXCLUDED.next_slot,
              last_slot = EXCLUDED.last_slot, last_run = EXCLUDED.last_run, paused = EXCLUDED.paused, error = EXCLUDED.error,
              lease_owner = EXCLUDED.lease_owner, lease_slot = EXCLUDED.lease_slot, lease_until = EXCLUDED.lease_until
            """,
            [.text(schedule.workflow), .text(schedule.file), .text(schedule.expression), .text(schedule.timeZone),
             .text(schedule.catchUp.rawValue), .integer(schedule.catchUpWindow), .text(schedule.overlap.rawValue),
             .integer(schedule.leaseSeconds), (schedule.nextSlot?.secondsSince1970).sqlValue,
             (schedule.lastSlot?.secondsSince1970).sqlValue, schedule.lastRun.sqlValue, .integer(schedule.paused ? 1 : 0),
             schedule.error.sqlValue, (schedule.lease?.owner).sqlValue, (schedule.lease?.slot.secondsSince1970).sqlValue,
             (schedule.lease?.until.secondsSince1970).sqlValue])
    }

    func removeSchedule(workflow: String) throws {
        try session.execute("DELETE FROM schedules WHERE workflow = ?", [.text(workflow)])
    }

    func dueSchedules(at now: Timestamp, limit: Int) throws -> [ScheduleRecord] {
        try session.query(
            """
            SELECT \(Self.columns) FROM schedules
            WHERE NOT paused AND error IS NULL AND next_slot <= ? AND (lease_until IS NULL OR lease_until <= ?)
            ORDER BY next_slot LIMIT ?
            """, [.integer(now.secondsSince1970), .integer(now.secondsSince1970), .integer(Int64(limit))]).map(Self.schedule)
    }

    func leaseSchedule(workflow: String, _ lease: ScheduleLease, now: Timestamp) throws -> Bool {
        try session.execute(
            """
            UPDATE schedules SET lease_owner = ?, lease_slot = ?, lease_until = ?
            WHERE workflow = ? AND NOT paused AND next_slot <= ?
              AND (lease_owner IS NULL OR lease_owner = ? OR lease_until <= ?)
            """,
            [.text(lease.owner), .integer(lease.slot.secondsSince1970), .integer(lease.until.secondsSince1970), .text(workflow),
             .integer(lease.slot.secondsSince1970), .text(lease.owner), .integer(now.secondsSince1970)]) > 0
    }

    func nextScheduleDue() throws -> Timestamp? {
        try session.scalar(
            """
            SELECT MIN(CASE WHEN lease_until > next_slot THEN lease_until ELSE next_slot END)
            FROM schedules WHERE NOT paused AND error IS NULL AND next_slot IS NOT NULL
            """).integer.map(Timestamp.init(secondsSince1970:))
    }

    func claimSlot(workflow: String, slot: Timestamp, run: String) throws -> Bool {
        try session.execute("INSERT INTO schedule_slots (workflow, slot, run) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                            [.text(workflow), .integer(slot.secondsSince1970), .text(run)]) > 0
    }

    private static func schedule(_ row: PostgresResultRow) -> ScheduleRecord {
        let time = { (index: Int) -> Timestamp? in row[index].integer.map(Timestamp.init(secondsSince1970:)) }
        var lease: ScheduleLease?
        if let owner = row[13].text, let slot = time(14), let until = time(15) {
            lease = ScheduleLease(owner: owner, slot: slot, until: until)
        }
        return ScheduleRecord(
            workflow: row[0].text ?? "", file: row[1].text ?? "", expression: row[2].text ?? "", timeZone: row[3].text ?? "UTC",
            catchUp: ScheduleRecord.CatchUp(rawValue: row[4].text ?? "") ?? .latest, catchUpWindow: row[5].integer ?? 0,
            overlap: ScheduleRecord.Overlap(rawValue: row[6].text ?? "") ?? .wait, leaseSeconds: row[7].integer ?? 0,
            nextSlot: time(8), lastSlot: time(9), lastRun: row[10].text, paused: row[11].integer == 1, error: row[12].text, lease: lease)
    }
}
