import ComityCore
import Foundation
import HumanReadable

/// Where `comity outbox deliver` hands messages: the `sendmail` command (the Unix
/// convention that cron itself uses), or a folder of `.eml` files.
public enum MailTransport: Sendable, Equatable {
    case sendmail(command: String)
    case folder(URL)
}

/// The workspace's `mail = { ... }` settings.
public struct MailSettings: Sendable, Equatable {
    public var from: String
    public var transport: MailTransport
    /// How long `sendmail` may take with one message before it is stopped and the
    /// message kept queued.
    public var timeout: Duration

    public init(from: String, transport: MailTransport, timeout: Duration = .seconds(60)) {
        self.from = from
        self.transport = transport
        self.timeout = timeout
    }
}

/// Delivers the outbox, one message at a time: each is marked `sending` (and its
/// attempt counted) in its own commit before the transport gets it, and `sent` after;
/// a failure leaves it queued with its error, to be tried again. A message left
/// `sending` by a process that died may have gone: it is `held` for a person to
/// release, never sent again on its own.
public struct MessageDelivery {
    public let store: any Store
    public let settings: MailSettings

    public init(store: any Store, settings: MailSettings) {
        self.store = store
        self.settings = settings
    }

    public struct Report: Sendable {
        public var sent: [Int64] = []
        public var failed: [(id: Int64, error: String)] = []
        public var held: [Int64] = []
    }

    public func deliver() throws -> Report {
        var report = Report()
        for var message in try store.read({ try $0.messages(.sending) }) where !LocalProcess.isAlive(message.processID) {
            message.status = .held
            message.lastError = "delivery was interrupted after it started; it may have been sent. Check, then `comity outbox release \(message.id)`"
            try store.write(commit: true) { try $0.saveMessage(message) }
            report.held.append(message.id)
        }
        for var message in try store.read({ try $0.messages(.queued) }) {
            message.status = .sending
            message.attempts += 1
            message.processID = getpid()
            try store.write(commit: true) { try $0.saveMessage(message) }
            do {
                try send(message)
                message.status = .sent
                message.sentAt = Timestamp(Date())
                message.lastError = nil
                report.sent.append(message.id)
            } catch {
                message.status = .queued
                message.lastError = "\(error)"
                report.failed.append((message.id, "\(error)"))
            }
            message.processID = 0
            try store.write(commit: true) { try $0.saveMessage(message) }
        }
        return report
    }

    /// Writes `files` (extension and bytes) as `base.EXT` in `folder`, or `base-2.EXT`,
    /// `base-3.EXT`... when a name is taken: each is written whole to a temporary file and
    /// linked under its name, which fails rather than replace a file, so nothing already
    /// there is overwritten and no half-written file is seen under its name.
    static func writeNew(folder: URL, base: String, files: [(ext: String, data: Data)]) throws {
        var temporaries: [URL] = []
        defer { for url in temporaries { unlink(url.path) } }
        for file in files {
            let url = folder.appendingPathComponent(".\(base).\(file.ext).\(UUID().uuidString).tmp")
            try file.data.write(to: url, options: .withoutOverwriting)
            temporaries.append(url)
        }
        for number in 1...10_000 {
            let name = number == 1 ? base : "\(base)-\(number)"
            var linked: [String] = []
            for (file, temporary) in zip(files, temporaries) {
                let path = folder.appendingPathComponent("\(name).\(file.ext)").path
                if link(temporary.path, path) == 0 { linked.append(path); continue }
                let failure = errno
                for path in linked { unlink(path) } // ours, made a moment ago
                guard failure == EEXIST else {
                    throw DeliveryError("cannot write \(path): \(String(cString: strerror(failure)))")
                }
                linked = []
                break
            }
            if linked.count == files.count { return }
        }
        throw DeliveryError("cannot write \(base) in \(folder.path): 10,000 names taken")
    }

    private func send(_ message: OutgoingMessage) throws {
        let text = try Self.rfc5322(message, from: settings.from)
        switch settings.transport {
        case .folder(let folder):
            // Named by the message's id, message-ID.eml; the envelope's recipients (blind
            // copies included, which the headers do not name) are in message-ID.recipients,
            // one a line, for whatever picks them up. Never over an existing file: another
            // workspace may write to the same folder, or a restored database reuse an id.
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Self.writeNew(folder: folder, base: "message-\(message.id)", files: [
                ("recipients", Data(message.recipients.map { $0 + "\n" }.joined().utf8)),
                ("eml", Data(text.utf8)),
            ])
        case .sendmail(let command):
            // Recipients as arguments, the envelope (`-t` would take them from the
            // headers, where blind copies are not); a lone "." is text. An address
            // cannot start with '-' (`MailAddress.problem`), so none is read as an option.
            // Judged by its exit status: a hanging sendmail (a dead relay) is stopped
            // with its children after the timeout, and the message stays queued.
            let input = Array(text.utf8)
            let outcome = try PipedCommand(command, arguments: ["-i"] + message.recipients, timeout: settings.timeout).run(input: input)
            let said = outcome.errorText.trimmingBlanksAndNewlines()
            let detail = said.isEmpty ? "" : ": " + said
            if outcome.timedOut {
                throw DeliveryError("\(command) did not finish within \(DurationText.format(settings.timeout)); stopped with its process group" + detail)
            }
            if let signal = outcome.signal {
                throw DeliveryError("\(command) was ended by signal \(signal)" + detail)
            }
            guard outcome.status == 0 else {
                throw DeliveryError("\(command) exited with status \(outcome.status ?? -1)" + detail)
            }
            // Exit 0 without taking the whole message: it cannot have sent what it did not read.
            guard outcome.wroteAll else {
                throw DeliveryError("\(command) exited before reading the whole message (\(outcome.written) of \(input.count) bytes)" + detail)
            }
        }
    }

