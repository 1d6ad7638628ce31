import Foundation
import Testing

/// `comity tick`, `comity daemon` and `comity schedule`, through the real command in
/// child processes, on a real workspace database.
@Suite(.serialized) struct ScheduleCommandTests {
    /// A workflow that leaves its slot in the data (an organisation named after it),
    /// busy for `seconds` first.
    static func slotWorkflow(_ name: String, _ schedule: String, seconds: Double = 0, extra: String = "", log: String = "done") -> String {
        """
        return workflow {
          name = "\(name)",
          schedule = "\(schedule)",
          \(extra)
          run = function(ctx)
            orgs.create { name = "\(name) " .. ctx.trigger.slot:format("%Y-%m-%d %H:%M"), country = "GB", kind = 22 }
            local started = os.clock()
            while os.clock() - started < \(seconds) do end
            ctx.log("\(log)")
          end,
        }
        """
    }

    static let countScript = "print(orgs.count())"

    func runs(in folder: URL) throws -> [[String: Any]] {
        let listed = try Comity.run(["runs", "--json", "--limit", "1000"], in: folder)
        return try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
    }

    func organisationCount(in folder: URL) throws -> Int {
        let count = try Comity.run(["run", "count.lua"], in: folder)
        return Int(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Starts `comity ARGS` in the background, standard error to a file.
    func start(_ arguments: [String], in folder: URL) throws -> (Process, URL) {
        let process = Process()
        process.executableURL = Comity.executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let log = folder.appendingPathComponent("daemon-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, log)
    }

    /// Waits (up to `seconds`) until `condition` holds.
    @discardableResult
    func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }

    func exits(_ process: Process, within seconds: Double) -> Bool {
        waitUntil(seconds) { !process.isRunning }
    }

    func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    @Test func explainSaysTheExpressionInWordsAndErrorsNameTheField() throws {
        let folder = try workspace(["comity.lua": "return { time_zone = 'Europe/Moscow' }"])
        let explained = try Comity.run(["schedule", "explain", "0 8 * * 1-5", "--count", "2", "--from", "2026-11-28T00:00"], in: folder)
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout == """
            "0 8 * * 1-5": at 08:00 on Monday through Friday (Europe/Moscow)
              2026-11-30T08:00:00+03:00
              2026-12-01T08:00:00+03:00

            """)
        let bad = try Comity.run(["schedule", "explain", "0 8 * * 8"], in: folder)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("field 5 (day of week) '8' has 8, outside 0-7; allowed: 0-7"))
        let workflows = try Comity.run(["workflows"], in: try workspace([
            "comity.lua": "return {}", "Scripts/bad.lua": Self.slotWorkflow("bad", "0 8 * * 1-"),
        ]))
        #expect(workflows.status == 1)
        #expect(workflows.stdout.contains("schedule: invalid cron expression '0 8 * * 1-'"))
    }

