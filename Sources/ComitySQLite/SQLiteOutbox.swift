import ComityCore
import Foundation
import GRDB

/// The outbox (table `outbox`, migration v4).
extension SQLiteTransaction {
    func queueMessage(_ message: OutgoingMessage) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO outbox (recipient, subject, body, about_type, about_id, status, attempts, last_error, queued_at, sent_at, run, pid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [message.to, message.subject, message.body, message.about?.type.rawValue, message.about?.id,
                        message.status.rawValue, message.attempts, message.lastError, message.queuedAt.secondsSince1970,
                        message.sentAt?.secondsSince1970, message.run, Int(message.processID)])
        return db.lastInsertedRowID
    }

    func messages(_ status: OutgoingMessage.Status?) throws -> [OutgoingMessage] {
        let rows = if let status {
            try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE status = ? ORDER BY id", arguments: [status.rawValue])
        } else {
            try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id")
        }
        return rows.map { row in
            var about: RecordReference?
            if let typeName: String = row["about_type"], let type = RecordType(rawValue: typeName), let id: Int64 = row["about_id"] {
                about = RecordReference(type, id)
            }
            let sent: Int64? = row["sent_at"]
            return OutgoingMessage(
                id: row["id"], to: row["recipient"], subject: row["subject"], body: row["body"], about: about,
                status: OutgoingMessage.Status(rawValue: row["status"]) ?? .held, attempts: row["attempts"],
                lastError: row["last_error"], queuedAt: Timestamp(secondsSince1970: row["queued_at"]),
                sentAt: sent.map { Timestamp(secondsSince1970: $0) }, run: row["run"],
                processID: Int32(truncatingIfNeeded: row["pid"] as Int64))
        }
    }

    func saveMessage(_ message: OutgoingMessage) throws {
        try db.execute(
            sql: "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, sent_at = ?, pid = ? WHERE id = ?",
            arguments: [message.status.rawValue, message.attempts, message.lastError, message.sentAt?.secondsSince1970,
                        Int(message.processID), message.id])
    }
}
