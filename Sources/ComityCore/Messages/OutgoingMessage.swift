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
    public var to: String
    public var subject: String
    public var body: String
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
        id: Int64 = 0, to: String, subject: String, body: String, about: RecordReference? = nil, status: Status = .queued,
        attempts: Int = 0, lastError: String? = nil, queuedAt: Timestamp, sentAt: Timestamp? = nil, run: String? = nil,
        processID: Int32 = 0
    ) {
        self.id = id
        self.to = to
        self.subject = subject
        self.body = body
        self.about = about
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.queuedAt = queuedAt
        self.sentAt = sentAt
        self.run = run
        self.processID = processID
    }
}