    @Test func tickRunsEachSlotOnceAndCatchesUpAfterTheClockJumpsADay() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/hourly.lua": Self.slotWorkflow("hourly", "0 * * * *"),
            "count.lua": Self.countScript,
        ])
        let first = try Comity.run(["tick", "--now", "2026-11-29T10:10:00Z"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.isEmpty)
        let due = try Comity.run(["tick", "--now", "2026-11-29T11:00:20Z"], in: folder)
        #expect(due.stdout.contains("succeeded  hourly  schedule 2026-11-29T11:00:00Z"), "\(due.stdout)\(due.stderr)")
        #expect(try Comity.run(["tick", "--now", "2026-11-29T11:00:40Z"], in: folder).stdout.isEmpty)
        // The clock jumps a day: one run, for the latest missed slot (catch_up "latest").
        let jumped = try Comity.run(["tick", "--now", "2026-11-30T11:10:00Z"], in: folder)
        #expect(jumped.stdout.components(separatedBy: "succeeded").count == 2, "\(jumped.stdout)")
        #expect(jumped.stdout.contains("schedule 2026-11-30T11:00:00Z"))
        let runs = try runs(in: folder)
        #expect(runs.compactMap { $0["slot"] as? String }.sorted() == ["2026-11-29T11:00:00Z", "2026-11-30T11:00:00Z"])
        #expect(runs.allSatisfy { $0["clock"] as? String == $0["slot"] as? String })
        #expect(try organisationCount(in: folder) == 2)

        let list = try Comity.run(["schedule", "list", "--json"], in: folder)
        let schedules = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(schedules.first?["workflow"] as? String == "hourly")
        #expect(schedules.first?["last_slot"] as? String == "2026-11-30T11:00:00Z")
        #expect(schedules.first?["last_outcome"] as? String == "succeeded")
        #expect(schedules.first?["explained"] as? String == "at minute 0 past every hour")
    }

    /// Two ticks started at the same moment, three times over, with four workflows due
    /// each time: every slot runs exactly once.
    @Test func twoTicksAtOnceNeverRunASlotTwice() throws {
        var files = ["comity.lua": "return { time_zone = 'UTC' }", "count.lua": Self.countScript]
        for name in ["a", "b", "c", "d"] { files["Scripts/\(name).lua"] = Self.slotWorkflow(name, "0 * * * *", seconds: 0.3) }
        let folder = try workspace(files)
        #expect(try Comity.run(["tick", "--now", "2026-11-29T09:30:00Z"], in: folder).status == 0)
        for hour in 10...12 {
            let now = "2026-11-29T\(hour):00:05Z"
            let ticks = try (0..<2).map { _ in try start(["tick", "--now", now], in: folder) }
            for (process, log) in ticks {
                #expect(exits(process, within: 60))
                #expect(process.terminationStatus == 0, "\(text(log))")
            }
        }
        let runs = try runs(in: folder)
        #expect(runs.count == 12)
        let slots = runs.map { "\($0["workflow"] as? String ?? "?") \($0["slot"] as? String ?? "?")" }
        #expect(Set(slots).count == 12, "\(slots.sorted())")
        #expect(runs.allSatisfy { $0["outcome"] as? String == "succeeded" })
        #expect(try organisationCount(in: folder) == 12)
    }

    @Test func aTickKilledMidRunLeavesItsSlotUntilTheLeaseRunsOut() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC', scheduling = { lease_margin = '1s' } }",
            "Scripts/report.lua": Self.slotWorkflow("report", "0 9 * * *", seconds: 60, extra: "limits = { timeout = \"5s\" },"),
            "count.lua": Self.countScript,
        ])
        #expect(try Comity.run(["tick", "--now", "2026-11-29T08:00:00Z"], in: folder).status == 0)
        let (tick, _) = try start(["tick", "--now", "2026-11-29T09:00:00Z"], in: folder)
        // Killed once its run is under way (recorded as running, its record created).
        #expect(waitUntil(60) { (try? self.runs(in: folder))?.first?["outcome"] as? String == "running" })
        Thread.sleep(forTimeInterval: 0.5)
        kill(tick.processIdentifier, SIGKILL)
        tick.waitUntilExit()
        #expect(tick.terminationReason == .uncaughtSignal)
        #expect(try runs(in: folder).first?["outcome"] as? String == "interrupted")
        #expect(try organisationCount(in: folder) == 0)
        // Within the lease (5 s limit + 1 s margin) the slot is left alone.
        let early = try Comity.run(["tick", "--now", "2026-11-29T09:00:03Z"], in: folder)
        #expect(early.status == 0)
        #expect(early.stdout.isEmpty)
        // After it, the slot runs again (the script fixed meanwhile) and is kept once.
        try Self.slotWorkflow("report", "0 9 * * *").write(to: folder.appendingPathComponent("Scripts/report.lua"), atomically: true, encoding: .utf8)
        let retried = try Comity.run(["tick", "--now", "2026-11-29T09:00:10Z"], in: folder)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stdout.contains("succeeded  report  schedule 2026-11-29T09:00:00Z"))
        #expect(try Comity.run(["tick", "--now", "2026-11-29T09:00:30Z"], in: folder).stdout.isEmpty)
        let outcomes = try runs(in: folder).filter { $0["workflow"] as? String == "report" }.map { "\($0["outcome"] ?? "-") \($0["slot"] ?? "-")" }
        #expect(outcomes == ["succeeded 2026-11-29T09:00:00Z", "interrupted 2026-11-29T09:00:00Z"], "\(outcomes)")
        #expect(try organisationCount(in: folder) == 1)
    }

    @Test func theDaemonLetsARunFinishWithinTheGraceOnSIGTERM() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/digest.lua": Self.slotWorkflow("digest", "0 8 * * *", seconds: 2),
            "count.lua": Self.countScript,
        ])
        // The schedule is registered first, so the slot is due however slowly the daemon starts.
        #expect(try Comity.run(["tick", "--now", "2026-11-29T07:00:00Z"], in: folder).status == 0)
        let (daemon, log) = try start(["daemon", "--now", "2026-11-29T07:59:59Z", "--grace", "20s"], in: folder)
        #expect(waitUntil(60) { (try? self.runs(in: folder))?.first?["outcome"] as? String == "running" })
        kill(daemon.processIdentifier, SIGTERM)
        #expect(exits(daemon, within: 20))
        #expect(daemon.terminationStatus == 0)
        let runs = try runs(in: folder)
        #expect(runs.map { $0["outcome"] as? String } == ["succeeded"])
        #expect(try organisationCount(in: folder) == 1)
        let lines = text(log)
        #expect(lines.contains("stopping: no new runs"))
        #expect(lines.contains("run succeeded"))
        #expect(lines.contains("daemon stopped"))
    }

    @Test func theDaemonCancelsARunStillGoingAfterTheGrace() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/digest.lua": Self.slotWorkflow("digest", "0 8 * * *", seconds: 120, extra: "limits = { timeout = \"5m\" },"),
            "count.lua": Self.countScript,
        ])
        #expect(try Comity.run(["tick", "--now", "2026-11-29T07:00:00Z"], in: folder).status == 0)
        let (daemon, log) = try start(["daemon", "--now", "2026-11-29T07:59:59Z", "--grace", "1s"], in: folder)
        #expect(waitUntil(60) { (try? self.runs(in: folder))?.first?["outcome"] as? String == "running" }, "\(text(log))")
        let asked = Date()
        kill(daemon.processIdentifier, SIGTERM)
        #expect(exits(daemon, within: 20))
        #expect(Date().timeIntervalSince(asked) < 10)
        #expect(daemon.terminationStatus == 0, "\(text(log))")
        let runs = try runs(in: folder)
        #expect(runs.map { $0["outcome"] as? String } == ["cancelled"])
        #expect(try organisationCount(in: folder) == 0)
        // The cancelled slot was not used up: the next tick runs it.
        let list = try Comity.run(["schedule", "list", "--json"], in: folder)
        #expect(list.stdout.contains("\"next_slot\" : \"2026-11-29T08:00:00Z\""), "\(list.stdout)")
    }

    /// Missed slots run one by one (catch_up "all"); meanwhile the script is edited, a
    /// workflow is added and another removed. Runs after the edit use the new text;
    /// the daemon takes up the new schedule and drops the removed one, with no restart.
    @Test func theDaemonPicksUpScriptsEditedWhileItRuns() throws {
        let start = Date().addingTimeInterval(-8 * 60)
        let formatter = ISO8601DateFormatter()
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/minutely.lua": Self.slotWorkflow("minutely", "* * * * *", seconds: 1, extra: "catch_up = \"all\",", log: "v1"),
            "Scripts/gone.lua": Self.slotWorkflow("gone", "0 0 1 1 *"),
            "count.lua": Self.countScript,
        ])
        #expect(try Comity.run(["tick", "--now", formatter.string(from: start)], in: folder).status == 0)
        let (daemon, log) = try self.start(["daemon"], in: folder)
        #expect(waitUntil(30) { (try? self.runs(in: folder))?.contains { $0["outcome"] as? String == "succeeded" } == true })
        try Self.slotWorkflow("minutely", "* * * * *", seconds: 1, extra: "catch_up = \"all\",", log: "v2")
            .write(to: folder.appendingPathComponent("Scripts/minutely.lua"), atomically: true, encoding: .utf8)
        try Self.slotWorkflow("added", "0 12 * * *").write(to: folder.appendingPathComponent("Scripts/added.lua"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("Scripts/gone.lua"))
        #expect(waitUntil(30) {
            let lines = text(log)
            return lines.contains("schedule added: added") && lines.contains("schedule removed: gone")
                && (try? self.runs(in: folder))?.contains { ($0["log"] as? [String]) == ["v2"] } == true
        }, "\(text(log))")
        kill(daemon.processIdentifier, SIGTERM)
        #expect(exits(daemon, within: 20))
        #expect(daemon.terminationStatus == 0)
        let runs = try runs(in: folder).filter { $0["workflow"] as? String == "minutely" && $0["outcome"] as? String == "succeeded" }
        let slots = runs.compactMap { $0["slot"] as? String }
        #expect(Set(slots).count == slots.count, "a slot ran twice: \(slots.sorted())")
        let byVersion = Dictionary(grouping: runs) { ($0["log"] as? [String])?.first ?? "?" }
        let oldHashes = Set((byVersion["v1"] ?? []).compactMap { $0["content_hash"] as? String })
        let newHashes = Set((byVersion["v2"] ?? []).compactMap { $0["content_hash"] as? String })
        #expect(oldHashes.count == 1 && newHashes.count == 1 && oldHashes != newHashes, "\(byVersion.mapValues { $0.map { $0["content_hash"] ?? "-" } })")
        let list = try Comity.run(["schedule", "list", "--json"], in: folder)
        #expect(list.stdout.contains("\"workflow\" : \"added\""))
        #expect(!list.stdout.contains("\"workflow\" : \"gone\""))
    }

    @Test func pauseResumeAndBackfillFromTheCommandLine() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/daily.lua": Self.slotWorkflow("daily", "0 6 * * *"),
            "count.lua": Self.countScript,
        ])
        #expect(try Comity.run(["tick", "--now", "2026-11-20T07:00:00Z"], in: folder).status == 0)
        #expect(try Comity.run(["tick", "--now", "2026-11-21T06:00:10Z"], in: folder).stdout.contains("succeeded"))
        let paused = try Comity.run(["schedule", "pause", "daily"], in: folder)
        #expect(paused.stdout == "paused daily\n")
        #expect(try Comity.run(["schedule", "list"], in: folder).stdout.contains("  paused"))
        let unknown = try Comity.run(["schedule", "pause", "weekly"], in: folder)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no scheduled workflow is named 'weekly' (scheduled: daily)"))
        #expect(try Comity.run(["schedule", "resume", "daily"], in: folder).stdout.hasPrefix("resumed daily; next slot "))

        let dry = try Comity.run(["schedule", "backfill", "daily", "--from", "2026-11-19", "--to", "2026-11-21T23:00", "--dry-run"], in: folder)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("2026-11-19T06:00:00Z  would run"))
        #expect(dry.stdout.contains("2026-11-21T06:00:00Z  ran before"))
        #expect(dry.stdout.contains("2 slot(s) would run (dry run: nothing ran)"))
        #expect(try organisationCount(in: folder) == 1)
        let done = try Comity.run(["schedule", "backfill", "daily", "--from", "2026-11-19", "--to", "2026-11-21T23:00"], in: folder)
        #expect(done.stdout.contains("2 slot(s) run, 1 ran before"), "\(done.stdout)")
        #expect(try organisationCount(in: folder) == 3)
    }

    /// Ticks that ran ahead of the clock (a drill with --now) leave the last slot in the
    /// future: resuming never sets the schedule back to a slot that ran.
    @Test func resumeNeverGoesBackToASlotThatRan() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/daily.lua": Self.slotWorkflow("daily", "0 6 * * *"),
            "count.lua": Self.countScript,
        ])
        #expect(try Comity.run(["tick", "--now", "2030-01-01T05:00:00Z"], in: folder).status == 0)
        #expect(try Comity.run(["tick", "--now", "2030-01-01T06:00:10Z"], in: folder).stdout.contains("succeeded"))
        #expect(try Comity.run(["schedule", "pause", "daily"], in: folder).status == 0)
        let resumed = try Comity.run(["schedule", "resume", "daily"], in: folder)
        #expect(resumed.stdout == "resumed daily; next slot 2030-01-02T06:00:00Z\n", "\(resumed.stdout)\(resumed.stderr)")
        #expect(try Comity.run(["tick", "--now", "2030-01-01T06:00:20Z"], in: folder).stdout.isEmpty)
        #expect(try organisationCount(in: folder) == 1)
        // --now as tick takes it: resumed as of a later moment, the next slot after it.
        #expect(try Comity.run(["schedule", "pause", "daily"], in: folder).status == 0)
        let later = try Comity.run(["schedule", "resume", "daily", "--now", "2030-01-05T12:00:00Z"], in: folder)
        #expect(later.stdout == "resumed daily; next slot 2030-01-06T06:00:00Z\n", "\(later.stdout)\(later.stderr)")
        let bad = try Comity.run(["schedule", "resume", "daily", "--now", "soon"], in: folder)
        #expect(bad.status == 64 && bad.stderr.contains("--now"), "\(bad.stderr)")
    }

    /// The cap is checked as slots are counted, not after all of them are found.
    @Test func aBackfillOverItsCapIsRefusedAtOnce() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/minutely.lua": Self.slotWorkflow("minutely", "* * * * *"),
        ])
        #expect(try Comity.run(["tick", "--now", "2026-11-20T07:00:00Z"], in: folder).status == 0)
        let started = Date()
        let refused = try Comity.run(["schedule", "backfill", "minutely", "--from", "0001-01-01", "--to", "9999-12-31", "--dry-run"], in: folder)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("more than 10000 slots of 'minutely'"), "\(refused.stderr)")
        // Generous: before, this ran for hours.
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test func explainSaysOrWhereBothDayFieldsAreRestricted() throws {
        let explained = try Comity.run(["schedule", "explain", "0 0 29 2 1", "--from", "2027-01-01T00:00:00Z", "--count", "2", "--time-zone", "UTC"],
                                       in: FileManager.default.temporaryDirectory)
        #expect(explained.stdout.hasPrefix("\"0 0 29 2 1\": at 00:00 on day 29 of the month or on any Monday in February ("), "\(explained.stdout)")
        #expect(explained.stdout.contains("2027-02-01T00:00:00Z"))
    }

    /// A run stopped by max_trigger_depth is a failed run: `comity run` says so.
    @Test func runExitsOneWhenATriggerChainIsStopped() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC', max_trigger_depth = 2 }",
            "Scripts/loop.lua": """
                return workflow { name = "loop", on = "grant.awarded", run = function(ctx)
                  local f = orgs.create { name = "F", country = "GB", kind = 22 }
                  local g = grants.create { title = "again", funder = f, recipient = orgs.create { name = "Recipient" } }
                  grants.submit(g)
                  grants.award(g)
                end }
                """,
            "seed.lua": """
                local f = orgs.create { name = "Seed", country = "GB", kind = 22 }
                local g = grants.create { title = "first", funder = f, recipient = orgs.create { name = "Recipient" } }
                grants.submit(g)
                grants.award(g)
                """,
        ])
        let run = try Comity.run(["run", "seed.lua"], in: folder)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("max_trigger_depth = 2"), "\(run.stderr)")
    }

    /// A dry run says which workflows its events would have queued, and queues none.
    @Test func aDryRunSaysWhatItWouldQueue() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/thank.lua": "return workflow { name = 'thank', on = 'grant.awarded', run = function(ctx) end }",
            "Scripts/all.lua": "return workflow { name = 'all-grants', on = 'grant.*', run = function(ctx) end }",
            "award.lua": """
                local f = orgs.create { name = "Fund", country = "GB", kind = 22 }
                local g = grants.create { title = "first", funder = f, recipient = orgs.create { name = "Recipient" } }
                grants.submit(g)
                grants.award(g)
                """,
        ])
        let dry = try Comity.run(["run", "award.lua", "--dry-run"], in: folder)
        #expect(dry.status == 0, "\(dry.stderr)")
        // Records counted as `comity runs` counts them, then each change.
        #expect(dry.stdout.contains("rolled back; it would have created 3 and changed 1 record(s), 5 change(s):"), "\(dry.stdout)")
        // 'grant.*' hears the creation and each step's grant.updated too, after the step's own event.
        #expect(dry.stdout.contains("""
              it would queue all-grants (on grant.created)
              it would queue all-grants (on grant.submitted)
              it would queue all-grants (on grant.updated)
              it would queue all-grants (on grant.awarded)
              it would queue thank (on grant.awarded)
              it would queue all-grants (on grant.updated)

            """), "\(dry.stdout)")
        #expect(try runs(in: folder).count == 1)
    }

    /// A run still going may yet commit: retrying it is refused until it has ended. A
    /// dry run's retry is a dry run.
    @Test func retryRefusesARunningRunAndKeepsADryRunDry() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "slow.lua": "orgs.create { name = 'Slow', country = 'GB', kind = 22 } local t = os.time() while os.time() - t < 60 do end",
            "dry.lua": "orgs.create { name = 'Dry', country = 'GB', kind = 22 }",
            "count.lua": Self.countScript,
        ])
        let (process, _) = try start(["run", "slow.lua", "--timeout", "90s"], in: folder)
        defer { if process.isRunning { process.terminate() } }
        #expect(waitUntil(60) { (try? self.runs(in: folder))?.first?["outcome"] as? String == "running" })
        let id = try #require(try runs(in: folder).first?["id"] as? String)
        let refused = try Comity.run(["runs", "retry", id], in: folder)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is still running (process \(process.processIdentifier)); retry it once it has ended"), "\(refused.stderr)")
        #expect(try runs(in: folder).count == 1)
        process.terminate()
        process.waitUntilExit()

        #expect(try Comity.run(["run", "dry.lua", "--dry-run"], in: folder).status == 0)
        let dry = try #require(try runs(in: folder).first { ($0["file"] as? String) == "dry.lua" }?["id"] as? String)
        let retried = try Comity.run(["runs", "retry", dry], in: folder)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(try organisationCount(in: folder) == 0)
    }

    /// `ctx.once` claims its key only when its function succeeds: a failure inside it,
    /// even caught by pcall, keeps neither the key nor what the function wrote.
    @Test func onceClaimsItsKeyOnlyWhenItsFunctionSucceeds() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/welcome.lua": """
                return workflow { name = "welcome", run = function(ctx)
                  print(pcall(ctx.once, "welcome", function()
                    orgs.create { name = "Half", country = "GB", kind = 22 }
                    error("stopped", 0)
                  end))
                  print(orgs.count { name = "Half" })
                  print(ctx.once("welcome", function()
                    return orgs.create { name = "Whole", country = "GB", kind = 22 }.name, 2
                  end))
                  print(ctx.once("welcome", function() return "again" end))
                end }
                """,
        ])
        let first = try Comity.run(["run", "Scripts/welcome.lua"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "false\tstopped\n0\ntrue\tWhole\t2\nfalse\n", "\(first.stdout)")
        let second = try Comity.run(["run", "Scripts/welcome.lua"], in: folder)
        #expect(second.stdout == "true\tfalse\n0\nfalse\nfalse\n", "\(second.stdout)")
    }

    /// A schedule's slots are read in its own zone, in the run and in the list.
    @Test func slotsAreShownInTheSchedulesOwnZone() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/moscow.lua": """
                return workflow { name = "moscow", schedule = "0 8 * * *", timezone = "Europe/Moscow",
                  run = function(ctx) print("slot " .. tostring(ctx.trigger.slot) .. " hour " .. ctx.trigger.slot.hour) end }
                """,
        ])
        #expect(try Comity.run(["tick", "--now", "2026-11-29T04:00:00Z"], in: folder).status == 0)
        let ran = try Comity.run(["tick", "--now", "2026-11-29T05:00:10Z"], in: folder)
        #expect(ran.stdout.contains("slot 2026-11-29T08:00:00+03:00 hour 8"), "\(ran.stdout)\(ran.stderr)")
        let list = try Comity.run(["schedule", "list"], in: folder)
        #expect(list.stdout.contains("last: slot 2026-11-29T08:00:00+03:00"), "\(list.stdout)")
        #expect(list.stdout.contains("next 2026-11-30T08:00:00+03:00 (Europe/Moscow)"), "\(list.stdout)")
    }

    /// Resuming a schedule that runs leaves its due slots due.
    @Test func resumingAScheduleThatIsNotPausedChangesNothing() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/daily.lua": Self.slotWorkflow("daily", "0 8 * * *"),
        ])
        #expect(try Comity.run(["tick", "--now", "2026-11-29T07:00:00Z"], in: folder).status == 0)
        let resumed = try Comity.run(["schedule", "resume", "daily", "--now", "2026-11-29T09:00:00Z"], in: folder)
        #expect(resumed.stdout.contains("daily was not paused; left as it is, next slot 2026-11-29T08:00:00Z"), "\(resumed.stdout)\(resumed.stderr)")
        let ticked = try Comity.run(["tick", "--now", "2026-11-29T09:00:00Z"], in: folder)
        #expect(ticked.stdout.contains("daily"), "\(ticked.stdout)\(ticked.stderr)") // the 08:00 slot still runs
    }

    /// A scheduled workflow run by hand is a manual run, with no slot; UTC is called UTC.
    @Test func aManualRunOfAScheduledWorkflowSaysItIsManual() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/daily.lua": """
                return workflow { name = "daily", schedule = "0 8 * * *",
                  run = function(ctx) print(ctx.trigger.kind, ctx.trigger.slot) end }
                """,
        ])
        let manual = try Comity.run(["run", "Scripts/daily.lua"], in: folder)
        #expect(manual.stdout == "manual\tnil\n", "\(manual.stdout)\(manual.stderr)")
        #expect(try Comity.run(["runs"], in: folder).stdout.spacesCollapsed.contains("succeeded daily manual"))
        let list = try Comity.run(["schedule", "list"], in: folder)
        #expect(list.stdout.contains("(UTC)"), "\(list.stdout)")
        #expect(list.stderr.isEmpty, "\(list.stderr)") // no notices at the default level
    }

    /// Days and weeks are durations wherever a duration is read.
    @Test func daysAndWeeksAreDurations() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC', scheduling = { late_after = '1d' } }",
            "Scripts/weekly.lua": Self.slotWorkflow("weekly", "0 6 * * 1", extra: "catch_up = \"all\", catch_up_window = \"7d\","),
            "Scripts/fortnight.lua": Self.slotWorkflow("fortnight", "0 6 * * 2", extra: "catch_up_window = \"2w\", catch_up = \"all\","),
            "hello.lua": "print('hello')",
        ])
        let list = try Comity.run(["schedule", "list"], in: folder)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("weekly") && list.stdout.contains("fortnight"), "\(list.stdout)")
        #expect(!list.stdout.contains("not a duration") && !list.stderr.contains("not a duration"), "\(list.stdout)\(list.stderr)")
        let run = try Comity.run(["run", "hello.lua", "--timeout", "1d"], in: folder)
        #expect(run.status == 0 && run.stdout.contains("hello"), "\(run.stderr)")
    }
}
