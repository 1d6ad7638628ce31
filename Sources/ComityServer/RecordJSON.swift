import ComityCore
import Foundation

/// A record as the API answers it: `id`, `type`, `status` (for types with a lifecycle),
/// its times, its `owner` (an organisation's id, or null), and `fields` by name with JSON's types: money as `{ "amount": "1250.00",
/// "currency": "EUR" }` (the amount as text, exact), a link as `{ "type": "organisation",
/// "id": 4 }`, dates and times as ISO 8601 text, decimals as text.
enum RecordJSON {
    static func object(_ record: Record) -> JSONTree {
        var object: [String: JSONTree] = [
            "id": .integer(record.reference.id), "type": .string(record.reference.type.rawValue),
            "created_at": .string(record.createdAt.description), "updated_at": .string(record.updatedAt.description),
            "archived_at": record.archivedAt.map { .string($0.description) } ?? .null,
            "owner": record.owner.map { .integer($0) } ?? .null,
            "fields": .object(record.fields.mapValues(value)),
        ]
        if let status = record.status { object["status"] = .string(status) }
        return .object(object)
    }

    static func value(_ field: FieldValue) -> JSONTree {
        switch field {
        case .string(let text): .string(text)
        case .integer(let number): .integer(number)
        case .decimal(let text): .string(text)
        case .boolean(let flag): .boolean(flag)
        case .date(let date): .string(date.description)
        case .time(let time): .string(time.description)
        case .money(let money): .object(["amount": .string(money.amountText), "currency": .string(money.currency.code)])
        case .strings(let list): .array(list.map(JSONTree.string))
        case .reference(let reference): link(reference)
        case .references(let list): .array(list.map(link))
        }
    }

    private static func link(_ reference: RecordReference) -> JSONTree {
        .object(["type": .string(reference.type.rawValue), "id": .integer(reference.id)])
    }

    static func data(_ tree: JSONTree) -> Data { tree.encoded() }
}
