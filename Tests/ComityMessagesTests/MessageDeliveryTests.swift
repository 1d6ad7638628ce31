import ComityCore
import ComitySQLite
import Foundation
import Testing
@testable import ComityMessages

/// What `comity outbox deliver` writes and sends: messages as RFC 5322 text, from the store's outbox.
@Suite struct MessageDeliveryTests {
    /// Every line of what is delivered is ASCII, at most 78 characters, ended by CRLF,
    /// whatever the names, subject and body hold; no Bcc header.
    @Test func theDeliveredTextKeepsToTheLineRules() throws {
        let name = String(repeating: "Организация поддержки ", count: 5)
        let message = OutgoingMessage(
            id: 3, to: (1...12).map { MailAddress(name: $0 == 1 ? name : nil, address: "person\($0)@example.org") },
            bcc: [MailAddress(address: "hidden@example.org")], subject: String(repeating: "Спасибо за поддержку ", count: 8),
            body: String(repeating: "Длинная строка без переноса, ", count: 40) + "\nend  ", html: "<p>" + String(repeating: "é", count: 200) + "</p>",
            attachments: [MessageAttachment(filename: "Отчёт за " + String(repeating: "год ", count: 20) + ".pdf", contentType: "application/pdf",
                                            origin: "inbox/x.pdf", data: Data(count: 500))],
            queuedAt: Timestamp(secondsSince1970: 1_600_000_000))
        let text = try MessageDelivery.rfc5322(message, from: "Сеть НКО <net@example.org>")
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n") && !text.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 78 }, "\(lines.filter { $0.count > 78 })")
        #expect(!text.contains("hidden@example.org"))
        #expect(!lines.contains { $0.lowercased().hasPrefix("bcc:") })
        #expect(text.contains("filename*0*=UTF-8''"))
        // A name that looks like an RFC 2047 encoded-word is not written raw, where a
        // client would decode it and show `evil.exe`.
        let lookalike = OutgoingMessage(
            id: 4, to: [MailAddress(address: "a@example.org")], subject: "s", body: "b",
            attachments: [MessageAttachment(filename: "=?utf-8?b?ZXZpbC5leGU=?=", contentType: "application/pdf", origin: "inbox/x.pdf", data: Data(count: 5))],
            queuedAt: Timestamp(secondsSince1970: 1_600_000_000))
        let encoded = try MessageDelivery.rfc5322(lookalike, from: "net@example.org")
        #expect(!encoded.contains("\"=?utf-8?b?"), "\(encoded)")
        #expect(encoded.contains("filename*0*=UTF-8''%3D%3Futf-8%3Fb%3FZXZpbC5leGU%3D%3F%3D"), "\(encoded)")
        // The long name, cut into words at spaces, decodes back whole (RFC 2047 §6.2:
        // the space between two encoded-words is not part of the text).
        let to = try #require(text.components(separatedBy: "\r\nTo: ").last?.components(separatedBy: " <person1@").first)
        let decoded = try to.replacingOccurrences(of: "\r\n", with: "").split(separator: " ").map { word in
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            return String(decoding: try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))), as: UTF8.self)
        }
        #expect(decoded.joined() == name)
        #expect(decoded.dropLast().allSatisfy { $0.hasSuffix(" ") }, "\(decoded)")
        #expect(lines.contains("end =20") || lines.contains("end=20=20") || lines.contains("end =20"), "\(lines.filter { $0.hasPrefix("end") })")
    }

    @Test func mailQueuedBeforeTheMigrationIsStillDelivered() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-mail-\(UUID().uuidString)")
        let path = folder.appendingPathComponent(".comity/comity.db").path
        _ = try SQLiteStore(path: path)
        // Back to v6's outbox, with a message queued as v6 queued it.
        for statement in [
            "DROP TABLE outbox_attachments", "ALTER TABLE outbox DROP COLUMN to_list", "ALTER TABLE outbox DROP COLUMN cc",
            "ALTER TABLE outbox DROP COLUMN bcc", "ALTER TABLE outbox DROP COLUMN reply_to", "ALTER TABLE outbox DROP COLUMN html",
            "DELETE FROM grdb_migrations WHERE identifier LIKE 'v7 %'",
            "INSERT INTO outbox (recipient, subject, body, status, queued_at) VALUES ('old@example.org', 'Queued before', 'Still here', 'queued', 1600000000)",
        ] {
            #expect(try SQLiteStore.rawExecute(path: path, sql: statement))
        }
        let store = try SQLiteStore(path: path)
        let mail = folder.appendingPathComponent("mail")
        let report = try MessageDelivery(store: store, settings: MailSettings(from: "net@example.org", transport: .folder(mail))).deliver()
        #expect(report.sent == [1] && report.failed.isEmpty, "\(report.failed)")
        let eml = try String(contentsOf: mail.appendingPathComponent("message-1.eml"), encoding: .utf8)
        #expect(eml.contains("To: old@example.org\r\n") && eml.hasSuffix("\r\n\r\nStill here\r\n"))
        #expect(try String(contentsOf: mail.appendingPathComponent("message-1.recipients"), encoding: .utf8) == "old@example.org\n")
    }
}
