import ComityCore
import Crypto
import Foundation

extension Engine {
    /// Makes an API token for `comity serve`; its secret is returned once and only its
    /// SHA-256 is stored.
    /// `person` (an id, an email or a name): the token acts as that person, who sees and
    /// changes only what they may; nil makes a workspace token.
    public func createToken(name: String, scope: AccessToken.Scope, person: String? = nil) throws -> CreatedToken {
        guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || "0123456789-_.@".unicodeScalars.contains($0) }) else {
            throw EngineError.usage("'\(name)' is not a token name: use letters, digits and - _ . @ (up to 64), such as coordinator-laptop")
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret = "comity_" + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        var token = AccessToken(name: name, hash: Self.tokenHash(secret), scope: scope, createdAt: Timestamp(Date()))
        try store.write(commit: true) { tx in
            token.person = try person.map { try AccessPolicy.person(named: $0, in: tx).id }
            try tx.saveToken(token)
        }
        return CreatedToken(token: token, secret: secret)
    }

    /// Every token, revoked ones too.
    public func tokens() throws -> [AccessToken] { try store.read { try $0.tokens() } }

    /// Every token with the name of the person it acts as (nil for a workspace token;
    /// `person#7` for one whose person is gone).
    public func tokensWithPeople() throws -> [(token: AccessToken, person: String?)] {
        try store.read { tx in
            try tx.tokens().map { token in
                (token, try token.person.map { try Self.name(of: RecordReference(.person, $0), in: tx) })
            }
        }
    }

    /// Revokes a token by name; refused when none has it or it was revoked already.
    public func revokeToken(name: String) throws {
        let revoked = try store.write(commit: true) { try $0.revokeToken(name: name, at: Timestamp(Date())) }
        guard revoked else {
            let known = try tokens()
            if known.contains(where: { $0.name == name }) { throw EngineError.failed("token '\(name)' was revoked already") }
            throw EngineError.failed("no token named '\(name)' (see `comity tokens list`)")
        }
    }

    /// The token a request's secret is, if any (revoked ones too: the caller says why it
    /// refuses). With `noteUse`, its last use is noted when it was not within the minute,
    /// so reads stay reads; noting is bookkeeping: when the database cannot take the write
    /// (a run holds SQLite's lock) the request goes on without it.
    public func authenticate(secret: String, noteUse: Bool = true) throws -> AccessToken? {
        guard var token = try store.read({ try $0.token(hash: Self.tokenHash(secret)) }) else { return nil }
        let now = Timestamp(Date())
        if noteUse, token.revokedAt == nil, (token.lastUsedAt?.secondsSince1970 ?? 0) < now.secondsSince1970 - 60,
           (try? store.write(commit: true, { try $0.touchToken(name: token.name, at: now) })) != nil {
            token.lastUsedAt = now
        }
        return token
    }

    /// The token whose text hashes to `hash`, as it is now (revoked or not); nil when
    /// there is none. The dashboard keeps a session's token by its hash, not its text.
    public func token(hash: String) throws -> AccessToken? {
        try store.read { try $0.token(hash: hash) }
    }

    /// The SHA-256 of a token's text, in lower-case hex: what the store keeps.
    public static func tokenHash(_ secret: String) -> String {
        HexText.lowercase(SHA256.hash(data: Data(secret.utf8)))
    }
}
