import ComityCore
import Foundation
import GRDB

/// API tokens (table `access_tokens`, migration v9).
extension SQLiteTransaction {
    func saveToken(_ token: AccessToken) throws {
        if try Int.fetchOne(db, sql: "SELECT count(*) FROM access_tokens WHERE name = ?", arguments: [token.name]) ?? 0 > 0 {
            throw StoreError(.duplicate, "a token named '\(token.name)' exists already (names are never reused, revoked or not)")
        }
        try db.execute(
            sql: "INSERT INTO access_tokens (name, hash, scope, created_at, last_used_at, revoked_at, person) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [token.name, token.hash, token.scope.rawValue, token.createdAt.secondsSince1970,
                        token.lastUsedAt?.secondsSince1970, token.revokedAt?.secondsSince1970, token.person])
    }

    func tokens() throws -> [AccessToken] {
        try Row.fetchAll(db, sql: "SELECT * FROM access_tokens ORDER BY name").map(Self.token)
    }

    func token(hash: String) throws -> AccessToken? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM access_tokens WHERE hash = ?"), arguments: [hash]).map(Self.token)
    }

    func revokeToken(name: String, at: Timestamp) throws -> Bool {
        try db.execute(sql: "UPDATE access_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                       arguments: [at.secondsSince1970, name])
        return db.changesCount > 0
    }

    func touchToken(name: String, at: Timestamp) throws {
        try db.execute(sql: "UPDATE access_tokens SET last_used_at = ? WHERE name = ?", arguments: [at.secondsSince1970, name])
    }

    private static func token(_ row: Row) -> AccessToken {
        let used: Int64? = row["last_used_at"]
        let revoked: Int64? = row["revoked_at"]
        return AccessToken(name: row["name"], hash: row["hash"], scope: AccessToken.Scope(rawValue: row["scope"]) ?? .read,
                           createdAt: Timestamp(secondsSince1970: row["created_at"]),
                           lastUsedAt: used.map(Timestamp.init(secondsSince1970:)), revokedAt: revoked.map(Timestamp.init(secondsSince1970:)),
                           person: row["person"])
    }
}
