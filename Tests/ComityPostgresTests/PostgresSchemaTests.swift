import ComityCore
@testable import ComityPostgres
import Testing

@Suite(.enabled(if: TestServer.isAvailable, "needs the test server of `make test` (COMITY_TEST_POSTGRES)"))
struct PostgresSchemaTests {
    /// The columns PostgreSQL keeps beyond the layout: orders SQLite keeps as rowids, and
    /// the machine of a run.
    static let ownColumns: Set<String> = ["event_participants.added", "runs.saved", "runs.host"]

    /// The migrated database has exactly the tables, columns, types, nullability and
    /// indexes that `StorageLayout` (the domain schema) implies.
    @Test func theMigratedDatabaseIsTheLayout() throws {
        let url = try TestServer.newDatabase()
        _ = try PostgresStore(url: url)
        let location = try PostgresLocation(url: url)
        let layout = StorageLayout(.standard)
        let tables = Set(try PostgresStore.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'comity_migrations'", at: location))
        #expect(tables == Set(layout.tables.map(\.name)))
        for table in layout.tables {
            let rows = try PostgresStore.query(
                """
                SELECT column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name = '\(table.name)' ORDER BY ordinal_position
                """, at: location)
            let expected = table.columns.map { column in
                "\(column.name) \(PostgresDDL.type(column.type).lowercased()) \(column.nullable && !(table.generatesIDs && column.name == "id") ? "YES" : "NO")"
            }
            let found = rows.filter { !Self.ownColumns.contains("\(table.name).\($0.split(separator: " ")[0])") }
            #expect(found == expected, "\(table.name)")
            let indexes = Set(try PostgresStore.query("SELECT indexname FROM pg_indexes WHERE tablename = '\(table.name)' AND indexname NOT LIKE '%_pkey'",
                                                      at: location))
            #expect(indexes == Set(table.indexes.map(\.name)), "\(table.name)")
        }
        #expect(try PostgresStore.query("SELECT max(version) FROM comity_migrations", at: location) == ["\(PostgresMigrations.latest)"])
    }

    /// Released migrations are never edited: v1 is the layout as it was released, kept
    /// as text. A change to the layout comes with a new migration (and this one stays).
    @Test func releasedMigrationsAreFrozen() {
        for (version, released) in Self.released.sorted(by: { $0.key < $1.key }) {
            let text = PostgresMigrations.all.first { $0.version == version }?.statements().joined(separator: ";\n") ?? ""
            let fingerprint = Self.fingerprint(text)
            #expect(fingerprint == released,
                    "v\(version) changed (fingerprint now \(fingerprint)): released migrations are frozen (PostgresMigrationV\(version)); a change to the layout is a new migration")
        }
    }

    static let released: [Int: UInt64] = [1: 14_675_066_098_148_118_280, 2: 11_649_879_978_984_120_021]

    /// FNV-1a of the text: enough to see a change.
    static func fingerprint(_ text: String) -> UInt64 {
        text.utf8.reduce(14_695_981_039_346_656_037) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    }
}
