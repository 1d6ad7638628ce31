import ComityCore
import Foundation
import GRDB

/// The answers of idempotent API writes (table `idempotent_responses`, migration v10).
extension SQLiteTransaction {
    func idempotentResponse(token: String, key: String, since: Timestamp) throws -> IdempotentResponse? {
        try Row.fetchOne(db, sql: "SELECT * FROM idempotent_responses WHERE token = ? AND key = ? AND created_at >= ?",
                         arguments: [token, key, since.secondsSince1970]).map { row in
            IdempotentResponse(token: row["token"], key: row["key"], request: row["request"], status: row["status"],
                               body: row["body"] ?? Data(), createdAt: Timestamp(secondsSince1970: row["created_at"]))
        }
    }

    func keepIdempotentResponse(_ response: IdempotentResponse, since: Timestamp) throws {
        // A forgotten answer (older than `since`) is replaced; a kept one refuses.
        try db.execute(
            sql: """
                INSERT INTO idempotent_responses (token, key, request, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (token, key) DO UPDATE SET request = excluded.request, status = excluded.status, body = excluded.body,
                  created_at = excluded.created_at
                WHERE idempotent_responses.created_at < ?
                """,
            arguments: [response.token, response.key, response.request, response.status, response.body,
                        response.createdAt.secondsSince1970, since.secondsSince1970])
        guard db.changesCount == 1 else {
            throw StoreError(.duplicate, "Idempotency-Key '\(response.key)' has an answer kept already")
        }
    }
}
