import ComityCore
import Foundation
import LuaBridge

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

    private func send(_ message: OutgoingMessage) throws {
        let text = try Self.rfc5322(message, from: settings.from)
        switch settings.transport {
        case .folder(let folder):
            // Named by the message's id: writing it again replaces the same file.
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: folder.appendingPathComponent("message-\(message.id).eml"), options: .atomic)
        case .sendmail(let command):
            // Recipients from the headers; a lone "." is text. Judged by its exit status:
            // a hanging sendmail (a dead relay) is stopped with its children after the
            // timeout, and the message stays queued.
            let input = Array(text.utf8)
            let outcome = try PipedCommand(command, arguments: ["-t", "-i"], timeout: settings.timeout).run(input: input)
            let said = outcome.errorText.trimmingCharacters(in: .whitespacesAndNewlines)
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

    /// The message as RFC 5322 text: UTF-8 body, the subject encoded when not ASCII.
    /// Every header is written here, and none may hold a control character (a line
    /// break would end the headers or add one); the body may not hold a NUL.
    static func rfc5322(_ message: OutgoingMessage, from: String) throws(DeliveryError) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .gmt
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let subject = message.subject.allSatisfy(\.isASCII)
            ? message.subject : "=?UTF-8?B?\(Data(message.subject.utf8).base64EncodedString())?="
        let host = ProcessInfo.processInfo.hostName
        let headers: [(String, String)] = [
            ("From", from),
            ("To", message.to),
            ("Subject", subject),
            ("Date", formatter.string(from: message.queuedAt.date)),
            ("Message-ID", "<comity-\(message.id)-\(message.queuedAt.secondsSince1970)@\(host.isEmpty ? "localhost" : host)>"),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Transfer-Encoding", "8bit"),
        ] + (message.about.map { [("X-Comity-About", "\($0)")] } ?? [])
        for (name, value) in headers where TextValidity.hasControlCharacter(value) {
            throw DeliveryError("message \(message.id): header \(name) holds a control character (\(MessageHeaders.quoted(value))); not sent")
        }
        // The subject before encoding, too: a base64 word would carry a line break through.
        if TextValidity.hasControlCharacter(message.subject) {
            throw DeliveryError("message \(message.id): the subject holds a control character (\(MessageHeaders.quoted(message.subject))); not sent")
        }
        if message.body.utf8.contains(0) {
            throw DeliveryError("message \(message.id): the body holds a NUL byte; not sent")
        }
        let body = message.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return headers.map { "\($0.0): \($0.1)" }.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    }
}

/// How header values are shown in errors: quoted, control characters escaped, so that
/// the error itself stays one line.
enum MessageHeaders {
    static func quoted(_ text: String) -> String {
        var shown = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": shown += "\\n"
            case "\r": shown += "\\r"
            case "\t": shown += "\\t"
            case "'": shown += "\\'"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    shown += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    shown.unicodeScalars.append(scalar)
                }
            }
        }
        return shown + "'"
    }
}

struct DeliveryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
