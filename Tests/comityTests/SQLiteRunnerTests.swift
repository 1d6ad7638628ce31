import Foundation
import Testing

/// An SQLite workspace has one runner: a second `comity worker`, a `comity daemon`
/// beside a worker, and a worker beside a daemon are each refused, naming the one that
/// runs; once it stops, another may start.
@Suite struct SQLiteRunnerTests {
    func start(_ arguments: [String], in folder: URL) throws -> Process {
        let process = Process()
        process.executableURL = Comity.executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits until the runner lock names `process` as `runner`, at most 30 s.
    func waitForLock(_ folder: URL, held process: Process, as runner: String) -> Bool {
        let file = folder.appendingPathComponent(".comity/comity.db.worker-lock")
        let end = Date().addingTimeInterval(30)
        while Date() < end, process.isRunning {
            if (try? String(contentsOf: file, encoding: .utf8)) == "\(process.processIdentifier) \(runner)\n" { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    func stop(_ process: Process) -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func aSecondRunnerOfAnSQLiteWorkspaceIsRefusedNamingTheFirst() throws {
        let folder = try workspace(["comity.lua": "return {}"])
        let worker = try start(["worker", "start", "--poll", "200ms", "--grace", "1s"], in: folder)
        defer { if worker.isRunning { _ = stop(worker) } }
        try #require(waitForLock(folder, held: worker, as: "worker"), "the worker did not take the lock")

        let second = try Comity.run(["worker", "start", "--exit-when-idle"], in: folder)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another comity worker (pid \(worker.processIdentifier)) is running on this SQLite workspace"),
                "\(second.stderr)")
        let daemon = try Comity.run(["daemon", "--grace", "1s"], in: folder)
        #expect(daemon.status == 1)
        #expect(daemon.stderr.contains("another comity worker (pid \(worker.processIdentifier))"), "\(daemon.stderr)")
        #expect(stop(worker) == 0)

        let running = try start(["daemon", "--grace", "1s"], in: folder)
        defer { if running.isRunning { _ = stop(running) } }
        try #require(waitForLock(folder, held: running, as: "daemon"), "the daemon did not take the lock")
        let beside = try Comity.run(["worker", "start", "--exit-when-idle"], in: folder)
        #expect(beside.status == 1)
        #expect(beside.stderr.contains("another comity daemon (pid \(running.processIdentifier))"), "\(beside.stderr)")
        #expect(stop(running) == 0)

        let after = try Comity.run(["worker", "start", "--exit-when-idle"], in: folder)
        #expect(after.status == 0, "\(after.stderr)")
    }
}
