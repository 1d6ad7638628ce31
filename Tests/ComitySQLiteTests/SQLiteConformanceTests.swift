import ComityCore
import ComitySQLite
import ComityStoreConformance
import Foundation
import Testing

/// SQLite stores for the conformance suite: each in a new temporary file.
struct SQLiteStoreFactory: StoreFactory {
    var capabilities: StoreCapabilities { .all }

    func newLocation() -> String { temporaryDatabase() }

    func open(_ location: String, _ opening: StoreOpening) throws -> any Store {
        var sizeLimit: Int?
        if let room = opening.room {
            let size = (try? FileManager.default.attributesOfItem(atPath: location)[.size] as? Int) ?? 0
            sizeLimit = max(size, 4096) + room
        }
        return try SQLiteStore(path: location, schema: opening.schema, busyTimeout: opening.lockWait, sizeLimit: sizeLimit)
    }

    func markWrittenByNewerVersion(_ location: String) throws {
        _ = try SQLiteStore.rawExecute(path: location, sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99 from the future')")
    }

    func isIntact(_ location: String) throws -> Bool {
        try SQLiteStore.rawQuery(path: location, sql: "PRAGMA integrity_check") == ["ok"]
    }

    /// Child processes of this test binary, each running `queueTakerChild` below.
    func takeQueuedRunsInOtherProcesses(_ location: String, processes: Int, dueAt now: Timestamp) throws -> [[Int64]] {
        try QueueTakerProcesses.run(location, processes: processes, dueAt: now, childTest: "SQLiteConformanceTests/queueTakerChild")
    }
}

@Suite struct SQLiteConformanceTests {
    @Test(arguments: StoreConformance.cases)
    func sqliteStoreConforms(_ requirement: StoreConformanceCase) throws {
        let factory = SQLiteStoreFactory()
        #expect(requirement.applies(to: factory))
        try requirement.run(factory)
    }

    /// Not a test of its own: the body of a taker process of
    /// `concurrentTakersInProcessesTakeEachRunExactlyOnce`, run only in one.
    @Test(.enabled(if: QueueTakerProcesses.isChild))
    func queueTakerChild() throws {
        try QueueTakerProcesses.takeAsChild { location in try SQLiteStore(path: location, busyTimeout: 30) }
    }
}
