import Foundation

/// A file sent with a message: a file of `inbox/` or a report rendered by the run that
/// queued it, kept in the outbox with its bytes as they were then.
public struct MessageAttachment: Sendable, Equatable {
    /// The name the recipient sees: `grants-by-funder.html`.
    public var filename: String
    /// A MIME type, `text/html; charset=utf-8`.
    public var contentType: String
    /// Where it came from, for the outbox listing: `inbox/budget.pdf`, `report grants-by-funder`.
    public var origin: String
    /// Its length in bytes (known also when `data` was not read).
    public var size: Int
    /// The bytes; empty when the outbox was read without them (a listing).
    public var data: Data

    public init(filename: String, contentType: String, origin: String, data: Data, size: Int? = nil) {
        self.filename = filename
        self.contentType = contentType
        self.origin = origin
        self.data = data
        self.size = size ?? data.count
    }
}
