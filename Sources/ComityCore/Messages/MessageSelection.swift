/// Which outbox messages a listing wants: one status or all, a page of them from a
/// cursor in either order, with or without their attachments' bytes.
public struct MessageSelection: Sendable, Equatable {
    /// Only messages in this state (all when nil).
    public var status: OutgoingMessage.Status?
    /// The attachments' bytes too; a listing needs their names and sizes only.
    public var withAttachmentData: Bool
    /// Newest first (the largest ids); oldest first otherwise, as the outbox sends them.
    public var newestFirst: Bool
    /// Only ids past this one in the order asked: above it oldest first, below it newest
    /// first (the cursor of the page before).
    public var past: Int64?
    /// At most this many (all when nil).
    public var limit: Int?

    public init(status: OutgoingMessage.Status? = nil, withAttachmentData: Bool = false, newestFirst: Bool = false,
                past: Int64? = nil, limit: Int? = nil) {
        self.status = status
        self.withAttachmentData = withAttachmentData
        self.newestFirst = newestFirst
        self.past = past
        self.limit = limit
    }
}
