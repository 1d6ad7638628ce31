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
        let runs = try Comity.run(["runs"], in: folder).stdout.spacesCollapsed
        #expect(runs.contains("failed wait.lua manual"), "\(runs)")
        #expect(runs.contains("succeeded hold.lua manual"), "\(runs)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".comity/comity.db.pending-runs").path))
        let orgs = try Comity.run(["repl"], in: folder, input: "orgs.count()\n")
        #expect(orgs.stdout == "1\n", "\(orgs.stdout)")
    }

    /// Any process holding the write lock (here Python's sqlite3, not comity): a run and
    /// an import it keeps out are in the history once it lets go.
    @Test func aRunAndAnImportKeptOutByAnotherProgramsLockAreRecorded() throws {
        let folder = try workspace([
            "comity.lua": "return { lock_timeout = \"500ms\" }",
            "real.lua": "orgs.create { name = 'Real', country = 'DE' }\n",
            "orgs.csv": "name,country\nImported,DE\n",
        ])
        #expect(try Comity.run(["runs"], in: folder).status == 0) // the database exists
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(".comity/comity.db", isolation_level=None)
            c.execute("BEGIN IMMEDIATE"); print("held", flush=True); time.sleep(3); c.execute("COMMIT")
            """]
        holder.currentDirectoryURL = folder
        let pipe = Pipe()
        holder.standardOutput = pipe
        try holder.run()
        _ = pipe.fileHandleForReading.readData(ofLength: 5) // "held\n": the lock is taken
        let run = try Comity.run(["run", "real.lua"], in: folder)
        #expect(run.status == 1)
        #expect(run.stderr.contains("locked by another process"), "\(run.stderr)")
        let imported = try Comity.run(["import", "orgs", "orgs.csv"], in: folder)
        #expect(imported.status == 1)
        #expect(imported.stderr.hasPrefix("error: "), "\(imported.stderr)")
        holder.waitUntilExit()
        let runs = try Comity.run(["runs"], in: folder).stdout.spacesCollapsed
        #expect(runs.contains("failed real.lua manual"), "\(runs)")
        #expect(runs.contains("failed orgs.csv import"), "\(runs)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".comity/comity.db.pending-runs").path))
    }

    @Test func lockTimeoutMistakesAreNamed() throws {
        let folder = try workspace(["comity.lua": "return { lock_timeout = \"soon\" }"])
        let run = try Comity.run(["runs"], in: folder)
        #expect(run.status == 1)
        #expect(run.stderr.contains("comity.lua: lock_timeout 'soon' must be a duration"), "\(run.stderr)")
    }
}
