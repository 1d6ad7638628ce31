import Foundation
import Testing

/// The test server of `make test` (Tests/with-postgres), reached with its own psql.
enum TestPostgres {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static var isAvailable: Bool { environment["COMITY_TEST_POSTGRES"] != nil && environment["COMITY_TEST_POSTGRES_BIN"] != nil }
    private static let counter = NSLock()
    nonisolated(unsafe) private static var made = 0

    /// A new, empty database; its URL. On the restartable server (see Tests/with-postgres)
    /// for a test that restarts it: the other server is every other suite's.
    static func newDatabase(restartable: Bool = false) throws -> String {
        let server = try #require(environment[restartable ? "COMITY_TEST_POSTGRES_RESTARTABLE" : "COMITY_TEST_POSTGRES"])
        counter.lock()
        made += 1
        let name = "cli_\(getpid())_\(made)"
        counter.unlock()
        _ = try psql(server, "CREATE DATABASE \(name)")
        guard let slash = server.range(of: "/", options: .backwards) else { throw CLIFailure("no database in \(server)") }
        return server[..<slash.upperBound] + name
    }

    /// The rows of a query, each its columns joined by `|`.
    static func psql(_ url: String, _ sql: String) throws -> [String] {
        let bin = try #require(environment["COMITY_TEST_POSTGRES_BIN"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bin + "/psql")
        process.arguments = [url, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CLIFailure("psql failed on: \(sql)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func number(_ url: String, _ sql: String) throws -> Int { Int(try psql(url, sql).first ?? "") ?? -1 }

    /// Restarts the restartable server (as its own user), as an operator or a crash
    /// would, and waits until it answers. Spawned and waited for by hand: Foundation's
    /// Process did not see this child end (pg_ctl leaves a server behind it).
    static func restart() throws {
        let command = try #require(environment["COMITY_TEST_POSTGRES_RESTART"])
        let server = try #require(environment["COMITY_TEST_POSTGRES_RESTARTABLE"])
        let arguments = ["/bin/sh", "-c", "setsid " + command + " >/dev/null 2>&1 </dev/null"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 else { throw CLIFailure("cannot run \(command)") }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0) // ECHILD if reaped elsewhere: the server's answer below tells
        let end = Date().addingTimeInterval(60)
        while Date() < end {
            if (try? psql(server, "SELECT 1")) == ["1"] { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw CLIFailure("the server did not come back after: \(command)")
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A workspace on a new PostgreSQL database, and `comity worker` processes on it.
struct WorkerWorkspace {
    let folder: URL
    let url: String

    /// `store` is more of comity.lua's `store` table, after its URL.
    init(_ files: [String: String], store: String = "", restartable: Bool = false) throws {
        url = try TestPostgres.newDatabase(restartable: restartable)
        folder = try workspace(files.merging(["comity.lua": "return { store = { postgres = \"\(url)\"\(store) } }"]) { given, _ in given })
    }

    func comity(_ arguments: [String]) throws -> Comity.Result { try Comity.run(arguments, in: folder) }

    func count(_ sql: String) throws -> Int { try TestPostgres.number(url, sql) }

    /// A worker process, logging to `worker-N.log`.
    func startWorker(_ number: Int, lease: String = "2s", poll: String = "200ms", exitWhenIdle: Bool = true) throws -> Process {
        let process = Process()
        process.executableURL = Comity.executable
        process.arguments = ["worker", "start", "--lease", lease, "--poll", poll, "--grace", "1s", "--log-level", "notice"]
            + (exitWhenIdle ? ["--exit-when-idle"] : [])
        process.currentDirectoryURL = folder
        let log = folder.appendingPathComponent("worker-\(number).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        return process
    }

    /// Lets the `slow` workflow's runs end.
    func go() throws {
        try "people.create { name = 'go' }".write(to: folder.appendingPathComponent("go.lua"), atomically: true, encoding: .utf8)
        let result = try comity(["run", "go.lua"])
        guard result.status == 0 else { throw CLIFailure("go.lua failed: \(result.stderr)") }
    }

    func log(_ number: Int) -> String {
        (try? String(contentsOf: folder.appendingPathComponent("worker-\(number).log"), encoding: .utf8)) ?? ""
    }

    /// Waits for `process` to exit, at most `seconds`; false (and the process killed) if it did not.
    func wait(_ process: Process, within seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }
        return true
    }

    /// Waits until `condition` holds, at most `seconds`.
    func waitUntil(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }
}

/// A workflow every created organisation queues: one task, under a once-key.
let welcomeWorkflow = """
    return workflow {
      name = "welcome", on = { "organisation.created" },
      run = function(ctx)
        ctx.once("welcome-" .. ctx.trigger.record.id, function()
          tasks.create { title = "welcome " .. ctx.trigger.record.id, kind = "welcome", about = ctx.trigger.record }
        end)
      end,
    }
    """

/// A workflow that writes a task, then waits (asking the database again and again,
/// which on PostgreSQL sees what others committed) until the test adds a person named
/// "go", then commits.
let slowWorkflow = """
    return workflow {
      name = "slow", on = { "organisation.created" }, limits = { timeout = "2m" },
      run = function(ctx)
        tasks.create { title = "slow " .. ctx.trigger.record.id, kind = "slow" }
        while people.count { name = "go" } == 0 do end
      end,
    }
    """

@Suite(.serialized, .enabled(if: TestPostgres.isAvailable, "needs the PostgreSQL server of `make test` (Tests/with-postgres)"))
struct WorkerTests {
    /// Queues `count` runs of `welcome` (one per organisation created) and leaves them.
    func queue(_ count: Int, in space: WorkerWorkspace) throws {
        try "for i = 1, \(count) do orgs.create { name = 'organisation ' .. i } end"
            .write(to: space.folder.appendingPathComponent("make.lua"), atomically: true, encoding: .utf8)
        let made = try space.comity(["run", "make.lua", "--leave-queued"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try space.count("SELECT count(*) FROM run_queue WHERE state = 'waiting'") == count)
    }

    @Test(arguments: [1, 2, 4])
    func workersDrainAThousandQueuedRunsEachExactlyOnce(workers: Int) throws {
        let space = try WorkerWorkspace(["Scripts/welcome.lua": welcomeWorkflow])
        try queue(1000, in: space)
        let processes = try (0..<workers).map { try space.startWorker($0) }
        for (number, process) in processes.enumerated() {
            #expect(space.wait(process, within: 300), "worker \(number) did not finish")
            #expect(process.terminationStatus == 0, "\(space.log(number))")
        }
        #expect(try space.count("SELECT count(*) FROM tasks WHERE kind = 'welcome'") == 1000)
        #expect(try space.count("SELECT count(DISTINCT title) FROM tasks WHERE kind = 'welcome'") == 1000)
        #expect(try space.count("SELECT count(*) FROM run_once WHERE workflow = 'welcome'") == 1000)
        #expect(try space.count("SELECT count(*) FROM runs WHERE workflow = 'welcome' AND outcome = 'succeeded'") == 1000)
        #expect(try space.count("SELECT count(*) FROM runs WHERE workflow = 'welcome'") == 1000)
        #expect(try space.count("SELECT count(DISTINCT trigger_record_id) FROM runs WHERE workflow = 'welcome'") == 1000)
        #expect(try space.count("SELECT count(*) FROM run_queue") == 0)
        // Every worker took a share, and registered and stopped cleanly.
        if workers > 1 {
            #expect(try space.count("SELECT count(DISTINCT host || pid) FROM runs WHERE workflow = 'welcome'") == workers)
        }
        #expect(try space.count("SELECT count(*) FROM workers WHERE stopped_at IS NOT NULL") == workers)
    }

    @Test func aWorkerKilledMidRunIsTakenOverOnceAndWhatItWroteIsNotKept() throws {
        let space = try WorkerWorkspace(["Scripts/slow.lua": slowWorkflow])
        try "orgs.create { name = 'one' }".write(to: space.folder.appendingPathComponent("one.lua"), atomically: true, encoding: .utf8)
        #expect(try space.comity(["run", "one.lua", "--leave-queued"]).status == 0)
        let first = try space.startWorker(0, exitWhenIdle: false)
        #expect(try space.waitUntil(within: 30) { try space.count("SELECT count(*) FROM runs WHERE workflow = 'slow' AND outcome = 'running'") == 1 })
        Thread.sleep(forTimeInterval: 0.5)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let second = try space.startWorker(1)
        // Taken over once the lease ran out; then told to go on.
        #expect(try space.waitUntil(within: 60) {
            try space.count("SELECT count(*) FROM runs WHERE workflow = 'slow' AND outcome = 'running'") == 1
                && space.count("SELECT count(*) FROM run_queue WHERE epoch = 2") == 1
        })
        try space.go()
        #expect(space.wait(second, within: 120), "the second worker did not finish: \(space.log(1))")
        #expect(second.terminationStatus == 0)
        #expect(try space.count("SELECT count(*) FROM tasks WHERE kind = 'slow'") == 1)
        #expect(try space.count("SELECT count(*) FROM runs WHERE workflow = 'slow' AND outcome = 'succeeded'") == 1)
        #expect(try space.count("SELECT count(*) FROM runs WHERE workflow = 'slow' AND outcome = 'interrupted'") == 1)
        #expect(try space.count("SELECT count(*) FROM runs WHERE workflow = 'slow'") == 2)
        #expect(try space.count("SELECT count(*) FROM run_queue") == 0)
    }

    /// An idle worker that would look again only in ten minutes is woken by the
    /// notification of the commit that queued a run, and runs it.
    @Test func anIdleWorkerIsWokenByTheCommitThatQueuesARun() throws {
        let space = try WorkerWorkspace(["Scripts/welcome.lua": welcomeWorkflow])
        let worker = try space.startWorker(0, poll: "10m", exitWhenIdle: false)
        defer {
            kill(worker.processIdentifier, SIGKILL)
            worker.waitUntilExit()
        }
        #expect(space.waitUntil(within: 30) { space.log(0).contains("wake-ups=true") }, "\(space.log(0))")
        // Past its first look at the (empty) queue: it is waiting out its poll now.
        #expect(try space.waitUntil(within: 30) { try space.count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'comity-listen'") >= 1 })
        Thread.sleep(forTimeInterval: 1)
        try "orgs.create { name = 'one' }".write(to: space.folder.appendingPathComponent("one.lua"), atomically: true, encoding: .utf8)
        let queued = try space.comity(["run", "one.lua", "--leave-queued"])
        #expect(queued.status == 0, "\(queued.stderr)")
        #expect(try space.waitUntil(within: 60) {
            try space.count("SELECT count(*) FROM runs WHERE workflow = 'welcome' AND outcome = 'succeeded'") == 1
        }, "\(space.log(0))")
        kill(worker.processIdentifier, SIGTERM)
        #expect(space.wait(worker, within: 30))
    }

    /// A run may compute without calling the store as long as its time limit allows,
    /// longer than the store's idle_timeout (found: such a run was ended by the server,
    /// taken for a lost connection, given back and run again, forever).
    @Test func aRunComputingLongerThanTheIdleTimeoutWithinItsLimitCommitsOnce() throws {
        let compute = """
            return workflow {
              name = "compute", on = { "organisation.created" }, limits = { timeout = "20s" },
              run = function(ctx)
                tasks.create { title = "before", kind = "compute" }
                local started = os.clock()
                while os.clock() - started < 2.5 do end
                tasks.create { title = "after", kind = "compute" }
              end,
            }
            """
        let space = try WorkerWorkspace([
            "Scripts/compute.lua": compute,
            // Not a workflow: the default limit (10s) is its allowance.
            "direct.lua": "orgs.create { name = 'ASI' }\nlocal t = os.clock()\nwhile os.clock() - t < 2.5 do end\npeople.create { name = 'Elena' }",
        ], store: ", idle_timeout = \"1s\"")
        let direct = try space.comity(["run", "direct.lua"])
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(try space.count("SELECT count(*) FROM people") == 1)
        let worker = try space.startWorker(1)
        #expect(space.wait(worker, within: 60), "\(space.log(1))")
        #expect(try space.count("SELECT count(*) FROM tasks WHERE kind = 'compute'") == 2, "\(space.log(1))")
        let runs = try space.comity(["runs", "--workflow", "compute"])
        #expect(runs.stdout.contains("succeeded") && !runs.stdout.contains("failed"), "\(runs.stdout)")
        #expect(try space.count("SELECT count(*) FROM runs WHERE workflow = 'compute'") == 1, "\(runs.stdout)")
    }

    /// A worker of this machine whose process ended is shown gone at once, not running
    /// until its heartbeat is old.
    @Test func workerStatusShowsAKilledWorkerOfThisMachineGoneAtOnce() throws {
        let space = try WorkerWorkspace([:])
        let worker = try space.startWorker(0, lease: "30s", exitWhenIdle: false)
        #expect(try space.waitUntil(within: 60) { try space.comity(["worker", "status"]).stdout.hasPrefix("1 worker(s) running\n") },
                "\(space.log(0))")
        kill(worker.processIdentifier, SIGKILL)
        worker.waitUntilExit()
        let status = try space.comity(["worker", "status"])
        #expect(status.stdout.hasPrefix("0 worker(s) running, 1 stopped or gone\n"), "\(status.stdout)")
        #expect(status.stdout.contains(" gone "), "\(status.stdout)")
    }

    /// `comity init` with COMITY_DATABASE_URL makes a workspace whose comity.lua names
    /// that database (without its password), so that later commands find it without the variable.
    @Test func anInitWithADatabaseURLNamesTheDatabaseInComityLua() throws {
        let url = try TestPostgres.newDatabase()
        let parent = try workspace([:], configured: false)
        let withPassword = url.replacingOccurrences(of: "://postgres@", with: "://postgres:hunter2@") + "?sslmode=prefer"
        let made = try Comity.run(["init", "network"], in: parent, environment: ["COMITY_DATABASE_URL": withPassword])
        #expect(made.status == 0, "\(made.stderr)")
        let folder = parent.appendingPathComponent("network")
        let settings = try String(contentsOf: folder.appendingPathComponent("comity.lua"), encoding: .utf8)
        #expect(settings.contains("  store = { postgres = \"\(url)?sslmode=prefer\" },\n"), "\(settings)")
        #expect(!settings.contains("hunter2"))
        try "orgs.create { name = 'Found without the variable' }".write(to: folder.appendingPathComponent("make.lua"), atomically: true, encoding: .utf8)
        let run = try Comity.run(["run", "make.lua"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try TestPostgres.number(url, "SELECT count(*) FROM organisations WHERE name = 'Found without the variable'") == 1)
    }

    @Test func aWorkerPausedPastItsLeaseIsFencedOffWhenItResumes() throws {
        let space = try WorkerWorkspace(["Scripts/slow.lua": slowWorkflow])
        try "orgs.create { name = 'one' }".write(to: space.folder.appendingPathComponent("one.lua"), atomically: true, encoding: .utf8)
        #expect(try space.comity(["run", "one.lua", "--leave-queued"]).status == 0)
        let paused = try space.startWorker(0, exitWhenIdle: false)
        defer {
            kill(paused.processIdentifier, SIGKILL)
            paused.waitUntilExit()
        }
        #expect(try space.waitUntil(within: 30) { try space.count("SELECT count(*) FROM runs WHERE workflow = 'slow' AND outcome = 'running'") == 1 })
        kill(paused.processIdentifier, SIGSTOP)
        let other = try space.startWorker(1)
        #expect(try space.waitUntil(within: 60) { try space.count("SELECT count(*) FROM run_queue WHERE epoch = 2") == 1 })
        try space.go()
        #expect(space.wait(other, within: 120), "the second worker did not finish: \(space.log(1))")
        #expect(try space.count("SELECT count(*) FROM runs WHERE workflow = 'slow' AND outcome = 'succeeded'") == 1)
        // Resumed: it finishes its loop and tries to commit; the fence refuses it.
        kill(paused.processIdentifier, SIGCONT)
        #expect(try space.waitUntil(within: 60) {
            try space.count("SELECT count(*) FROM runs WHERE workflow = 'slow' AND outcome = 'failed' AND error LIKE '%lost its lease%'") == 1
        }, "\(space.log(0))")
        #expect(try space.count("SELECT count(*) FROM tasks WHERE kind = 'slow'") == 1)
        #expect(try space.count("SELECT count(*) FROM run_queue") == 0)
        kill(paused.processIdentifier, SIGTERM)
        #expect(space.wait(paused, within: 30))
    }

    @Test func twoWorkersTickingTheSameMinuteRunEachSlotOnceAndCatchUpAsDeclared() throws {
        var files: [String: String] = [:]
        for n in 1...20 {
            files["Scripts/every-\(n).lua"] = """
                return workflow {
                  name = "every-\(n)", schedule = "*/10 * * * *",
                  run = function(ctx) tasks.create { title = "slot of every-\(n)", kind = "tick" } end,
                }
                """
        }
        files["Scripts/catch-all.lua"] = """
            return workflow {
              name = "catch-all", schedule = "*/10 * * * *", catch_up = "all",
              run = function(ctx) tasks.create { title = "caught up", kind = "all" } end,
            }
            """
        files["Scripts/catch-latest.lua"] = """
            return workflow {
              name = "catch-latest", schedule = "*/10 * * * *", catch_up = "latest",
              run = function(ctx) tasks.create { title = "latest only", kind = "latest" } end,
            }
            """
        let space = try WorkerWorkspace(files)
        // The schedules as the workers find them: written by a first look at the workflows.
        #expect(try space.comity(["schedule", "list"]).status == 0)
        #expect(try space.count("SELECT count(*) FROM schedules") == 22)
        // The slot of this ten minutes came for the twenty; the two others were last run an hour before.
        let base = try space.count("SELECT (floor(extract(epoch FROM now()) / 600) * 600)::bigint")
        _ = try TestPostgres.psql(space.url, "UPDATE schedules SET next_slot = \(base) WHERE workflow LIKE 'every-%'")
        _ = try TestPostgres.psql(space.url, "UPDATE schedules SET next_slot = \(base - 3600) WHERE workflow LIKE 'catch-%'")
        let workers = try [space.startWorker(0), space.startWorker(1)]
        for (number, worker) in workers.enumerated() {
            #expect(space.wait(worker, within: 120), "worker \(number) did not finish")
        }
        // Each slot once, whichever worker ran it.
        #expect(try space.count("SELECT count(*) FROM (SELECT workflow, trigger_slot FROM runs WHERE trigger_kind = 'schedule' GROUP BY 1, 2 HAVING count(*) > 1) d") == 0)
        #expect(try space.count("SELECT count(*) FROM runs WHERE workflow LIKE 'every-%' AND trigger_slot = \(base) AND outcome = 'succeeded'") == 20)
        #expect(try space.count("SELECT count(*) FROM schedule_slots WHERE workflow LIKE 'every-%' AND slot = \(base)") == 20)
        #expect(try space.count("SELECT count(*) FROM tasks WHERE kind = 'tick'") >= 20)
        // catch_up "all": every slot of the hour missed, and this one (one more if ten minutes passed meanwhile).
        let all = try space.count("SELECT count(*) FROM runs WHERE workflow = 'catch-all' AND outcome = 'succeeded'")
        #expect(all == 7 || all == 8)
        #expect(try space.count("SELECT count(*) FROM tasks WHERE kind = 'all'") == all)
        // catch_up "latest": only the newest.
        let latest = try space.count("SELECT count(*) FROM runs WHERE workflow = 'catch-latest' AND outcome = 'succeeded'")
        #expect(latest == 1 || latest == 2)
        #expect(try space.count("SELECT min(trigger_slot) FROM runs WHERE workflow = 'catch-latest'") == base)
    }

    @Test func aServerRestartedUnderRunningWorkersLosesAndDoublesNothing() throws {
        let space = try WorkerWorkspace(["Scripts/welcome.lua": welcomeWorkflow], restartable: true)
        try queue(400, in: space)
        let workers = try [space.startWorker(0), space.startWorker(1)]
        // Three restarts, each once the workers have done more: a statement sent as its
        // connection closed once went unanswered until the 300 s wait below ran out.
        for done in [60, 100, 140] {
            #expect(try space.waitUntil(within: 120) { try space.count("SELECT count(*) FROM tasks") >= done })
            try TestPostgres.restart()
        }
        for (number, worker) in workers.enumerated() {
            #expect(space.wait(worker, within: 300), "worker \(number) did not finish: \(space.log(number))")
        }
        #expect(try space.count("SELECT count(*) FROM tasks WHERE kind = 'welcome'") == 400)
        #expect(try space.count("SELECT count(DISTINCT title) FROM tasks WHERE kind = 'welcome'") == 400)
        #expect(try space.count("SELECT count(*) FROM run_once WHERE workflow = 'welcome'") == 400)
        #expect(try space.count("SELECT count(*) FROM run_queue") == 0)
        // Every organisation's run succeeded (at most once); attempts cut off by the restart failed and kept nothing.
        #expect(try space.count("SELECT count(DISTINCT trigger_record_id) FROM runs WHERE workflow = 'welcome' AND outcome = 'succeeded'") == 400)
        #expect(try space.count("SELECT count(*) FROM (SELECT trigger_record_id FROM runs WHERE workflow = 'welcome' AND outcome = 'succeeded' GROUP BY 1 HAVING count(*) > 1) d") == 0)
        #expect(try space.count("SELECT count(*) FROM runs WHERE workflow = 'welcome' AND outcome = 'running'") == 0)
        // The restart happened while they worked: the server started after the first task.
        #expect(try space.count("SELECT count(*) FROM tasks WHERE created_at < extract(epoch FROM pg_postmaster_start_time())") >= 1)
    }
}
