import Foundation

/// An API token of `comity serve`: kept as the SHA-256 of its secret, never the secret
/// itself, so a copy of the database gives no one a way in. Named so that request logs
/// and `comity tokens list` can say who called without showing the token.
public struct AccessToken: Sendable, Equatable {
    /// What a token may do. `write` includes `read`.
    public enum Scope: String, Sendable, CaseIterable, Comparable {
        /// Reading runs, the queue, schedules, records.
        case read
        /// Also starting workflows, retrying and cancelling runs, changing records.
        case write

        public static func < (a: Scope, b: Scope) -> Bool { allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0 }
    }

    public var name: String
    /// The SHA-256 of the token's text, in lower-case hex.
    public var hash: String
    public var scope: Scope
    public var createdAt: Timestamp
    public var lastUsedAt: Timestamp?
    public var revokedAt: Timestamp?
    /// The person whose requests these are (see `AccessPolicy`): they see and change
    /// only what that person may. Nil for a workspace token, which may do anything.
    public var person: Int64?

    public init(name: String, hash: String, scope: Scope, createdAt: Timestamp, lastUsedAt: Timestamp? = nil, revokedAt: Timestamp? = nil,
                person: Int64? = nil) {
        self.person = person
        self.name = name
        self.hash = hash
        self.scope = scope
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    /// Whether the token allows what `needed` names.
    public func allows(_ needed: Scope) -> Bool { revokedAt == nil && needed <= scope }
}
