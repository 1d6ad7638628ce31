import ComityCore
import ComitySQL
import Foundation

/// The webhook inbox (table `webhook_deliveries`, migration v2).
extension PostgresTransaction {
    func receiveDelivery(_ delivery: WebhookDelivery) throws -> Int64? {
        // The unique index on (hook, delivery) is the replay check, also between servers.
        let rows = try session.query(
            """
            INSERT INTO webhook_deliveries (hook, delivery, received_at, headers, body) VALUES (?, ?, ?, ?::jsonb, ?)
            ON CONFLICT (hook, delivery) DO NOTHING RETURNING id
            """,
            [.text(delivery.hook), .text(delivery.delivery), .integer(delivery.receivedAt.secondsSince1970),
             .text(WebhookHeaderCoding.json(delivery.headers)), .blob([UInt8](delivery.body))])
        return rows.first?.integer("id")
    }

    func delivery(id: Int64) throws -> WebhookDelivery? {
        try session.query("SELECT id, hook, delivery, received_at, headers::text AS headers, body FROM webhook_deliveries WHERE id = ?",
                          [.integer(id)]).first.map(Self.delivery)
    }

    func delivery(hook: String, delivery: String) throws -> WebhookDelivery? {
        try session.query(
            "SELECT id, hook, delivery, received_at, headers::text AS headers, body FROM webhook_deliveries WHERE hook = ? AND delivery = ?",
            [.text(hook), .text(delivery)]).first.map(Self.delivery)
    }

    func delivery(hook: String, body: Data, since: Timestamp) throws -> WebhookDelivery? {
        try session.query(
            """
            SELECT id, hook, delivery, received_at, headers::text AS headers, body FROM webhook_deliveries
            WHERE hook = ? AND received_at >= ? AND body = ? ORDER BY id LIMIT 1
            """,
            [.text(hook), .integer(since.secondsSince1970), .blob([UInt8](body))]).first.map(Self.delivery)
    }

    private static func delivery(_ row: PostgresResultRow) -> WebhookDelivery {
        var body = Data()
        if case .blob(let bytes) = row["body"] { body = Data(bytes) }
        return WebhookDelivery(id: row.integer("id") ?? 0, hook: row.text("hook") ?? "", delivery: row.text("delivery") ?? "",
                               receivedAt: Timestamp(secondsSince1970: row.integer("received_at") ?? 0),
                               headers: WebhookHeaderCoding.headers(row.text("headers")), body: body)
    }
}
