import ComityCore
import ComitySQL
import Foundation

/// The answers of idempotent API writes (table `idempotent_responses`, migration v3).
extension PostgresTransaction {
    func idempotentResponse(token: String, key: String, since: Timestamp) throws -> IdempotentResponse? {
        try session.query(
            "SELECT token, key, request, status, body, created_at FROM idempotent_responses WHERE token = ? AND key = ? AND created_at >= ?",
            [.text(token), .text(key), .integer(since.secondsSince1970)]).first.map(Self.idempotentResponse)
    }

    func keepIdempotentResponse(_ response: IdempotentResponse, since: Timestamp) throws {
        // A forgotten answer (older than `since`) is replaced; a kept one refuses: two
        // servers taking the same key at once, and only one of the writes commits.
        let kept = try session.execute(
            """
            INSERT INTO idempotent_responses (token, key, request, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (token, key) DO UPDATE SET request = EXCLUDED.request, status = EXCLUDED.status, body = EXCLUDED.body,
              created_at = EXCLUDED.created_at
            WHERE idempotent_responses.created_at < ?
            """,
            [.text(response.token), .text(response.key), .text(response.request), .integer(Int64(response.status)),
             .blob([UInt8](response.body)), .integer(response.createdAt.secondsSince1970), .integer(since.secondsSince1970)])
        guard kept == 1 else {
            throw StoreError(.duplicate, "Idempotency-Key '\(response.key)' has an answer kept already")
        }
    }

    private static func idempotentResponse(_ row: PostgresResultRow) -> IdempotentResponse {
        let body: Data = if case .blob(let bytes) = row["body"] { Data(bytes) } else { Data() }
        return IdempotentResponse(token: row.text("token") ?? "", key: row.text("key") ?? "", request: row.text("request") ?? "",
                                  status: Int(row.integer("status") ?? 0), body: body,
                                  createdAt: Timestamp(secondsSince1970: row.integer("created_at") ?? 0))
    }
}
