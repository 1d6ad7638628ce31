import ComityCore
import Foundation

/// A record as the API answers it: `id`, `type`, `status` (for types with a lifecycle),
/// its times, and `fields` by name with JSON's types: money as `{ "amount": "1250.00",
/// "currency": "EUR" }` (the amount as text, exact), a link as `{ "type": "organisation",
/// "id": 4 }`, dates and times as ISO 8601 text, decimals as text.
enum RecordJSON {
    static func object(_ record: Record) -> [String: Any] {
        var object: [String: Any] = [
            "id": record.reference.id, "type": record.reference.type.rawValue,
            "created_at": record.createdAt.description, "updated_at": record.updatedAt.description,
            "archived_at": record.archivedAt.map { $0.description as Any } ?? NSNull(),
            "fields": record.fields.mapValues(value),
        ]
        if let status = record.status { object["status"] = status }
        return object
    }

    static func value(_ field: FieldValue) -> Any {
        switch field {
        case .string(let text): text
        case .integer(let number): number
        case .decimal(let text): text
        case .boolean(let flag): flag
        case .date(let date): date.description
        case .time(let time): time.description
        case .money(let money): ["amount": money.amountText, "currency": money.currency.code]
        case .strings(let list): list
        case .reference(let reference): link(reference)
        case .references(let list): list.map(link)
        }
    }

    private static func link(_ reference: RecordReference) -> [String: Any] { ["type": reference.type.rawValue, "id": reference.id] }

    static func data(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
