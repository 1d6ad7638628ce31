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
            sizeLimit = max(size ?? 0, 4096) + room
        }
        return try SQLiteStore(path: location, schema: opening.schema, busyTimeout: opening.lockWait, sizeLimit: sizeLimit)
    }

    func markWrittenByNewerVersion(_ location: String) throws {
        _ = try SQLiteStore.rawExecute(path: location, sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99 from the future')")
    }

    func isIntact(_ location: String) throws -> Bool {
        try SQLiteStore.rawQuery(path: location, sql: "PRAGMA integrity_check") == ["ok"]
    }

    /// Child processes of this test binary, each running `queueTakerChild` below; they
    /// start taking together, once every one is ready.
    func takeQueuedRunsInOtherProcesses(_ location: String, processes: Int, dueAt now: Timestamp) throws -> [[Int64]] {
        let folder = URL(fileURLWithPath: location).deletingLastPathComponent()
        let go = folder.appendingPathComponent("go").path
        var children: [(Process, String)] = []
        for number in 0..<processes {
            let output = folder.appendingPathComponent("taken-\(number)").path
            let child = Process()
            child.executableURL = URL(fileURLWithPath: Self.testBinary)
            child.arguments = ["--testing-library", "swift-testing", "--filter", "queueTakerChild"]
            var environment = ProcessInfo.processInfo.environment
            environment[QueueTaker.database] = location
            environment[QueueTaker.output] = output
            environment[QueueTaker.go] = go
            environment[QueueTaker.due] = String(now.secondsSince1970)
            child.environment = environment
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            children.append((child, output))
        }
        // Each says it is ready by making its output file; then all start at once.
        var waited = 0
        while !children.allSatisfy({ FileManager.default.fileExists(atPath: $0.1) }) {
            guard waited < 120_000, children.allSatisfy({ $0.0.isRunning }) else { break }
            usleep(10_000)
            waited += 10
        }
        FileManager.default.createFile(atPath: go, contents: Data())
        var taken: [[Int64]] = []
        for (child, output) in children {
            child.waitUntilExit()
            guard child.terminationStatus == 0 else {
                throw StoreError(.database, "a taker process ended with status \(child.terminationStatus)")
            }
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            taken.append(text.split(separator: "\n").compactMap { Int64($0) })
        }
        return taken
    }

    /// This test binary, which the children run again.
    static var testBinary: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// What a taker process is told, in its environment.
enum QueueTaker {
    static let database = "COMITY_CONFORMANCE_TAKER_DATABASE"
    static let output = "COMITY_CONFORMANCE_TAKER_OUTPUT"
    static let go = "COMITY_CONFORMANCE_TAKER_GO"
    static let due = "COMITY_CONFORMANCE_TAKER_DUE"
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
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
    @Test(.enabled(if: QueueTaker.environment[QueueTaker.database] != nil))
    func queueTakerChild() throws {
        let environment = QueueTaker.environment
        let database = try #require(environment[QueueTaker.database])
        let output = try #require(environment[QueueTaker.output])
        let go = try #require(environment[QueueTaker.go])
        let due = Timestamp(secondsSince1970: Int64(environment[QueueTaker.due] ?? "") ?? 0)
        let store = try SQLiteStore(path: database, busyTimeout: 30)
        #expect(FileManager.default.createFile(atPath: output, contents: Data()))
        while !FileManager.default.fileExists(atPath: go) { usleep(5_000) }
        var taken: [Int64] = []
        while let run = try store.write(commit: true, { tx in try tx.takeQueuedRun(dueAt: due) }) {
            taken.append(run.id)
        }
        try taken.map(String.init).joined(separator: "\n").write(toFile: output, atomically: true, encoding: .utf8)
    }
}
