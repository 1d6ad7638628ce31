import Foundation
import Testing

/// `comity workflows`, `runs`, `runs show`, `runs retry` and `queue`, through the
/// real command in child processes, on a real workspace database.
@Suite struct RunHistoryCommandTests {
    static let scripts = [
        "comity.lua": "return { time_zone = 'UTC' }",
        "Scripts/award.lua": """
            return workflow {
              name = "award",
              description = "Awards a grant",
              params = { amount = { type = "integer", default = 5000 } },
              run = function(ctx)
                local f = orgs.create { name = "Funder" }
                local g = grants.create { title = "Library", funder = f, recipient = orgs.create { name = "Library Trust" } }
                grants.submit(g)
                grants.award(g, { amount_awarded = money(ctx.params.amount, "RUB") })
                ctx.log("awarded " .. g.id)
              end,
            }
            """,
        "Scripts/thank.lua": """
            return workflow { name = "thank", on = { "grant.awarded" },
              run = function(ctx) print("thanking for " .. ctx.trigger.record.title) end }
            """,
    ]

    @Test func workflowsAreListedAsTextAndJSON() throws {
        let folder = try workspace(Self.scripts)
        let text = try Comity.run(["workflows"], in: folder)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("award  Scripts/award.lua\n  Awards a grant\n  --param amount=<integer>  (default 5000)"))
        #expect(text.stdout.contains("thank  Scripts/thank.lua\n  on: grant.awarded"))
        let json = try Comity.run(["workflows", "--json"], in: folder)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(list.compactMap { $0["name"] as? String } == ["award", "thank"])
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".comity/comity.db").path))

        try "return workflow { name = 'award', run = function() end }".write(
            to: folder.appendingPathComponent("Scripts/copy.lua"), atomically: true, encoding: .utf8)
        let duplicate = try Comity.run(["workflows"], in: folder)
        #expect(duplicate.status == 1)
        #expect(duplicate.stdout.contains("two workflows are named 'award': Scripts/award.lua and Scripts/copy.lua"))
    }

    @Test func runsAreRecordedShownAndRetried() throws {
        let folder = try workspace(Self.scripts)
        let first = try Comity.run(["run", "Scripts/award.lua", "--param", "amount=7000"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "thanking for Library\n") // the triggered run, in the same process

        let listed = try Comity.run(["runs", "--json"], in: folder)
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(runs.count == 2)
        let thank = try #require(runs.first { $0["workflow"] as? String == "thank" })
        let award = try #require(runs.first { $0["workflow"] as? String == "award" })
        #expect(thank["trigger"] as? String == "event" && thank["event"] as? String == "grant.awarded")
        #expect(thank["caused_by"] as? String == award["id"] as? String)
        #expect(award["parameters"] as? [String: String] == ["amount": "7000"])
        #expect(award["records_created"] as? Int == 3 && award["records_changed"] as? Int == 1)
        #expect(award["log"] as? [String] == ["awarded 1"])

        let awardID = try #require(award["id"] as? String)
        let shown = try Comity.run(["runs", "show", String(awardID.prefix(8))], in: folder)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("outcome: succeeded"))
        #expect(shown.stdout.contains("grant#1 step status: draft -> submitted"))
        #expect(shown.stdout.contains("amount_awarded: nil -> 7,000.00 RUB"))

        // A failure, then the script fixed and the run retried with its parameters.
        try "return workflow { name = 'award', params = { amount = 'integer' }, run = function(ctx) error('not yet') end }".write(
            to: folder.appendingPathComponent("Scripts/award.lua"), atomically: true, encoding: .utf8)
        let failed = try Comity.run(["run", "Scripts/award.lua", "--param", "amount=9"], in: folder)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("Scripts/award.lua:1: not yet"))
        let failures = try Comity.run(["runs", "--failed", "--workflow", "award", "--json"], in: folder)
        let failedRuns = try #require(try JSONSerialization.jsonObject(with: Data(failures.stdout.utf8)) as? [[String: Any]])
        #expect(failedRuns.count == 1)
        let failedID = try #require(failedRuns.first?["id"] as? String)
        #expect((failedRuns.first?["traceback"] as? String)?.contains("in function 'error'") == true)
        try Self.scripts["Scripts/award.lua"]!.write(to: folder.appendingPathComponent("Scripts/award.lua"), atomically: true, encoding: .utf8)
        let retried = try Comity.run(["runs", "retry", failedID], in: folder)
        #expect(retried.status == 0, "\(retried.stderr)")
        #expect(retried.stdout.contains("succeeded (retry of \(failedID.prefix(8)), attempt 2)"))
        #expect(retried.stdout.contains("thanking for Library"))

        let unknown = try Comity.run(["runs", "show", "zzzz"], in: folder)
        #expect(unknown.status != 0 && unknown.stderr.contains("no run with id 'zzzz'"))
    }

    /// A run killed mid-way keeps nothing, and the next command marks it interrupted.
    @Test func aRunKilledMidwayIsMarkedInterruptedAndKeepsNothing() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "Scripts/long.lua": """
                orgs.create { name = "Half-made" }
                local x = 0
                while true do x = x + 1 end
                """,
            "Scripts/count.lua": "print(orgs.count())",
        ])
        let process = Process()
        process.executableURL = Comity.executable
        process.arguments = ["run", "Scripts/long.lua", "--timeout", "60s"]
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the database, then give the run time to record itself and write.
        let database = folder.appendingPathComponent(".comity/comity.db").path
        var waited = 0
        while !FileManager.default.fileExists(atPath: database) && waited < 100 {
            Thread.sleep(forTimeInterval: 0.1)
            waited += 1
        }
        Thread.sleep(forTimeInterval: 1.0)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let listed = try Comity.run(["runs", "--json"], in: folder)
        #expect(listed.stderr.contains("was interrupted (its process stopped)"))
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(runs.first?["outcome"] as? String == "interrupted")
        #expect(runs.first?["file"] as? String == "Scripts/long.lua")
        let count = try Comity.run(["run", "Scripts/count.lua"], in: folder)
        #expect(count.stdout == "0\n")
        // Marked once: the next command finds nothing new.
        #expect(!(try Comity.run(["runs"], in: folder)).stderr.contains("interrupted"))
    }

    /// A queued run whose process dies is not lost: it shows as interrupted.
    @Test func aTriggeredRunKilledMidwayIsNotLost() throws {
        var files = Self.scripts
        files["Scripts/thank.lua"] = "return workflow { name = 'thank', on = 'grant.awarded', run = function() while true do end end }"
        let folder = try workspace(files)
        let process = Process()
        process.executableURL = Comity.executable
        process.arguments = ["run", "Scripts/award.lua", "--timeout", "60s"]
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the triggered run is recorded as running, then kill the process.
        var running = false
        for _ in 0..<100 where !running {
            Thread.sleep(forTimeInterval: 0.2)
            let listed = try Comity.run(["runs", "--workflow", "thank", "--json"], in: folder)
            running = listed.stdout.contains("\"outcome\" : \"running\"")
        }
        #expect(running)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let listed = try Comity.run(["runs", "--json"], in: folder)
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(runs.map { $0["outcome"] as? String } == ["interrupted", "succeeded"])
        #expect(runs.first?["event"] as? String == "grant.awarded")
        #expect(try Comity.run(["queue", "status"], in: folder).stdout == "0 run(s) waiting\n")
    }

    @Test func theQueueIsDrainedByItsOwnCommand() throws {
        let folder = try workspace(Self.scripts)
        let status = try Comity.run(["queue", "status"], in: folder)
        #expect(status.stdout == "0 run(s) waiting\n")
        let run = try Comity.run(["queue", "run"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "0 run(s); 0 waiting\n")
    }
}

