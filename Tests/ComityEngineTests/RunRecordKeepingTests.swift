import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import Testing

/// Every run is recorded, however it ended: a database that is locked past the wait,
/// or full, leaves the run's end in the spool, and the next command writes it.
@Suite struct RunRecordKeepingTests {
    let folder: URL
    var database: String { folder.appendingPathComponent(".comity/comity.db").path }
    var spool: RunRecordSpool { RunRecordSpool(database: database) }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-keeping-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = try SQLiteStore(path: database) // made and migrated
    }

    func runner(_ store: SQLiteStore) -> ScriptRunner {
        var runner = ScriptRunner(workspace: folder, store: store)
        runner.spool = spool
        return runner
    }

    func script(_ text: String) throws -> String {
        let path = folder.appendingPathComponent("script-\(UUID().uuidString).lua").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aRunOnAFullDatabaseIsRecordedAsFailedWithThatError() throws {
        let size = try #require(FileManager.default.attributesOfItem(atPath: database)[.size] as? Int)
        // Room for a few pages more than the empty database: the run fills it.
        let full = try SQLiteStore(path: database, sizeLimit: size + 64 << 10)
        // Its log is more than the room left: its end cannot go into the database either.
        let path = try script("""
            return workflow { name = "fill", run = function(ctx)
              for i = 1, 5 do ctx.log(string.rep("y", 50000)) end
              for i = 1, 100000 do orgs.create { name = string.rep("x", 200) .. i, country = "DE" } end
            end }
            """)
        let run = runner(full).run(file: path) { _ in }
        let error = try #require(run.outcome.error)
        #expect(error.message.contains("the disk is full"), "\(error.message)")
        // The next command (a store without the cap, as after space was freed) writes it.
        #expect(FileManager.default.fileExists(atPath: spool.folder.path))
        let later = try SQLiteStore(path: database)
        #expect(spool.flush(into: later).isEmpty)
        let record = try #require(try later.read { try $0.run(id: run.id) })
        #expect(record.outcome == .failed, "\(record.outcome)")
        #expect(record.error?.contains("the disk is full") == true, "\(record.error ?? "-")")
        #expect(try later.markRunsOfEndedProcesses(spool: spool).isEmpty)
        #expect(try later.read { try $0.count(.organisation, RecordQuery()) } == 0)
    }

    @Test func aRunThatCannotRecordItsStartForALockDoesNotRunAndIsRecordedOnceTheLockIsFree() throws {
        let holder = try SQLiteStore(path: database)
        let waiting = try SQLiteStore(path: database, busyTimeout: 0.2)
        let held = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let thread = Thread {
            _ = try? holder.write(commit: true) { _ in
                held.signal()
                release.wait()
            }
        }
        thread.start()
        held.wait()
        let path = try script("orgs.create { name = 'Waiter', country = 'DE' }")
        let clock = ContinuousClock()
        let started = clock.now
        let run = runner(waiting).run(file: path) { _ in }
        let waited = clock.now - started
        let error = try #require(run.outcome.error)
        #expect(error.message.contains("not run: its start could not be recorded"), "\(error.message)")
        #expect(error.message.contains("locked by another process (waited 0.2s, lock_timeout in comity.lua"), "\(error.message)")
        // One wait, not one for the start and another for the end.
        #expect(waited < .milliseconds(1500), "\(waited)")
        // While the lock is held, the record waits in the spool, and is not lost.
        #expect(spool.flush(into: waiting) == [run.id])
        release.signal()
        while thread.isExecuting { usleep(10_000) }
        #expect(spool.flush(into: waiting).isEmpty)
        let record = try #require(try waiting.read { try $0.run(id: run.id) })
        #expect(record.outcome == .failed)
        #expect(record.error?.contains("locked by another process") == true)
        #expect(try waiting.read { try $0.count(.organisation, RecordQuery()) } == 0)
        #expect(!FileManager.default.fileExists(atPath: spool.folder.path))
    }

    @Test func aRunWhoseEndWaitsInTheSpoolIsNotTakenForInterrupted() throws {
        let store = try SQLiteStore(path: database)
        var record = RunRecord(id: UUID().uuidString.lowercased(), workflow: nil, file: "x.lua", contentHash: "",
                               trigger: .manual, parameters: [:], clock: Timestamp(Date()), startedAt: Timestamp(Date()))
        try store.write(commit: true) { try $0.saveRun(record) }
        let marked = try store.write(commit: true) {
            try $0.markInterruptedRuns(isAlive: { _ in false }, excluding: [record.id], at: Timestamp(Date()))
        }
        #expect(marked.isEmpty)
        record.outcome = .failed
        record.error = "what really happened"
        record.endedAt = Timestamp(Date())
        try spool.keep(record)
        #expect(spool.flush(into: store).isEmpty)
        #expect(try store.read { try $0.run(id: record.id) }?.error == "what really happened")
    }
}
