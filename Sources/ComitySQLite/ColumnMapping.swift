import ComityCore
import ComitySQL
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

    /// Values for `columns(definition)`, in the same order (see `ColumnValues`).
    static func encode(_ value: FieldValue?, _ definition: FieldDefinition) -> [DatabaseValue] {
        ColumnValues.encode(value, definition).map(\.databaseValue)
    }

    /// A single-column value, as stored and as compared in queries.
    static func scalar(_ value: FieldValue?) -> DatabaseValue { ColumnValues.scalar(value).databaseValue }

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
        ColumnValues.decodeScalar(SQLValue(value), type)
    }

    static func encodeCustom(_ values: [String: FieldValue]) -> String { ColumnValues.encodeCustom(values) }

    static func decodeCustom(_ text: String, _ schema: RecordSchema) -> [String: FieldValue] { ColumnValues.decodeCustom(text, schema) }

    static func json(_ object: Any) -> String { ColumnValues.json(object) }
}
