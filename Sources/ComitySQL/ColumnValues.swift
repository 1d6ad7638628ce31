import ComityCore
import Foundation

/// How a field's value is kept in the columns `StorageLayout` gives it, the same in
/// every SQL store: text for text, dates (`2021-01-26`) and decimals; whole seconds
/// for times; minor units and a code for money; ids for links; a JSON array for a list
/// of strings; custom fields as members of the JSON column `custom`.
public enum ColumnValues {
    /// Values for `StorageLayout.columnNames(definition)`, in the same order.
    public static func encode(_ value: FieldValue?, _ definition: FieldDefinition) -> [SQLValue] {
        switch (definition.type, value) {
        case (.money, .money(let money)?): return [.integer(money.minorUnits), .text(money.currency.code)]
        case (.money, _): return [.null, .null]
        case (.anyReference, .reference(let r)?): return [.text(r.type.rawValue), .integer(r.id)]
        case (.anyReference, _): return [.null, .null]
        default: return [scalar(value)]
        }
    }

    /// A single-column value, as stored and as compared in queries.
    public static func scalar(_ value: FieldValue?) -> SQLValue {
        switch value {
        case nil: .null
        case .string(let s)?, .decimal(let s)?: .text(s)
        case .integer(let i)?: .integer(i)
        case .boolean(let b)?: .integer(b ? 1 : 0)
        case .date(let d)?: .text(d.description)
        case .time(let t)?: .integer(t.secondsSince1970)
        case .money(let m)?: .integer(m.minorUnits)
        case .strings(let list)?: .text(JSONText.array(list))
        case .reference(let r)?: .integer(r.id)
        case .references?: .null
        }
    }

    /// A single column's value read back as a field of `type`; nil for NULL.
    public static func decodeScalar(_ value: SQLValue, _ type: FieldType) -> FieldValue? {
        if value.isNull { return nil }
        switch type {
        case .integer: return value.integer.map { .integer($0) }
        case .decimal: return value.text.map { .decimal($0) }
        case .boolean: return value.integer.map { .boolean($0 != 0) }
        case .date: return value.text.flatMap { try? CalendarDate(parsing: $0) }.map { .date($0) }
        case .time: return value.integer.map { .time(Timestamp(secondsSince1970: $0)) }
        case .strings: return value.text.map { .strings(strings(fromJSON: $0)) }
        case .reference(let target): return value.integer.map { .reference(RecordReference(target, $0)) }
        default: return value.text.map { .string($0) }
        }
    }

    // MARK: Custom fields, as JSON

    public static func encodeCustom(_ values: [String: FieldValue]) -> String {
        if values.isEmpty { return "{}" }
        var object: [String: Any] = [:]
        for (name, value) in values {
            switch value {
            case .integer(let i): object[name] = i
            case .boolean(let b): object[name] = b
            case .strings(let list): object[name] = list
            case .money(let m): object[name] = ["minor": m.minorUnits, "currency": m.currency.code]
            default: object[name] = scalar(value).text ?? ""
            }
        }
        return json(object)
    }

    public static func decodeCustom(_ text: String, _ schema: RecordSchema) -> [String: FieldValue] {
        guard let data = text.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return [:] }
        var values: [String: FieldValue] = [:]
        for definition in schema.fields where definition.custom {
            guard let raw = object[definition.name] else { continue }
            switch (definition.type, raw) {
            case (.integer, let n as NSNumber): values[definition.name] = .integer(n.int64Value)
            case (.boolean, let n as NSNumber): values[definition.name] = .boolean(n.boolValue)
            case (.strings, let list as [String]): values[definition.name] = .strings(list)
            case (.money, let m as [String: Any]):
                if let minor = (m["minor"] as? NSNumber)?.int64Value, let code = m["currency"] as? String,
                   let currency = try? Currency(code) {
                    values[definition.name] = .money(Money(minorUnits: minor, currency: currency))
                }
            case (let type, let s as String):
                values[definition.name] = decodeScalar(.text(s), type)
            default:
                break
            }
        }
        return values
    }

    /// For values of mixed types (custom fields); `JSONText` is the fast path for text.
    public static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
              let text = String(data: data, encoding: .utf8) else { return "null" }
        return text
    }

    public static func strings(fromJSON text: String) -> [String] {
        guard let data = text.data(using: .utf8) else { return [] }
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String]) ?? []
    }
}
