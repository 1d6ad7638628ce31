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
        let text = Self.rfc5322(message, from: settings.from)
        switch settings.transport {
        case .folder(let folder):
            // Named by the message's id: writing it again replaces the same file.
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: folder.appendingPathComponent("message-\(message.id).eml"), options: .atomic)
        case .sendmail(let command):
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = ["-t", "-i"] // recipients from the headers; a lone "." is text
            let input = Pipe(), errors = Pipe()
            process.standardInput = input
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                throw DeliveryError("cannot start \(command): \(error.localizedDescription)")
            }
            // A sendmail that hangs (a dead relay) is stopped after the timeout; the
            // message stays queued.
            let finished = DispatchSemaphore(value: 0)
            process.terminationHandler = { _ in finished.signal() }
            let writer = input.fileHandleForWriting
            DispatchQueue.global().async {
                writer.write(Data(text.utf8))
                try? writer.close()
            }
            if finished.wait(timeout: .now() + settings.timeout.inSeconds) == .timedOut {
                process.terminate()
                if finished.wait(timeout: .now() + 2) == .timedOut { kill(process.processIdentifier, SIGKILL) }
                throw DeliveryError("\(command) did not finish within \(DurationText.format(settings.timeout)); stopped")
            }
            let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            guard process.terminationStatus == 0 else {
                throw DeliveryError("\(command) exited with status \(process.terminationStatus)"
                                    + (said.isEmpty ? "" : ": " + said.trimmingCharacters(in: .whitespacesAndNewlines)))
            }
        }
    }

    /// The message as RFC 5322 text: UTF-8 body, the subject encoded when not ASCII.
    static func rfc5322(_ message: OutgoingMessage, from: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .gmt
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let subject = message.subject.allSatisfy(\.isASCII)
            ? message.subject : "=?UTF-8?B?\(Data(message.subject.utf8).base64EncodedString())?="
        let host = ProcessInfo.processInfo.hostName
        var lines = [
            "From: \(from)",
            "To: \(message.to)",
            "Subject: \(subject)",
            "Date: \(formatter.string(from: message.queuedAt.date))",
            "Message-ID: <comity-\(message.id)-\(message.queuedAt.secondsSince1970)@\(host.isEmpty ? "localhost" : host)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        if let about = message.about { lines.append("X-Comity-About: \(about)") }
        let body = message.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    }
}

struct DeliveryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
