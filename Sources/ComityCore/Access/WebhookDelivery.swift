import Foundation

/// One webhook request that passed its signature check, kept in the inbox with the run
/// it queued: the run reads it as `ctx.trigger`, and its id refuses a replay.
public struct WebhookDelivery: Sendable, Equatable {
    /// The store's id (0 until kept).
    public var id: Int64
    /// The hook's name in comity.lua (`hooks = { kobo = ... }`).
    public var hook: String
    /// The sender's delivery id (`X-GitHub-Delivery`, `webhook-id`): unique per hook.
    public var delivery: String
    public var receivedAt: Timestamp
    /// The headers that matter to a script (content type, event, delivery, timestamp), by
    /// lower-case name; never the signature.
    public var headers: [String: String]
    public var body: Data

    public init(id: Int64 = 0, hook: String, delivery: String, receivedAt: Timestamp, headers: [String: String], body: Data) {
        self.id = id
        self.hook = hook
        self.delivery = delivery
        self.receivedAt = receivedAt
        self.headers = headers
        self.body = body
    }
}
