import ComityCore
import Foundation
import GRDB

/// How records map onto the tables of `Migrations`: the names are `StorageLayout`'s,
/// which a test checks the migrated database against.
enum ColumnMapping {
    static func table(_ type: RecordType) -> String { StorageLayout.tableName(type) }

    static func linkTable(_ type: RecordType, _ field: String) -> String { StorageLayout.linkTableName(type, field) }

    /// The columns a built-in field occupies; none for lists of records (a link
    /// table) and custom fields (the `custom` column).
    static func columns(_ definition: FieldDefinition) -> [String] { StorageLayout.columnNames(definition) }

    /// Values for `columns(definition)`, in the same order.
    static func encode(_ value: FieldValue?, _ definition: FieldDefinition) -> [DatabaseValue] {
        switch (definition.type, value) {
        case (.money, .money(let money)?): return [money.minorUnits.databaseValue, money.currency.code.databaseValue]
        case (.money, _): return [.null, .null]
        case (.anyReference, .reference(let r)?): return [r.type.rawValue.databaseValue, r.id.databaseValue]
        case (.anyReference, _): return [.null, .null]
        default: return [scalar(value)]
        }
    }

    /// A single-column value, as stored and as compared in queries.
    static func scalar(_ value: FieldValue?) -> DatabaseValue {
        switch value {
        case nil: .null
        case .string(let s)?, .decimal(let s)?: s.databaseValue
        case .integer(let i)?: i.databaseValue
        case .boolean(let b)?: (b ? 1 : 0).databaseValue
        case .date(let d)?: d.description.databaseValue
        case .time(let t)?: t.secondsSince1970.databaseValue
        case .money(let m)?: m.minorUnits.databaseValue
        case .strings(let list)?: JSONText.array(list).databaseValue
        case .reference(let r)?: r.id.databaseValue
        case .references?: .null
        }
    }

    static func decode(_ row: Row, _ definition: FieldDefinition) -> FieldValue? {
        let name = definition.name
        switch definition.type {
        case .money:
            guard let minor: Int64 = row["\(name)_minor"], let code: String = row["\(name)_currency"],
                  let currency = try? Currency(code) else { return nil }
            return .money(Money(minorUnits: minor, currency: currency))
        case .anyReference:
            guard let typeName: String = row["\(name)_type"], let type = RecordType(rawValue: typeName),
                  let id: Int64 = row["\(name)_id"] else { return nil }
            return .reference(RecordReference(type, id))
        case .references:
            return nil
        default:
            return decodeScalar(row[name], definition.type)
        }
    }

    static func decodeScalar(_ value: DatabaseValue, _ type: FieldType) -> FieldValue? {
        if value.isNull { return nil }
        switch type {
        case .integer: return Int64.fromDatabaseValue(value).map { .integer($0) }
        case .decimal: return String.fromDatabaseValue(value).map { .decimal($0) }
        case .boolean: return Int64.fromDatabaseValue(value).map { .boolean($0 != 0) }
        case .date: return String.fromDatabaseValue(value).flatMap { try? CalendarDate(parsing: $0) }.map { .date($0) }
        case .time: return Int64.fromDatabaseValue(value).map { .time(Timestamp(secondsSince1970: $0)) }
        case .strings: return String.fromDatabaseValue(value).map { .strings(strings(fromJSON: $0)) }
        case .reference(let target): return Int64.fromDatabaseValue(value).map { .reference(RecordReference(target, $0)) }
        default: return String.fromDatabaseValue(value).map { .string($0) }
        }
    }

    // MARK: Custom fields, as JSON

    static func encodeCustom(_ values: [String: FieldValue]) -> String {
        if values.isEmpty { return "{}" }
        var object: [String: Any] = [:]
        for (name, value) in values {
            switch value {
            case .integer(let i): object[name] = i
            case .boolean(let b): object[name] = b
            case .strings(let list): object[name] = list
            case .money(let m): object[name] = ["minor": m.minorUnits, "currency": m.currency.code]
            default: object[name] = ColumnMapping.scalar(value).storage.value.map { "\($0)" } ?? ""
            }
        }
        return json(object)
    }

    static func decodeCustom(_ text: String, _ schema: RecordSchema) -> [String: FieldValue] {
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
                values[definition.name] = decodeScalar(s.databaseValue, type)
            default:
                break
            }
        }
        return values
    }

    /// For values of mixed types (custom fields); `JSONText` is the fast path for text.
    static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
              let text = String(data: data, encoding: .utf8) else { return "null" }
        return text
    }

    static func strings(fromJSON text: String) -> [String] {
        guard let data = text.data(using: .utf8) else { return [] }
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String]) ?? []
    }
}
