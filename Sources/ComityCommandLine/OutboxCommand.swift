import ArgumentParser
import ComityCore
import ComityEngine
import ComityMessages
import ComityService
import Foundation

struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Messages queued by runs (mail.send): list them, deliver them, release held ones.",
        subcommands: [List.self, Deliver.self, Release.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the outbox, oldest first.")

        @Option(help: "Only messages in this status: queued, sending, sent, held.")
        var status: String?

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            if let status, OutgoingMessage.Status(rawValue: status) == nil {
                throw ValidationError("--status must be one of \(OutgoingMessage.Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let opened = try CommandEngine.open()
            let messages = try opened.store.read {
                try $0.messages(status.flatMap(OutgoingMessage.Status.init(rawValue:)), withAttachmentData: false)
            }
            if json { return try JSONOutput.print(messages.map(MessageJSON.init)) }
            if messages.isEmpty { return Output.print("the outbox is empty") }
            for message in messages {
                Output.print("\(message.id)  \(message.status.rawValue)  \(message.to.map(\.description).joined(separator: ", "))  \(message.subject)"
                      + (message.attempts > 0 ? "  (\(message.attempts) attempt(s))" : ""))
                // What else it carries, a line each, only when it has it.
                for (label, list) in [("cc", message.cc), ("bcc", message.bcc), ("reply-to", message.replyTo)] where !list.isEmpty {
                    Output.print("    \(label): \(list.map(\.description).joined(separator: ", "))")
                }
                if message.html != nil { Output.print("    with an HTML alternative") }
                for attachment in message.attachments {
                    Output.print("    attached: \(attachment.filename) (\(attachment.contentType), \(Self.size(attachment.size)), from \(attachment.origin))")
                }
                if let error = message.lastError { Output.print("    \(error)") }
            }
        }

        /// `512 bytes`, `12.3 KB`, `4.0 MB`.
        static func size(_ bytes: Int) -> String {
            if bytes < 1024 { return "\(bytes) bytes" }
            return bytes < 1 << 20 ? String(format: "%.1f KB", Double(bytes) / 1024) : String(format: "%.1f MB", Double(bytes) / Double(1 << 20))
        }
    }

    struct Deliver: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hand every queued message to the transport in comity.lua's mail settings (default: .eml files in mail/).")

        func run() throws {
            let opened = try CommandEngine.open()
            let settings = opened.workspace.mailSettings
            let report = try MessageDelivery(store: opened.store, settings: settings).deliver()
            for (id, error) in report.failed {
                Output.error("message \(id): not delivered, kept queued: \(error)\n")
            }
            for id in report.held {
                Output.error("message \(id): held (an earlier delivery was interrupted; it may have gone)\n")
            }
            let transport = switch settings.transport {
            case .sendmail(let command): command
            case .folder(let folder): folder.path
            }
            Output.print("\(report.sent.count) sent, \(report.failed.count) failed, \(report.held.count) held (\(transport))")
            if !report.failed.isEmpty { throw ExitCode(1) }
        }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a held message again, once you know it did not go.")

        @Argument(help: "The message's id.")
        var id: Int64

        func run() throws {
            let opened = try CommandEngine.open()
            // The one message, not the whole outbox (it keeps every message it sent).
            let one = MessageSelection(past: id > 0 ? id - 1 : .max, limit: 1)
            guard var message = try opened.store.read({ try $0.messages(one) }).first(where: { $0.id == id }) else {
                throw CommandFailure.report("no message \(id) in the outbox")
            }
            guard message.status == .held else { throw CommandFailure.report("message \(id) is \(message.status.rawValue), not held") }
            message.status = .queued
            try opened.store.write(commit: true) { try $0.saveMessage(message) }
            Output.print("message \(id) queued again")
        }
    }
}

struct MessageJSON: Encodable {
    struct Address: Encodable {
        var name: String?
        var address: String
    }

    struct Attachment: Encodable {
        var filename, contentType, origin: String
        var size: Int

        enum CodingKeys: String, CodingKey {
            case filename, origin, size
            case contentType = "content_type"
        }
    }

    var id: Int64
    var to, cc, bcc, replyTo: [Address]
    var subject, body, status: String
    var html, about, lastError, queuedAt, sentAt, run: String?
    var attachments: [Attachment]
    var attempts: Int

    init(_ message: OutgoingMessage) {
        func list(_ addresses: [MailAddress]) -> [Address] { addresses.map { Address(name: $0.name, address: $0.address) } }
        id = message.id
        to = list(message.to)
        cc = list(message.cc)
        bcc = list(message.bcc)
        replyTo = list(message.replyTo)
        subject = message.subject
        body = message.body
        html = message.html
        attachments = message.attachments.map {
            Attachment(filename: $0.filename, contentType: $0.contentType, origin: $0.origin, size: $0.size)
        }
        status = message.status.rawValue
        about = message.about?.description
        lastError = message.lastError
        queuedAt = message.queuedAt.description
        sentAt = message.sentAt?.description
        run = message.run
        attempts = message.attempts
    }

    enum CodingKeys: String, CodingKey {
        case id, to, cc, bcc, subject, body, html, attachments, status, about, run, attempts
        case replyTo = "reply_to", lastError = "last_error", queuedAt = "queued_at", sentAt = "sent_at"
    }
}
