import Foundation
import Testing

/// A message with every kind of field, queued by `comity run`, delivered by `comity
/// outbox deliver` through a sendmail, and read back by a small MIME reader of the
/// test's own: the structure, the encoded words, the attachments' bytes, no Bcc.
@Suite struct MailMIMETests {
    /// One entity of a message: unfolded headers and its raw body.
    struct Part {
        var headers: [(name: String, value: String)]
        var body: String

        init(_ text: String) throws {
            let split = try #require(text.range(of: "\r\n\r\n"))
            let block = text[..<split.lowerBound].replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: " ")
            headers = try block.components(separatedBy: "\r\n").map { line in
                let colon = try #require(line.firstIndex(of: ":"), "a header line without a colon: \(line)")
                return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
            }
            body = String(text[split.upperBound...])
        }

        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }

        /// The media type, lowercased, and the parameters of a header, RFC 2231 pieces
        /// (`name*0*=UTF-8''%D0%91`) joined and decoded.
        func parameters(_ name: String) -> (value: String, parameters: [String: String]) {
            let pieces = (header(name) ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            var parameters: [String: String] = [:]
            var extended: [String: [(Int, String)]] = [:]
            for piece in pieces.dropFirst() {
                let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { continue }
                let key = pair[0].lowercased()
                var value = pair[1]
                if value.hasPrefix("\"") && value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                if key.hasSuffix("*"), let star = key.firstIndex(of: "*"), let index = Int(key[key.index(after: star)...].dropLast()) {
                    extended[String(key[..<star]), default: []].append((index, value))
                } else {
                    parameters[key] = value
                }
            }
            for (key, list) in extended {
                var joined = list.sorted { $0.0 < $1.0 }.map(\.1).joined()
                if let quote = joined.range(of: "''") { joined = String(joined[quote.upperBound...]) }
                parameters[key] = joined.removingPercentEncoding
            }
            return (pieces.first?.lowercased() ?? "", parameters)
        }

        /// The parts of a multipart entity.
        func parts() throws -> [Part] {
            let boundary = try #require(parameters("Content-Type").parameters["boundary"])
            var segments = ("\r\n" + body).components(separatedBy: "\r\n--" + boundary)
            #expect(segments.last?.hasPrefix("--") == true, "no closing delimiter")
            segments = Array(segments.dropFirst().dropLast())
            return try segments.map { segment in
                try Part(String(segment.drop { $0 == "\r\n" }))
            }
        }

        /// The body decoded by its Content-Transfer-Encoding.
        func decoded() throws -> Data {
            switch header("Content-Transfer-Encoding")?.lowercased() {
            case "base64":
                return try #require(Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: "")))
            case "quoted-printable":
                let utf8 = Array(body.replacingOccurrences(of: "=\r\n", with: "").utf8)
                var bytes: [UInt8] = []
                var i = 0
                while i < utf8.count {
                    if utf8[i] == UInt8(ascii: "="), i + 2 < utf8.count,
                       let byte = UInt8(String(decoding: utf8[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                        bytes.append(byte)
                        i += 3
                    } else {
                        bytes.append(utf8[i])
                        i += 1
                    }
                }
                return Data(bytes)
            default:
                return Data(body.utf8)
            }
        }
    }

    /// RFC 2047: encoded-words decoded, the space between two adjacent ones dropped.
    static func decodeWords(_ value: String) throws -> String {
        var out = ""
        var previousEncoded = false
        for (index, token) in value.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if token.hasPrefix("=?UTF-8?B?") && token.hasSuffix("?=") {
                let data = try #require(Data(base64Encoded: String(token.dropFirst(10).dropLast(2))))
                if index > 0 && !previousEncoded { out += " " }
                out += try #require(String(data: data, encoding: .utf8))
                previousEncoded = true
            } else {
                if index > 0 { out += " " }
                out += token
                previousEncoded = false
            }
        }
        return out
    }

    @Test func aMessageWithEveryFieldIsDeliveredAsWellFormedMIME() throws {
        let budget = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let folder = try workspace([
            "Scripts/reports/org-list.lua": """
                return workflow { name = "report-org-list", run = function(ctx)
                  local rows = {}
                  for o in orgs.find {} do rows[#rows + 1] = { o.name } end
                  return report { title = "Organisations", sections = { { table = { columns = { "Name" }, rows = rows } } } }
                end }
                """,
            "send.lua": """
                local o = orgs.create { name = "ASI Москва", email = "info@asi.org.ru" }
                mail.send {
                  to = { o.email, "Анна Петрова <anna@asi.org.ru>" },
                  cc = "board@example.org",
                  bcc = { "archive@example.org" },
                  reply_to = { name = "Grants, team", address = "grants@example.org" },
                  subject = "Отчёт о грантах — 2024",
                  body = "Здравствуйте!\\nThe report is attached.",
                  html = "<p>Здравствуйте!</p>",
                  attach = { { file = "budget.bin", name = "Бюджет 2024.bin" }, { report = "org-list", format = "html" } },
                  about = o,
                }
                """,
        ])
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        try budget.write(to: folder.appendingPathComponent("inbox/budget.bin"))
        let sendmail = folder.appendingPathComponent("fake-sendmail")
        try "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > \"$(dirname \"$0\")/args.txt\"\ncat > \"$(dirname \"$0\")/received.eml\"\n"
            .write(to: sendmail, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sendmail.path)
        try "return { mail = { from = 'Сеть НКО <net@example.org>', transport = 'sendmail', command = '\(sendmail.path)' } }"
            .write(to: folder.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        let queued = try Comity.run(["run", "send.lua"], in: folder)
        #expect(queued.status == 0, "\(queued.stderr)")

        // The listing names every field; --json in snake_case.
        let listing = try Comity.run(["outbox"], in: folder).stdout
        #expect(listing.contains("1  queued  info@asi.org.ru, Анна Петрова <anna@asi.org.ru>  Отчёт о грантах — 2024\n"), "\(listing)")
        #expect(listing.contains("    cc: board@example.org\n    bcc: archive@example.org\n    reply-to: \"Grants, team\" <grants@example.org>\n"), "\(listing)")
        #expect(listing.contains("    with an HTML alternative\n    attached: Бюджет 2024.bin (application/octet-stream, 4.9 KB, from inbox/budget.bin)\n"), "\(listing)")
        #expect(listing.contains("    attached: org-list.html (text/html; charset=utf-8, "), "\(listing)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(Comity.run(["outbox", "--json"], in: folder).stdout.utf8)) as? [[String: Any]])
        let listed = try #require(json.first)
        #expect((listed["reply_to"] as? [[String: Any]])?.first?["address"] as? String == "grants@example.org")
        #expect((listed["bcc"] as? [[String: Any]])?.first?["address"] as? String == "archive@example.org")
        #expect((listed["attachments"] as? [[String: Any]])?.map { $0["content_type"] as? String } == ["application/octet-stream", "text/html; charset=utf-8"])
        #expect((listed["attachments"] as? [[String: Any]])?.first?["size"] as? Int == 5000)
        #expect(listed["html"] as? String == "<p>Здравствуйте!</p>")

        let delivered = try Comity.run(["outbox", "deliver"], in: folder)
        #expect(delivered.stdout.hasPrefix("1 sent, 0 failed, 0 held"), "\(delivered.stdout)\(delivered.stderr)")
        // The envelope: every recipient, the blind copy too, none read as an option.
        let arguments = try String(contentsOf: folder.appendingPathComponent("args.txt"), encoding: .utf8)
        #expect(arguments == "-i\ninfo@asi.org.ru\nanna@asi.org.ru\nboard@example.org\narchive@example.org\n")

        let raw = try Data(contentsOf: folder.appendingPathComponent("received.eml"))
        #expect(raw.allSatisfy { $0 < 0x80 }, "8-bit bytes in the message")
        let text = String(decoding: raw, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.last == "" && lines.dropLast().allSatisfy { !$0.contains("\n") && !$0.contains("\r") && $0.count <= 78 })
        #expect(!text.contains("archive@example.org"), "the blind copy is named in the message")
        let message = try Part(text)
        #expect(message.header("Bcc") == nil)
        #expect(try Self.decodeWords(try #require(message.header("Subject"))) == "Отчёт о грантах — 2024")
        #expect(try Self.decodeWords(try #require(message.header("To"))) == "info@asi.org.ru, Анна Петрова <anna@asi.org.ru>")
        #expect(try Self.decodeWords(try #require(message.header("From"))) == "Сеть НКО <net@example.org>")
        #expect(message.header("Cc") == "board@example.org")
        #expect(message.header("Reply-To") == "\"Grants, team\" <grants@example.org>")
        #expect(message.header("MIME-Version") == "1.0")
        #expect(message.header("X-Comity-About") == "organisation#1")

        #expect(message.parameters("Content-Type").value == "multipart/mixed")
        let parts = try message.parts()
        #expect(parts.count == 3)
        #expect(parts[0].parameters("Content-Type").value == "multipart/alternative")
        let alternatives = try parts[0].parts()
        #expect(alternatives.map { $0.parameters("Content-Type").value } == ["text/plain", "text/html"])
        #expect(alternatives.map { $0.parameters("Content-Type").parameters["charset"] } == ["utf-8", "utf-8"])
        #expect(String(decoding: try alternatives[0].decoded(), as: UTF8.self) == "Здравствуйте!\r\nThe report is attached.")
        #expect(String(decoding: try alternatives[1].decoded(), as: UTF8.self) == "<p>Здравствуйте!</p>")

        #expect(parts[1].parameters("Content-Disposition").value == "attachment")
        #expect(parts[1].parameters("Content-Disposition").parameters["filename"] == "Бюджет 2024.bin")
        #expect(parts[1].parameters("Content-Type").parameters["name"] == "Бюджет 2024.bin")
        #expect(parts[1].header("Content-Transfer-Encoding") == "base64")
        #expect(try parts[1].decoded() == budget)

        #expect(parts[2].parameters("Content-Type").value == "text/html")
        #expect(parts[2].parameters("Content-Disposition").parameters["filename"] == "org-list.html")
        let report = String(decoding: try parts[2].decoded(), as: UTF8.self)
        // Rendered in the run that queued the message: it saw the organisation made there.
        #expect(report.contains("<html") && report.contains("ASI Москва"), "\(report.prefix(300))")
    }

    @Test func theFolderTransportKeepsTheEnvelopeBesideTheMessage() throws {
        let folder = try workspace([
            "send.lua": "mail.send { to = 'a@example.org', bcc = 'b@example.org', subject = 'Hi', body = 'Text' }",
        ])
        #expect(try Comity.run(["run", "send.lua"], in: folder).status == 0)
        #expect(try Comity.run(["outbox", "deliver"], in: folder).stdout.hasPrefix("1 sent"))
        let eml = try String(contentsOf: folder.appendingPathComponent("mail/message-1.eml"), encoding: .utf8)
        #expect(!eml.contains("b@example.org"))
        #expect(try String(contentsOf: folder.appendingPathComponent("mail/message-1.recipients"), encoding: .utf8) == "a@example.org\nb@example.org\n")
    }
}
