import ComityCore
import ComitySQL
import Foundation
import GRDB

/// The webhook inbox (table `webhook_deliveries`, migration v9).
extension SQLiteTransaction {
    func receiveDelivery(_ delivery: WebhookDelivery) throws -> Int64? {
        // The unique index on (hook, delivery) is the replay check: a second insert changes nothing.
        try db.execute(
            sql: "INSERT OR IGNORE INTO webhook_deliveries (hook, delivery, received_at, headers, body) VALUES (?, ?, ?, ?, ?)",
            arguments: [delivery.hook, delivery.delivery, delivery.receivedAt.secondsSince1970,
                        WebhookHeaderCoding.json(delivery.headers), delivery.body])
        return db.changesCount > 0 ? db.lastInsertedRowID : nil
    }

    func delivery(id: Int64) throws -> WebhookDelivery? {
        try Row.fetchOne(db, sql: "SELECT * FROM webhook_deliveries WHERE id = ?", arguments: [id]).map(Self.delivery)
    }

    func delivery(hook: String, delivery: String) throws -> WebhookDelivery? {
        try Row.fetchOne(db, sql: "SELECT * FROM webhook_deliveries WHERE hook = ? AND delivery = ?",
                         arguments: [hook, delivery]).map(Self.delivery)
    }

    func delivery(hook: String, body: Data, since: Timestamp) throws -> WebhookDelivery? {
        try Row.fetchOne(db, sql: "SELECT * FROM webhook_deliveries WHERE hook = ? AND received_at >= ? AND body = ? ORDER BY id LIMIT 1",
                         arguments: [hook, since.secondsSince1970, body]).map(Self.delivery)
    }

    private static func delivery(_ row: Row) -> WebhookDelivery {
        let body: Data? = row["body"]
        return WebhookDelivery(id: row["id"], hook: row["hook"], delivery: row["delivery"],
                               receivedAt: Timestamp(secondsSince1970: row["received_at"]),
                               headers: WebhookHeaderCoding.headers(row["headers"]), body: body ?? Data())
    }
}
