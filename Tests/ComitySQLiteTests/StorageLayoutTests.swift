import ComityCore
@testable import ComitySQLite
import Foundation
import GRDB
import Testing

/// The migrations are written by hand and frozen once released; the layout is derived
/// from the domain schema. These tests tie them: a migrated database has exactly the
/// tables, columns, types, nullability, defaults, keys and indexes of the layout.
@Suite struct StorageLayoutTests {
    @Test func aFreshDatabaseHasExactlyTheLayoutOfTheDomainSchema() throws {
        let path = temporaryDatabase()
        _ = try SQLiteStore(path: path)
        let differences = try StorageLayout(.standard).differences(fromDatabaseAt: path)
        #expect(differences == [])
    }

    /// Custom fields as comity.lua declares them (`custom_fields = { organisation = {
    /// budget = "money" } }` becomes `FieldDefinition(name, type, doc)`, added to the
    /// schema): they change no table, and their values are the members of `custom`.
    @Test func customFieldsChangeNoTableAndLiveInTheCustomColumn() throws {
        var schema = DomainSchema.standard
        let types: [(String, FieldType)] = [
            ("note", .string), ("staff", .integer), ("share", .decimal), ("cooperates_internationally", .boolean),
            ("founded_on", .date), ("budget", .money), ("risk", .choice(["low", "high"])), ("regions", .strings),
        ]
        for type in [RecordType.organisation, .grant, .task] {
            for (name, fieldType) in types { try schema.addCustomField(FieldDefinition(name, fieldType, "Custom field."), to: type) }
        }
        let layout = StorageLayout(schema)
        #expect(layout.table(named: "organisations")?.customFields == types.map(\.0))
        #expect(layout.table(named: "people")?.customFields == [])
        #expect(layout.tables.map(\.columns) == StorageLayout(.standard).tables.map(\.columns))

        let path = temporaryDatabase()
        let store = try SQLiteStore(path: path, schema: schema)
        _ = try store.write(commit: true) { tx in
            try tx.create(.organisation, [
                "name": .string("Agency for Social Information"), "note": .string("met in Moscow"), "staff": .integer(40),
                "share": .decimal("0.25"), "cooperates_internationally": .boolean(true), "founded_on": .string("1994-03-01"),
                "budget": .string("5000000.00 RUB"), "risk": .string("low"), "regions": .strings(["Moscow", "Perm"]),
            ], context: context)
        }
        let differences = try layout.differences(fromDatabaseAt: path)
        #expect(differences == [])
        let keys = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT key FROM organisations, json_each(organisations.custom) ORDER BY key")
        }
        #expect(keys == types.map(\.0).sorted())
    }

    /// The check itself: a column, a type, a nullability, a reference, an index, the rows
    /// an index keeps or a table the layout does not have is named; so is one the layout
    /// has and the database lacks.
    @Test func eachKindOfDifferenceIsNamed() throws {
        let path = temporaryDatabase()
        _ = try SQLiteStore(path: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                ALTER TABLE grants ADD COLUMN rating INTEGER;
                ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX grants_title ON grants(title);
                DROP INDEX tasks_due;
                CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
                DROP TABLE event_participants;
                CREATE TABLE event_participants (
                  event INTEGER NOT NULL REFERENCES people(id), participant_type TEXT NOT NULL,
                  participant_id TEXT NOT NULL, role TEXT,
                  PRIMARY KEY (event, participant_type, participant_id, role));
                DROP INDEX schedules_due;
                CREATE INDEX schedules_due ON schedules(next_slot) WHERE paused = 0;
                """)
        }
        let differences = try StorageLayout(.standard).differences(fromDatabaseAt: path)
        #expect(differences == [
            "table notes is in the database, not in the layout",
            "grants.rating is in the database, not in the layout",
            "grants has index grants_title on title, not in the layout",
            "tasks lacks index tasks_due on due",
            "event_participants.participant_id is TEXT, the layout says integer (INTEGER)",
            "event_participants.role may be NULL, the layout says it may not",
            #"event_participants references ["event -> people(id)"], the layout says ["event -> events(id)"]"#,
            "outbox.priority is in the database, not in the layout",
            "index schedules_due keeps rows where 'paused = 0', the layout says 'paused = 0 AND error IS NULL'",
        ])
    }
}

extension StorageLayout.ColumnType {
    /// The type a SQLite table declares for a column of this type (its affinity follows).
    var sqliteType: String {
        switch self {
        case .integer, .boolean, .timestamp: "INTEGER"
        case .text, .decimal, .date, .json: "TEXT"
        case .blob: "BLOB"
        }
    }
}

extension StorageLayout.DefaultValue {
    /// As `PRAGMA table_info` shows a default: its SQL text.
    var sqliteLiteral: String {
        switch self {
        case .integer(let i): String(i)
        case .boolean(let b): b ? "1" : "0"
        case .text(let s): "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        }
    }
}

extension StorageLayout.RowCondition {
    var sqliteExpression: String {
        switch self {
        case .isFalse(let column): "\(column) = 0"
        case .equals(let column, let value): "\(column) = '\(value)'"
        case .isNull(let column): "\(column) IS NULL"
        }
    }
}

extension StorageLayout {
    /// What differs between the layout and the main schema of the database at `path`,
    /// one sentence each, in the layout's order of tables; empty when they agree.
    /// SQLite's own tables and GRDB's record of migrations are not the store's.
    func differences(fromDatabaseAt path: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            let present = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                  AND name != 'grdb_migrations' ORDER BY name
                """)
            let expected = Set(tables.map(\.name))
            var found = present.filter { !expected.contains($0) }.map { "table \($0) is in the database, not in the layout" }
            for table in tables {
                if present.contains(table.name) {
                    found += try table.differences(in: db)
                } else {
                    found.append("table \(table.name) is missing from the database")
                }
            }
            return found
        }
    }
}

