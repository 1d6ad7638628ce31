import Foundation

/// The answer to an API write sent with an `Idempotency-Key` header, kept with the
/// write in its transaction: the same key and request from the same token answer it
/// again instead of writing twice (a client that lost the first answer and sends again).
public struct IdempotentResponse: Sendable, Equatable {
    /// The token's name: keys are a client's own, one token's never answer another's.
    public var token: String
    public var key: String
    /// The SHA-256 of the method, the path and the body: the same key with another
    /// request is refused, not answered with the first one's response.
    public var request: String
    public var status: Int
    public var body: Data
    public var createdAt: Timestamp

    public init(token: String, key: String, request: String, status: Int, body: Data, createdAt: Timestamp) {
        self.token = token
        self.key = key
        self.request = request
        self.status = status
        self.body = body
        self.createdAt = createdAt
    }
}
