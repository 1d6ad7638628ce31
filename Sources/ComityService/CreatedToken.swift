import ComityCore

/// A token just made: its secret is shown this once and never kept.
public struct CreatedToken: Sendable {
    public var token: AccessToken
    /// `comity_` and 43 characters of base64url: 256 random bits.
    public var secret: String
}
