import ComityCore
import ComitySQLite
import Foundation
import Testing

/// What a run sees (a find is a snapshot) and that ids are never handed out twice are
/// requirements of every store: the conformance suite's `SnapshotCases`. Here, how
/// SQLite keeps the second.
@Suite struct SnapshotAndIdentityTests {
    @Test func everyRecordTableHasAutoincrementIds() throws {
        let path = temporaryDatabase()
        _ = try SQLiteStore(path: path)
        for table in ["organisations", "people", "grants", "partnerships", "events", "applications", "tasks"] {
            let sql = try SQLiteStore.rawQuery(path: path, sql: "SELECT sql FROM sqlite_master WHERE name = '\(table)'")
            #expect(sql.first?.contains("AUTOINCREMENT") == true, "\(table)")
        }
    }
}
