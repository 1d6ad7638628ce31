import ComityCore
import ComitySQL
import Foundation

/// The outbox (tables `outbox` and `outbox_attachments`).
extension PostgresTransaction {
    func queueMessage(_ message: OutgoingMessage) throws -> Int64 {
        guard let id = try session.scalar(
            """
            INSERT INTO outbox (recipient, to_list, cc, bcc, reply_to, subject, body, html, about_type, about_id, status,
                                attempts, last_error, queued_at, sent_at, run, pid)
            VALUES (?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            [.text(message.to.map(\.address).joined(separator: ", ")), .text(try Self.json(message.to)), .text(try Self.json(message.cc)),
             .text(try Self.json(message.bcc)), .text(try Self.json(message.replyTo)), .text(message.subject), .text(message.body),
             message.html.sqlValue, (message.about?.type.rawValue).sqlValue, (message.about?.id).sqlValue, .text(message.status.rawValue),
             .integer(Int64(message.attempts)), message.lastError.sqlValue, .integer(message.queuedAt.secondsSince1970),
             (message.sentAt?.secondsSince1970).sqlValue, message.run.sqlValue, .integer(Int64(message.processID))]).integer
        else { throw StoreError(.database, "\(session.location): queueing a message returned no id") }
        for (position, attachment) in message.attachments.enumerated() {
            try session.execute(
                "INSERT INTO outbox_attachments (message, position, filename, content_type, origin, data) VALUES (?, ?, ?, ?, ?, ?)",
                [.integer(id), .integer(Int64(position)), .text(attachment.filename), .text(attachment.contentType),
                 .text(attachment.origin), .blob([UInt8](attachment.data))])
        }
        return id
    }

    func messageCounts() throws -> [OutgoingMessage.Status: Int] {
        var counts: [OutgoingMessage.Status: Int] = [:]
        for row in try session.query("SELECT status, count(*) FROM outbox GROUP BY status", []) {
            if let name = row[0].text, let status = OutgoingMessage.Status(rawValue: name) { counts[status] = Int(row[1].integer ?? 0) }
        }
        return counts
    }

    func messages(_ selection: MessageSelection) throws -> [OutgoingMessage] {
        let (filter, order, arguments) = MessageSelectionSQL.clauses(selection)
        let rows = try session.query(
            """
            SELECT o.id, o.recipient, o.to_list::text AS to_list, o.cc::text AS cc, o.bcc::text AS bcc, o.reply_to::text AS reply_to,
                   o.subject, o.body, o.html, o.about_type, o.about_id, o.status, o.attempts, o.last_error, o.queued_at, o.sent_at,
                   o.run, o.pid
            FROM outbox o \(filter) \(order)
            """, arguments)
        var attachments: [Int64: [MessageAttachment]] = [:]
        let data = selection.withAttachmentData ? "a.data" : "NULL::bytea"
        for row in try session.query(
            """
            SELECT a.message, a.filename, a.content_type, a.origin, length(a.data) AS size, \(data) AS data
            FROM outbox_attachments a WHERE a.message IN (SELECT o.id FROM outbox o \(filter) \(order)) ORDER BY a.message, a.position
            """, arguments)
        {
            guard let message = row.integer("message") else { continue }
            var bytes = Data()
            if case .blob(let content) = row["data"] { bytes = Data(content) }
            attachments[message, default: []].append(MessageAttachment(
                filename: row.text("filename") ?? "", contentType: row.text("content_type") ?? "", origin: row.text("origin") ?? "",
                data: bytes, size: row.integer("size").map(Int.init)))
        }
        return try rows.map { row in
            var about: RecordReference?
            if let name = row.text("about_type"), let type = RecordType(rawValue: name), let id = row.integer("about_id") {
                about = RecordReference(type, id)
            }
            let id = row.integer("id") ?? 0
            let to = try row.text("to_list").map(Self.addresses) ?? [MailAddress(address: row.text("recipient") ?? "")]
            return OutgoingMessage(
                id: id, to: to, cc: try Self.addresses(row.text("cc") ?? "[]"), bcc: try Self.addresses(row.text("bcc") ?? "[]"),
                replyTo: try Self.addresses(row.text("reply_to") ?? "[]"), subject: row.text("subject") ?? "", body: row.text("body") ?? "",
                html: row.text("html"), attachments: attachments[id] ?? [], about: about,
                status: OutgoingMessage.Status(rawValue: row.text("status") ?? "") ?? .held, attempts: Int(row.integer("attempts") ?? 0),
                lastError: row.text("last_error"), queuedAt: Timestamp(secondsSince1970: row.integer("queued_at") ?? 0),
                sentAt: row.integer("sent_at").map(Timestamp.init(secondsSince1970:)), run: row.text("run"),
                processID: Int32(truncatingIfNeeded: row.integer("pid") ?? 0))
        }
    }

    func saveMessage(_ message: OutgoingMessage) throws {
        try session.execute(
            "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, sent_at = ?, pid = ? WHERE id = ?",
            [.text(message.status.rawValue), .integer(Int64(message.attempts)), message.lastError.sqlValue,
             (message.sentAt?.secondsSince1970).sqlValue, .integer(Int64(message.processID)), .integer(message.id)])
    }

    private static func json(_ addresses: [MailAddress]) throws -> String {
        String(decoding: try JSONEncoder().encode(addresses), as: UTF8.self)
    }

    private static func addresses(_ text: String) throws -> [MailAddress] {
        try JSONDecoder().decode([MailAddress].self, from: Data(text.utf8))
    }
}
