import ComityCore
import GRDB

/// The TEMP tables a transaction copies the rest of an open `find` into when it writes
/// (see `SQLiteRecordCursor`): one per record type, with the record table's columns,
/// the cursor the row belongs to, and the targets of each list of records as a JSON
/// array (the links as of the find, not as of the read).
struct SnapshotTables: Sendable {
    let schema: DomainSchema

    static func name(_ type: RecordType) -> String { "snapshot_\(ColumnMapping.table(type))" }

    static func linkColumn(_ field: String) -> String { "snapshot_link_\(field)" }

    /// `, (…) AS snapshot_link_FIELD` for each list of records of `type`, after `t.*`.
    func linkColumns(_ type: RecordType) -> String {
        schema[type].fields.filter { !$0.custom && $0.isReferenceList }.map { definition in
            let links = ColumnMapping.linkTable(type, definition.name)
            return ", (SELECT json_group_array(target) FROM (SELECT target FROM \(links) l WHERE l.owner = t.id ORDER BY position)) AS \(Self.linkColumn(definition.name))"
        }.joined()
    }

    /// Makes every type's table unless it is there, on the writing connection before the
    /// store's first write transaction. Outside any transaction, on purpose: a table made inside one is a
    /// change of schema, and SQLite then aborts every statement being stepped (the open
    /// finds) when a savepoint of that transaction is rolled back.
    func make(in db: Database) throws {
        for type in RecordType.allCases {
            let table = Self.name(type)
            try db.execute(sql: """
                CREATE TEMP TABLE IF NOT EXISTS \(table) AS
                  SELECT 0 AS snapshot_cursor, t.*\(linkColumns(type)) FROM \(ColumnMapping.table(type)) t WHERE 0;
                CREATE INDEX IF NOT EXISTS temp.\(table)_cursor ON \(table)(snapshot_cursor);
                """)
        }
    }

    /// Empties them: what a transaction copied is of no use to the next.
    func clear(in db: Database) throws {
        for type in RecordType.allCases { try db.execute(sql: "DELETE FROM temp.\(Self.name(type))") }
    }
}

extension FieldDefinition {
    /// A list of records, kept in a link table.
    var isReferenceList: Bool {
        if case .references = type { true } else { false }
    }
}
