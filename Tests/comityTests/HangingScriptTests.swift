import Foundation
import Testing

/// One script that hangs, while being read or while running, does not stop the
/// scheduler: declarations are read under limits of their own, and the daemon's
/// grace is a promise.
@Suite struct HangingScriptTests {
    /// `comity ARGS`, killed if it has not exited within `seconds` (then status nil).
    func run(_ arguments: [String], in folder: URL, within seconds: Double) throws -> (status: Int32?, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = Comity.executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = folder.appendingPathComponent(".out-\(UUID().uuidString)"), err = folder.appendingPathComponent(".err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let finished = !process.isRunning
        if !finished {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return (finished ? process.terminationStatus : nil,
                (try? String(contentsOf: out, encoding: .utf8)) ?? "", (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    static let scheduled = """
        return workflow {
          name = "digest", schedule = "0 8 * * *",
          run = function(ctx) orgs.create { name = "digest " .. ctx.trigger.slot:format("%H:%M"), country = "GB" } end,
        }
        """

    @Test func aScriptThatHangsOrFailsWhileBeingReadIsListedWithItsErrorAndTheOthersRun() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/digest.lua": Self.scheduled,
            // The declaration was commented out: the top level is all there is.
            "Scripts/loop.lua": "-- return workflow {\nwhile true do end\n",
            // One long library call: it counts its work, so the time limit stops it.
            "Scripts/long-call.lua": "-- return workflow {\ntable.remove(setmetatable({}, { __len = function() return math.maxinteger end }), 1)\n",
            "Scripts/greedy.lua": "-- return workflow {\nlocal t = {} for i = 1, 1e8 do t[i] = i end\n",
        ])
        let listed = try run(["workflows"], in: folder, within: 20)
        #expect(listed.status == 1, "workflows did not finish within 20 s")
        for file in ["loop", "long-call", "greedy"] {
            #expect(listed.stdout.contains("\(file)  Scripts/\(file).lua\n  error: Scripts/\(file).lua"), "\(listed.stdout)")
        }
        #expect(listed.stdout.contains("error: Scripts/greedy.lua: memory limit exceeded (16 MB)"), "\(listed.stdout)")
        #expect(listed.stdout.contains("digest  Scripts/digest.lua\n  schedule: 0 8 * * *"), "\(listed.stdout)")

        #expect(try run(["tick", "--now", "2026-11-29T07:00:00Z"], in: folder, within: 20).status == 0)
        let ticked = try run(["tick", "--now", "2026-11-29T08:00:10Z"], in: folder, within: 20)
        #expect(ticked.status == 0, "\(ticked.stderr)")
        #expect(ticked.stdout.contains("succeeded  digest  schedule 2026-11-29T08:00:00Z"), "\(ticked.stdout)\(ticked.stderr)")
        let list = try run(["schedule", "list"], in: folder, within: 20)
        #expect(list.status != nil, "schedule list did not finish within 20 s")
        #expect(list.stdout.contains("digest"), "\(list.stdout)")
    }

    @Test func aDaemonKeepsRunningSlotsBesideAScriptThatHangsWhileBeingRead() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/digest.lua": Self.scheduled,
            // One long library call: it counts its work, so the time limit stops it.
            "Scripts/long-call.lua": "-- return workflow {\ntable.remove(setmetatable({}, { __len = function() return math.maxinteger end }), 1)\n",
        ])
        #expect(try run(["tick", "--now", "2026-11-29T07:00:00Z"], in: folder, within: 20).status == 0)
        let daemon = try startDaemon(in: folder)
        let deadline = Date().addingTimeInterval(30)
        var outcome: String?
        while outcome != "succeeded", Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            outcome = try self.outcome(in: folder)
        }
        #expect(outcome == "succeeded", "the digest's slot did not run within 30 s")
        kill(daemon.processIdentifier, SIGTERM)
        let asked = Date()
        while daemon.isRunning, Date().timeIntervalSince(asked) < 15 { Thread.sleep(forTimeInterval: 0.05) }
        guard !daemon.isRunning else {
            Issue.record("the daemon was still running 15 s after SIGTERM")
            kill(daemon.processIdentifier, SIGKILL)
            return daemon.waitUntilExit()
        }
        #expect(daemon.terminationStatus == 0)
    }

    func startDaemon(in folder: URL) throws -> Process {
        let daemon = Process()
        daemon.executableURL = Comity.executable
        daemon.arguments = ["daemon", "--now", "2026-11-29T07:59:59Z", "--grace", "1s"]
        daemon.currentDirectoryURL = folder
        let log = folder.appendingPathComponent("daemon.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = try FileHandle(forWritingTo: log)
        try daemon.run()
        return daemon
    }

    /// The latest run's outcome (listing runs also marks those of dead processes interrupted).
    func outcome(in folder: URL) throws -> String? {
        let listed = try run(["runs", "--json"], in: folder, within: 20)
        let runs = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        return runs?.first?["outcome"] as? String
    }

    @Test func theDaemonStopsWithinItsGraceAndAMarginEvenWhenARunCannotBeStopped() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/stuck.lua": """
                return workflow {
                  name = "stuck", schedule = "0 8 * * *", limits = { timeout = "5m" },
                  run = function(ctx) table.remove(setmetatable({}, { __len = function() return math.maxinteger end }), 1) end,
                }
                """,
        ])
        #expect(try run(["tick", "--now", "2026-11-29T07:00:00Z"], in: folder, within: 20).status == 0)
        let daemon = try startDaemon(in: folder)
        let log = folder.appendingPathComponent("daemon.log")
        func outcome() throws -> String? { try self.outcome(in: folder) }
        var started = Date().addingTimeInterval(60)
        while try outcome() != "running", Date() < started { Thread.sleep(forTimeInterval: 0.2) }
        #expect(try outcome() == "running")
        kill(daemon.processIdentifier, SIGTERM)
        started = Date()
        while daemon.isRunning, Date().timeIntervalSince(started) < 15 { Thread.sleep(forTimeInterval: 0.05) }
        guard !daemon.isRunning else {
            Issue.record("the daemon was still running 15 s after SIGTERM with --grace 1s")
            kill(daemon.processIdentifier, SIGKILL)
            return daemon.waitUntilExit()
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        // Either the run stopped when cancelled, or it was left behind and the next command says so.
        switch try outcome() {
        case "cancelled": #expect(daemon.terminationStatus == 0, "\(text)")
        case "interrupted":
            #expect(daemon.terminationStatus == 1, "\(text)")
            #expect(text.contains("a run did not stop within 5.0 seconds of being cancelled"), "\(text)")
        case let other: Issue.record("the run ended \(other ?? "nil"): \(text)")
        }
    }
}
