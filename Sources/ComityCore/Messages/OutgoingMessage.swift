import Foundation

/// A message in the outbox: queued by a run (`mail.send`), in the run's transaction,
/// and handed to a transport later by `comity outbox deliver`.
public struct OutgoingMessage: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for delivery (again, after a failed attempt).
        case queued
        /// Handed to the transport; not yet known to have gone.
        case sending
        case sent
        /// A delivery was interrupted after it started: it may have gone. Kept until a
        /// person releases it, so that nothing is sent twice.
        case held
    }

    public var id: Int64
    /// Its recipients, each seen by all (`To`, `Cc`) or by none (`Bcc`, in the envelope
    /// only, never in the headers delivered).
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var bcc: [MailAddress]
    /// Where replies go, when not to the sender.
    public var replyTo: [MailAddress]
    public var subject: String
    /// The plain-text body.
    public var body: String
    /// The HTML alternative of the body, when there is one.
    public var html: String?
    public var attachments: [MessageAttachment]
    /// The record it is about (an application, a task).
    public var about: RecordReference?
    public var status: Status
    public var attempts: Int
    public var lastError: String?
    public var queuedAt: Timestamp
    public var sentAt: Timestamp?
    /// The run that queued it.
    public var run: String?
    /// The process delivering it, while `sending`.
    public var processID: Int32

    public init(
        id: Int64 = 0, to: [MailAddress], cc: [MailAddress] = [], bcc: [MailAddress] = [], replyTo: [MailAddress] = [],
        subject: String, body: String, html: String? = nil, attachments: [MessageAttachment] = [],
        about: RecordReference? = nil, status: Status = .queued,
        attempts: Int = 0, lastError: String? = nil, queuedAt: Timestamp, sentAt: Timestamp? = nil, run: String? = nil,
        processID: Int32 = 0
    ) {
        self.id = id
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.replyTo = replyTo
        self.subject = subject
        self.body = body
        self.html = html
        self.attachments = attachments
        self.about = about
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.queuedAt = queuedAt
        self.sentAt = sentAt
        self.run = run
        self.processID = processID
    }

    /// Every address the message goes to (`to`, `cc`, `bcc`), each once: the envelope.
    public var recipients: [String] {
        var seen = Set<String>()
        return (to + cc + bcc).map(\.address).filter { seen.insert($0.lowercased()).inserted }
    }
}