/// `comity test` on specs that pass and fail: names, lines, both values, exit status.
@Suite struct SpecCommandTests {
    @Test func specsReportFailuresWithTheirLineAndBothValues() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "Scripts/award.lua": RunHistoryCommandTests.scripts["Scripts/award.lua"] ?? "",
            "Scripts/thank.lua": RunHistoryCommandTests.scripts["Scripts/thank.lua"] ?? "",
            "Scripts/award_spec.lua": """
                describe("award", function()
                  it("awards and triggers the thanks", function()
                    local run = run_workflow("Scripts/award.lua", { amount = 7000 })
                    expect(run.outcome).to_equal("succeeded")
                    expect(run.triggered[1].workflow).to_equal("thank")
                    expect(run.output).to_contain("thanking for Library")
                    expect(tostring(grants.get(1).amount_awarded)).to_equal("7,000.00 RUB")
                  end)
                  it("starts from an empty database", function()
                    expect(grants.count()).to_equal(0)
                    expect(fixture("funder").name).to_equal("Fixture Funder")
                  end)
                  it("fails here", function()
                    print("printed before failing")
                    expect(orgs.count()).to_equal(2)
                  end)
                  it("fails with the wrong error", function()
                    expect(function() error("something else") end).to_fail_with("expected text")
                  end)
                end)
                """,
            "Scripts/fixtures/funder.lua": "return orgs.create { name = 'Fixture Funder', kind = 'foundation' }",
        ])
        let result = try Comity.run(["test"], in: folder)
        #expect(result.status == 1)
        #expect(result.stdout.contains("  ✓ award awards and triggers the thanks"), "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("  ✓ award starts from an empty database"))
        #expect(result.stdout.contains("  ✗ award fails here\n      Scripts/award_spec.lua:15: expected 2, got 0\n      | printed before failing"))
        #expect(result.stdout.contains(#"Scripts/award_spec.lua:18: expected an error containing "expected text", got "Scripts/award_spec.lua:18: something else""#))
        #expect(result.stdout.hasSuffix("4 case(s) in 1 file(s): 2 failed\n"))

        let json = try Comity.run(["test", "--json", "Scripts/award_spec.lua"], in: folder)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["cases"] as? Int == 4 && report["failed"] as? Int == 2)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(".comity/comity.db").path)) // in memory

        let missing = try Comity.run(["test", "Nowhere"], in: folder)
        #expect(missing.status != 0 && missing.stderr.contains("no such file or folder: Nowhere"))
    }
}