    /// The message as RFC 5322 text in CRLF lines of 7-bit ASCII: a text/plain part,
    /// in multipart/alternative with its HTML when it has one, in multipart/mixed with
    /// its attachments when it has some. `Bcc` is not written: blind copies go by the
    /// envelope only. Every header is written here, and none may hold a control
    /// character (a line break would end the headers or add one); no text may hold a NUL.
    static func rfc5322(_ message: OutgoingMessage, from: String) throws(DeliveryError) -> String {
        func refuse(_ what: String, _ value: String) -> DeliveryError {
            DeliveryError("message \(message.id): \(what) holds a control character (\(MessageHeaders.quoted(value))); not sent")
        }
        // The values before encoding: a base64 word would carry a line break through.
        if TextValidity.hasControlCharacter(from) { throw refuse("header From", from) }
        if TextValidity.hasControlCharacter(message.subject) { throw refuse("the subject", message.subject) }
        for (field, list) in [("To", message.to), ("Cc", message.cc), ("Bcc", message.bcc), ("Reply-To", message.replyTo)] {
            for address in list {
                if let problem = MailAddress.problem(with: address.address) {
                    throw DeliveryError("message \(message.id): \(field) address \(MessageHeaders.quoted(address.address)) \(problem); not sent")
                }
                if let name = address.name, TextValidity.hasControlCharacter(name) { throw refuse("a name in \(field)", name) }
            }
        }
        guard !message.to.isEmpty else { throw DeliveryError("message \(message.id) has no To address; not sent") }
        for attachment in message.attachments where TextValidity.hasControlCharacter(attachment.filename + attachment.contentType) {
            throw refuse("an attachment's name or type", attachment.filename + " " + attachment.contentType)
        }
        if message.body.utf8.contains(0) || message.html?.utf8.contains(0) == true {
            throw DeliveryError("message \(message.id): the body holds a NUL byte; not sent")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .gmt
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let host = ProcessInfo.processInfo.hostName
        let crlf = MIMEEncoding.crlf
        var headers = [MIMEEncoding.header("From", try fromTokens(from, message: message))]
        func addresses(_ name: String, _ list: [MailAddress]) {
            guard !list.isEmpty else { return }
            headers.append(MIMEEncoding.header(name, MIMEEncoding.addressList(list.map { ($0.name, $0.address) })))
        }
        addresses("To", message.to)
        addresses("Cc", message.cc)
        addresses("Reply-To", message.replyTo)
        headers += [
            MIMEEncoding.header("Subject", MIMEEncoding.unstructured(message.subject)),
            "Date: " + formatter.string(from: message.queuedAt.date),
            "Message-ID: <comity-\(message.id)-\(message.queuedAt.secondsSince1970)@\(host.isEmpty || !host.allSatisfy(\.isASCII) ? "localhost" : host)>",
            "MIME-Version: 1.0",
        ]
        if let about = message.about { headers.append("X-Comity-About: \(about)") }

        // A part: its headers, a blank line, its content. Boundaries begin with "=_",
        // which neither quoted-printable nor base64 can produce, so no content holds one.
        func text(_ subtype: String, _ content: String) -> String {
            MIMEEncoding.content("Content-Type", "text/\(subtype)", [("charset", "utf-8")]) + crlf
                + "Content-Transfer-Encoding: quoted-printable" + crlf + crlf + MIMEEncoding.quotedPrintable(content)
        }
        func multipart(_ subtype: String, _ parts: [String]) -> String {
            let boundary = "=_comity-\(message.id)-\(subtype)"
            return MIMEEncoding.content("Content-Type", "multipart/\(subtype)", [("boundary", boundary)]) + crlf + crlf
                + parts.map { "--\(boundary)" + crlf + $0 + crlf }.joined() + "--\(boundary)--"
        }
        var body = text("plain", message.body)
        if let html = message.html { body = multipart("alternative", [body, text("html", html)]) }
        if !message.attachments.isEmpty {
            body = multipart("mixed", [body] + message.attachments.map { attachment in
                MIMEEncoding.content("Content-Type", attachment.contentType.split(separator: ";").first.map(String.init) ?? "application/octet-stream",
                                     parameters(of: attachment.contentType) + [("name", attachment.filename)]) + crlf
                    + MIMEEncoding.content("Content-Disposition", "attachment", [("filename", attachment.filename)]) + crlf
                    + "Content-Transfer-Encoding: base64" + crlf + crlf + MIMEEncoding.base64Lines(attachment.data)
            })
        }
        return headers.joined(separator: crlf) + crlf + body + crlf
    }

    /// `charset=utf-8` of `text/html; charset=utf-8`.
    private static func parameters(of contentType: String) -> [(String, String)] {
        contentType.split(separator: ";").dropFirst().compactMap { piece in
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingBlanks() }
            return pair.count == 2 ? (pair[0], pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))) : nil
        }
    }

    /// `mail.from` of comity.lua: `network@example.org` or `Network <network@example.org>`;
    /// a host without a dot (`comity@localhost`, the default) is taken as it is.
    private static func fromTokens(_ from: String, message: OutgoingMessage) throws(DeliveryError) -> [String] {
        guard let parsed = MailAddress(parsing: from), !parsed.address.isEmpty,
              parsed.address.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && !"<>,;\"()".unicodeScalars.contains($0) })
        else {
            throw DeliveryError("message \(message.id): mail.from \(MessageHeaders.quoted(from)) in comity.lua is not an address such as network@example.org or \"Network <network@example.org>\"; not sent")
        }
        return MIMEEncoding.addressList([(parsed.name, parsed.address)])
    }
}

struct DeliveryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
