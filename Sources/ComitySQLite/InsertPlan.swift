import ComityCore
import GRDB

/// The INSERT of one record type, worked out once per store from the schema: a
/// create binds its values in this order without building SQL again.
struct InsertPlan: Sendable {
    let sql: String
    let initialStatus: String?
    /// Custom fields go to the `custom` JSON column; lists of records to link tables.
    let hasCustomFields: Bool
    let linkFields: [FieldDefinition]
    /// Where each built-in field's value goes among the arguments (after created_at,
    /// updated_at, custom, owner and, with a lifecycle, status), by the field's place in the
    /// schema; nil for fields without a column of their own (custom fields, lists of
    /// records). `spread` is the definition of a field stored in several columns
    /// (money, a record of any type), nil for the one-column fields, which a create
    /// need not copy.
    let slots: [(column: Int, spread: FieldDefinition?)?]
    let argumentCount: Int

    init(_ recordSchema: RecordSchema) {
        var columns = ["created_at", "updated_at", "custom", "owner"]
        initialStatus = recordSchema.lifecycle?.initial
        if initialStatus != nil { columns.append("status") }
        var slots: [(column: Int, spread: FieldDefinition?)?] = []
        for definition in recordSchema.fields {
            let names = ColumnMapping.columns(definition)
            guard !names.isEmpty else {
                slots.append(nil)
                continue
            }
            slots.append((columns.count, names.count > 1 ? definition : nil))
            columns += names
        }
        self.slots = slots
        argumentCount = columns.count
        hasCustomFields = recordSchema.fields.contains(where: \.custom)
        linkFields = recordSchema.fields.filter {
            if case .references = $0.type { true } else { false }
        }
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        sql = "INSERT INTO \(ColumnMapping.table(recordSchema.type)) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))"
    }

    /// Every record type's plan for `schema`.
    static func all(_ schema: DomainSchema) -> [RecordType: InsertPlan] {
        Dictionary(uniqueKeysWithValues: RecordType.allCases.map { ($0, InsertPlan(schema[$0])) })
    }
}
