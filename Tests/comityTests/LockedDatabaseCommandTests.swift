import Foundation
import Testing

/// A run started while another process holds the database waits `lock_timeout` once,
/// fails, and is in the history as soon as the lock is free.
@Suite struct LockedDatabaseCommandTests {
    @Test func aRunRefusedByALockIsRecordedByTheNextCommand() throws {
        let folder = try workspace([
            "comity.lua": "return { lock_timeout = \"500ms\" }",
            // Holds the write lock (a run is one transaction) for three seconds of CPU.
            "hold.lua": "orgs.create { name = 'Holder', country = 'DE' }\nlocal t = os.clock() while os.clock() - t < 3 do end\n",
            "wait.lua": "orgs.create { name = 'Waiter', country = 'DE' }\n",
        ])
        let holder = Process()
        holder.executableURL = Comity.executable
        holder.arguments = ["run", "hold.lua", "--timeout", "60s"]
        holder.currentDirectoryURL = folder
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        // Until the holder's run has begun (its record is written before its transaction).
        var started = false
        for _ in 0..<200 where !started {
            usleep(50_000)
            started = (try? Comity.run(["runs"], in: folder).stdout.contains("hold.lua")) ?? false
        }
        #expect(started)
        let waited = try Comity.run(["run", "wait.lua"], in: folder)
        #expect(waited.status == 1)
        #expect(waited.stderr.contains("not run: its start could not be recorded"), "\(waited.stderr)")
        #expect(waited.stderr.contains("is locked by another process (waited 0.5s, lock_timeout in comity.lua"), "\(waited.stderr)")
        holder.waitUntilExit()
        #expect(holder.terminationStatus == 0)
        let runs = try Comity.run(["runs"], in: folder).stdout
        #expect(runs.contains("failed  wait.lua  manual"), "\(runs)")
        #expect(runs.contains("succeeded  hold.lua  manual"), "\(runs)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".comity/comity.db.pending-runs").path))
        let orgs = try Comity.run(["repl"], in: folder, input: "orgs.count()\n")
        #expect(orgs.stdout == "1\n", "\(orgs.stdout)")
    }

    @Test func lockTimeoutMistakesAreNamed() throws {
        let folder = try workspace(["comity.lua": "return { lock_timeout = \"soon\" }"])
        let run = try Comity.run(["runs"], in: folder)
        #expect(run.status == 1)
        #expect(run.stderr.contains("comity.lua: lock_timeout 'soon' must be a duration"), "\(run.stderr)")
    }
}