extension StorageLayout.Table {
    func differences(in db: Database) throws -> [String] {
        var found: [String] = []
        let columnRows = try Row.fetchAll(db, sql: "PRAGMA table_info(\(name))")
        for row in columnRows {
            let columnName: String = row["name"]
            guard let column = column(named: columnName) else {
                found.append("\(name).\(columnName) is in the database, not in the layout")
                continue
            }
            let declared: String = row["type"]
            if declared.uppercased() != column.type.sqliteType {
                found.append("\(name).\(columnName) is \(declared), the layout says \(column.type) (\(column.type.sqliteType))")
            }
            // A single-column primary key without NOT NULL: SQLite's rowid (`id INTEGER
            // PRIMARY KEY`) cannot be NULL; a TEXT one (runs.id, schedules.workflow)
            // could, by a legacy of SQLite's, but the store always gives one.
            let notNull: Bool = row["notnull"]
            let keyOfItsOwn = primaryKey == [columnName] && row["pk"] as Int == 1
            if !(notNull || keyOfItsOwn) && !column.nullable {
                found.append("\(name).\(columnName) may be NULL, the layout says it may not")
            } else if notNull && column.nullable {
                found.append("\(name).\(columnName) is NOT NULL, the layout says it may be NULL")
            }
            let defaultValue: String? = row["dflt_value"]
            if defaultValue != column.defaultValue?.sqliteLiteral {
                found.append("\(name).\(columnName) defaults to \(defaultValue ?? "nothing"), "
                             + "the layout says \(column.defaultValue?.sqliteLiteral ?? "nothing")")
            }
        }
        let present = Set(columnRows.map { $0["name"] as String })
        for column in columns where !present.contains(column.name) {
            found.append("\(name).\(column.name) is missing from the database")
        }

        let key = columnRows.map { (position: $0["pk"] as Int, name: $0["name"] as String) }
            .filter { $0.position > 0 }.sorted { $0.position < $1.position }.map(\.name)
        if key != primaryKey {
            found.append("\(name)'s primary key is (\(key.joined(separator: ", "))), the layout says (\(primaryKey.joined(separator: ", ")))")
        }
        let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                             arguments: [name]) ?? ""
        if definition.uppercased().contains("AUTOINCREMENT") != generatesIDs {
            found.append(generatesIDs ? "\(name) does not hand out ids (AUTOINCREMENT)" : "\(name) hands out ids, the layout says it does not")
        }

