import ComityCore
import ComitySQL
import Foundation

/// API tokens (table `access_tokens`, migration v2).
extension PostgresTransaction {
    func saveToken(_ token: AccessToken) throws {
        let inserted = try session.execute(
            """
            INSERT INTO access_tokens (name, hash, scope, created_at, last_used_at, revoked_at, person) VALUES (?, ?, ?, ?, ?, ?, ?::bigint)
            ON CONFLICT (name) DO NOTHING
            """,
            [.text(token.name), .text(token.hash), .text(token.scope.rawValue), .integer(token.createdAt.secondsSince1970),
             (token.lastUsedAt?.secondsSince1970).sqlValue, (token.revokedAt?.secondsSince1970).sqlValue, token.person.sqlValue])
        if inserted == 0 {
            throw StoreError(.duplicate, "a token named '\(token.name)' exists already (names are never reused, revoked or not)")
        }
    }

    func tokens() throws -> [AccessToken] {
        try session.query("SELECT name, hash, scope, created_at, last_used_at, revoked_at, person FROM access_tokens ORDER BY name").map(Self.token)
    }

    func token(hash: String) throws -> AccessToken? {
        try session.query("SELECT name, hash, scope, created_at, last_used_at, revoked_at, person FROM access_tokens WHERE hash = ?",
                          [.text(hash)]).first.map(Self.token)
    }

    func revokeToken(name: String, at: Timestamp) throws -> Bool {
        try session.execute("UPDATE access_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                            [.integer(at.secondsSince1970), .text(name)]) > 0
    }

    func touchToken(name: String, at: Timestamp) throws {
        _ = try session.execute("UPDATE access_tokens SET last_used_at = ? WHERE name = ?", [.integer(at.secondsSince1970), .text(name)])
    }

    private static func token(_ row: PostgresResultRow) -> AccessToken {
        AccessToken(name: row.text("name") ?? "", hash: row.text("hash") ?? "", scope: AccessToken.Scope(rawValue: row.text("scope") ?? "") ?? .read,
                    createdAt: Timestamp(secondsSince1970: row.integer("created_at") ?? 0),
                    lastUsedAt: row.integer("last_used_at").map(Timestamp.init(secondsSince1970:)),
                    revokedAt: row.integer("revoked_at").map(Timestamp.init(secondsSince1970:)), person: row.integer("person"))
    }
}
