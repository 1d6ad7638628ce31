import ComityCore
import ComitySQL
import Foundation
import GRDB

/// The outbox (table `outbox`, migration v4; recipients, HTML and `outbox_attachments`
/// since v7).
extension SQLiteTransaction {
    func queueMessage(_ message: OutgoingMessage) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO outbox (recipient, to_list, cc, bcc, reply_to, subject, body, html, about_type, about_id, status,
                                    attempts, last_error, queued_at, sent_at, run, pid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [message.to.map(\.address).joined(separator: ", "), try Self.json(message.to), try Self.json(message.cc),
                        try Self.json(message.bcc), try Self.json(message.replyTo), message.subject, message.body, message.html,
                        message.about?.type.rawValue, message.about?.id, message.status.rawValue, message.attempts,
                        message.lastError, message.queuedAt.secondsSince1970, message.sentAt?.secondsSince1970, message.run,
                        Int(message.processID)])
        let id = db.lastInsertedRowID
        for (position, attachment) in message.attachments.enumerated() {
            try db.execute(
                sql: "INSERT INTO outbox_attachments (message, position, filename, content_type, origin, data) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, position, attachment.filename, attachment.contentType, attachment.origin, attachment.data])
        }
        return id
    }

    func messageCounts() throws -> [OutgoingMessage.Status: Int] {
        var counts: [OutgoingMessage.Status: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM outbox GROUP BY status") {
            if let status = OutgoingMessage.Status(rawValue: row["status"]) { counts[status] = row["n"] }
        }
        return counts
    }

    func messages(_ selection: MessageSelection) throws -> [OutgoingMessage] {
        let (filter, order, values) = MessageSelectionSQL.clauses(selection)
        let arguments = StatementArguments(values.map(\.databaseValue))
        let chosen = "SELECT o.id FROM outbox o \(filter) \(order)"
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM outbox o \(filter) \(order)", arguments: arguments)
        var attachments: [Int64: [MessageAttachment]] = [:]
        let data = selection.withAttachmentData ? "a.data" : "NULL"
        for row in try Row.fetchAll(
            db, sql: """
                SELECT a.message, a.filename, a.content_type, a.origin, length(a.data) AS size, \(data) AS data
                FROM outbox_attachments a WHERE a.message IN (\(chosen)) ORDER BY a.message, a.position
                """, arguments: arguments)
        {
            let bytes: Data? = row["data"]
            attachments[row["message"], default: []].append(MessageAttachment(
                filename: row["filename"], contentType: row["content_type"], origin: row["origin"], data: bytes ?? Data(),
                size: row["size"]))
        }
        return try rows.map { row in
            var about: RecordReference?
            if let typeName: String = row["about_type"], let type = RecordType(rawValue: typeName), let id: Int64 = row["about_id"] {
                about = RecordReference(type, id)
            }
            let sent: Int64? = row["sent_at"]
            let id: Int64 = row["id"]
            // Queued before v7: one address, in `recipient`.
            let to = try (row["to_list"] as String?).map(Self.addresses) ?? [MailAddress(address: row["recipient"])]
            return OutgoingMessage(
                id: id, to: to, cc: try Self.addresses(row["cc"]), bcc: try Self.addresses(row["bcc"]),
                replyTo: try Self.addresses(row["reply_to"]), subject: row["subject"], body: row["body"], html: row["html"],
                attachments: attachments[id] ?? [], about: about,
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

    private static func json(_ addresses: [MailAddress]) throws -> String {
        String(decoding: try JSONEncoder().encode(addresses), as: UTF8.self)
    }

    private static func addresses(_ text: String) throws -> [MailAddress] {
        try JSONDecoder().decode([MailAddress].self, from: Data(text.utf8))
    }
}
