import ComityCore
import ComityPostgres
import ComityStoreConformance
import Foundation
import Synchronization
import Testing

/// The PostgreSQL server of the tests: `Tests/with-postgres` starts a private one
/// (initdb into a temporary folder, on 127.0.0.1) for `make test` and gives its URL in
/// `COMITY_TEST_POSTGRES`. Without it these tests do not run, and say so.
enum TestServer {
    static let variable = "COMITY_TEST_POSTGRES"
    static var url: String? { ProcessInfo.processInfo.environment[variable] }
    static var isAvailable: Bool { url != nil }

    static func location() throws -> PostgresLocation {
        try PostgresLocation(url: try #require(url, "\(variable) is not set: run the tests through `make test` (Tests/with-postgres)"))
    }

    private static let made = Mutex(0)

    /// A new, empty database on the server; its URL.
    static func newDatabase() throws -> String {
        let number = made.withLock { count in
            count += 1
            return count
        }
        let name = "comity_\(getpid())_\(number)"
        let server = try location()
        try PostgresStore.execute("CREATE DATABASE \(name)", at: server)
        return server.database(name).description
    }
}

/// PostgreSQL stores for the conformance suite: each in a new database of the test server.
struct PostgresStoreFactory: StoreFactory {
    /// No size limit: PostgreSQL has no per-database quota to make a full disk with.
    var capabilities: StoreCapabilities { [.otherProcesses, .versionMarks] }

    func newLocation() -> String {
        do {
            return try TestServer.newDatabase()
        } catch {
            Issue.record("cannot make a database on the test server: \(error)")
            return "postgres://nobody@127.0.0.1:1/none"
        }
    }

    func open(_ location: String, _ opening: StoreOpening) throws -> any Store {
        try PostgresStore(url: location, schema: opening.schema, lockWait: opening.lockWait)
    }

    func markWrittenByNewerVersion(_ location: String) throws {
        try PostgresStore.execute("INSERT INTO comity_migrations (version, name) VALUES (99, 'from the future')",
                                  at: PostgresLocation(url: location))
    }

    /// The tables are all there and readable; PostgreSQL checks its own pages.
    func isIntact(_ location: String) throws -> Bool {
        let tables = try PostgresStore.query(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", at: PostgresLocation(url: location))
        return (Int(tables.first ?? "") ?? 0) >= StorageLayout(.standard).tables.count
    }

    func takeQueuedRunsInOtherProcesses(_ location: String, processes: Int, dueAt now: Timestamp) throws -> [[Int64]] {
        try QueueTakerProcesses.run(location, processes: processes, dueAt: now, childTest: "PostgresConformanceTests/queueTakerChild")
    }
}

@Suite(.enabled(if: TestServer.isAvailable, "needs the test server of `make test` (COMITY_TEST_POSTGRES)"))
struct PostgresConformanceTests {
    @Test(arguments: StoreConformance.cases)
    func postgresStoreConforms(_ requirement: StoreConformanceCase) throws {
        let factory = PostgresStoreFactory()
        // Only a full disk is not made on PostgreSQL (no quota per database).
        #expect(requirement.applies(to: factory) || requirement.requires == .sizeLimit)
        try requirement.run(factory)
    }

    /// Not a test of its own: the body of a taker process of
    /// `concurrentTakersInProcessesTakeEachRunExactlyOnce`, run only in one.
    @Test(.enabled(if: QueueTakerProcesses.isChild))
    func queueTakerChild() throws {
        try QueueTakerProcesses.takeAsChild { location in try PostgresStore(url: location, lockWait: 30) }
    }
}
