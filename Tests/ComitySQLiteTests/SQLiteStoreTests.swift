import ComityCore
import ComitySQLite
import Foundation
import Testing

func temporaryDatabase() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("comity-store-\(UUID().uuidString)/.comity/comity.db").path
}

let morning = try! Timestamp(parsing: "2021-01-26T08:00:00Z")
let context = ChangeContext(run: "run-1", at: morning)

// The requirements of any store (records, audit, events, queries, sums, savepoints,
// locks, a full disk) are in the conformance suite (ComityStoreConformance), which
// SQLiteConformanceTests runs; these are SQLite's own.

@Suite struct SQLiteStoreFileTests {
    /// The refusal itself is the conformance suite's (`aDatabaseFromANewerComityIsRefusedAndLeftAsItIs`):
    /// here, that SQLite's migrations table is left as it was, the newer marker included.
    @Test func aDatabaseFromANewerComityKeepsItsMigrationsAsTheyWere() throws {
        let path = temporaryDatabase()
        let store = try SQLiteStore(path: path)
        _ = try store.write(commit: true) { tx in try tx.create(.organisation, ["name": .string("kept")], context: context) }
        #expect(try SQLiteStore.rawExecute(path: path, sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99 from the future')"))
        #expect(throws: StoreError.self) { _ = try SQLiteStore(path: path) }
        // Nothing was migrated or lost: the newer marker, the data and the file's integrity stand.
        #expect(try SQLiteStore.rawQuery(path: path, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            == ["v1 records, audit and events", "v10 queued runs keep their parameters; idempotent API writes",
                "v11 owners, memberships, networks and shares", "v12 runs keep whom they acted as", "v2 run history and trigger queue", "v3 identifiers for every record type", "v4 outbox", "v5 schedules",
                "v6 events keep their data", "v7 mail with several recipients, html and attachments",
                "v8 workers, leased runs and claimed slots", "v9 API tokens and webhook deliveries", "v99 from the future"])
        #expect(try SQLiteStore.rawQuery(path: path, sql: "SELECT name FROM organisations") == ["kept"])
        #expect(try SQLiteStore.rawQuery(path: path, sql: "PRAGMA integrity_check") == ["ok"])
    }

    @Test func aFileThatIsNotADatabaseIsNamed() throws {
        let path = temporaryDatabase()
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try SQLiteStore(path: path)
        } throws: { error in "\(error)".contains("is not a Comity database") }
    }
}