        let references = try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(name))").map { row in
            "\(row["from"] as String) -> \(row["table"] as String)(\(row["to"] as String? ?? "id"))"
        }
        // Every table a column refers to has the integer `id` of a record or a message.
        let expectedReferences = columns.compactMap { column in column.references.map { "\(column.name) -> \($0)(id)" } }
        if references.sorted() != expectedReferences.sorted() {
            found.append("\(name) references \(references.sorted()), the layout says \(expectedReferences.sorted())")
        }

        found += try indexDifferences(in: db)
        return found
    }

    /// Every index of the layout present, with its columns, uniqueness and rows; none
    /// other but the primary key's. A UNIQUE column (organisations.identifier, since
    /// v1) is an index SQLite names itself, matched by its columns.
    private func indexDifferences(in db: Database) throws -> [String] {
        var found: [String] = []
        var matched: Set<String> = []
        for row in try Row.fetchAll(db, sql: "PRAGMA index_list(\(name))") {
            let indexName: String = row["name"]
            let origin: String = row["origin"]
            if origin == "pk" { continue }
            let unique: Bool = row["unique"]
            let indexColumns = try Row.fetchAll(db, sql: "PRAGMA index_info(\(indexName))")
                .map { (position: $0["seqno"] as Int, name: $0["name"] as String) }
                .sorted { $0.position < $1.position }.map(\.name)
            let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                                          arguments: [indexName])
            var condition = ""
            if let sql, let start = sql.range(of: " WHERE ") { condition = String(sql[start.upperBound...]) }
            let index = origin == "c"
                ? indexes.first { $0.name == indexName }
                : indexes.first { $0.columns == indexColumns && $0.unique && $0.conditions.isEmpty && !matched.contains($0.name) }
            guard let index else {
                found.append("\(name) has \(unique ? "unique " : "")index \(indexName) on \(indexColumns.joined(separator: ", ")), not in the layout")
                continue
            }
            matched.insert(index.name)
            if index.columns != indexColumns {
                found.append("index \(indexName) is on \(indexColumns.joined(separator: ", ")), the layout says \(index.columns.joined(separator: ", "))")
            }
            if index.unique != unique {
                found.append("index \(indexName) is \(unique ? "" : "not ")unique, the layout says it is \(index.unique ? "" : "not")")
            }
            let expectedCondition = index.conditions.map { $0.sqliteExpression }.joined(separator: " AND ")
            if condition.split(separator: " ") != expectedCondition.split(separator: " ") {
                found.append("index \(indexName) keeps rows where '\(condition)', the layout says '\(expectedCondition)'")
            }
        }
        for index in indexes where !matched.contains(index.name) {
            found.append("\(name) lacks \(index.unique ? "unique " : "")index \(index.name) on \(index.columns.joined(separator: ", "))")
        }
        return found
    }
}

/// Released migrations are frozen: a database migrated by one Comity must be the
/// database every later Comity expects, so a change is a new migration (and its change
/// to `StorageLayout`), never an edit. Each released migration's SQL is pinned by a
/// fingerprint; migrations after them are not.
@Suite struct FrozenMigrationTests {
    static let released: [(name: String, fingerprint: UInt64)] = [
        ("v1 records, audit and events", 13015679303222817960),
        ("v2 run history and trigger queue", 14635354663447160228),
        ("v3 identifiers for every record type", 5092364770290972104),
        ("v4 outbox", 1924924659339266168),
        ("v5 schedules", 8502620969952170462),
        ("v6 events keep their data", 6540314312644605196),
        ("v7 mail with several recipients, html and attachments", 15736066665325396049),
        ("v8 workers, leased runs and claimed slots", 15674717717486175540),
        ("v9 API tokens and webhook deliveries", 624565585791877587),
        ("v10 queued runs keep their parameters; idempotent API writes", 7175731445609512151),
        ("v11 owners, memberships, networks and shares", 10935011693151964554),
    ]

    /// FNV-1a, 64 bits: stable across runs and platforms, unlike `Hasher`.
    static func fingerprint(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01b3 }
    }

    @Test func releasedMigrationsAreUnchangedAndInTheirOrder() {
        let sql = [Migrations.v1, Migrations.v2, Migrations.v3, Migrations.v4, Migrations.v5, Migrations.eventData, Migrations.v7, Migrations.v8, Migrations.v9,
                   Migrations.v10, Migrations.v11]
        #expect(Array(Migrations.migrator.migrations.prefix(Self.released.count)) == Self.released.map(\.name))
        #expect(sql.map(Self.fingerprint) == Self.released.map(\.fingerprint))
    }
}
