import Foundation
import Testing

/// What the listings show a person (`runs`, `queue status`), how errors are said (the
/// usage line only for a mistake in the arguments), `ctx.log`'s values, and nesting too
/// deep for Lua's parser, through the real command in child processes.
@Suite struct ListingCommandTests {
    static let files = [
        "comity.lua": "return { time_zone = 'UTC' }",
        "Scripts/award.lua": """
            return workflow { name = "award", run = function(ctx)
              local f = orgs.create { name = "Funder", country = "RU" }
              local r = orgs.create { name = "Recipient", country = "RU" }
              local g = grants.create { title = "Library", funder = f, recipient = r }
              grants.submit(g)
              grants.award(g, { amount_awarded = money("1.00 RUB") })
            end }
            """,
        "Scripts/thank-funders.lua": """
            return workflow { name = "thank-funders", on = { "grant.awarded" },
              retry = { attempts = 3, backoff = "fixed", delay = "1h" },
              run = function(ctx) error("mail server down") end }
            """,
        "Scripts/quiet.lua": "return workflow { name = 'quiet', run = function() end }",
    ]

    @Test func queueStatusListsEachWaitingRun() throws {
        let folder = try workspace(Self.files)
        let empty = try Comity.run(["queue", "status"], in: folder)
        #expect(empty.stdout == "0 run(s) waiting\n", "\(empty.stdout)\(empty.stderr)")
        #expect(try Comity.run(["run", "Scripts/award.lua"], in: folder).status == 1) // the triggered run failed
        let status = try Comity.run(["queue", "status"], in: folder)
        #expect(status.status == 0, "\(status.stderr)")
        let lines = status.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "1 run(s) waiting", "\(status.stdout)")
        #expect(lines.count == 3, "\(status.stdout)")
        #expect(lines[1].split(separator: " ", omittingEmptySubsequences: true) == ["WORKFLOW", "TRIGGER", "DUE", "ATTEMPT"], "\(status.stdout)")
        #expect(lines[2].hasPrefix("thank-funders  event grant.awarded (grant#1)  due "), "\(status.stdout)")
        #expect(lines[2].hasSuffix("attempt 2"), "\(status.stdout)")

        let json = try Comity.run(["queue", "status", "--json"], in: folder)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["waiting"] as? Int == 1)
        let run = try #require((object["runs"] as? [[String: Any]])?.first)
        #expect(run["workflow"] as? String == "thank-funders")
        #expect(run["trigger"] as? String == "event" && run["event"] as? String == "grant.awarded" && run["record"] as? String == "grant#1")
        #expect(run["attempt"] as? Int == 2)
        // Due an hour (less up to 20% jitter) after it failed, not now.
        let due = try #require((run["due"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(due.timeIntervalSinceNow > 40 * 60, "\(run)")
    }

    @Test func runsHaveAHeaderAndAWorkflowThatIsNotThereIsSaidSo() throws {
        let folder = try workspace(Self.files)
        #expect(try Comity.run(["run", "Scripts/award.lua"], in: folder).status == 1)
        let runs = try Comity.run(["runs"], in: folder)
        let lines = runs.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.first == "ID STARTED OUTCOME WORKFLOW TRIGGER RECORDS NOTE", "\(runs.stdout)")
        #expect(lines.count == 3, "\(runs.stdout)")
        #expect(lines.contains { $0.contains(" failed thank-funders event grant.awarded (grant#1) +0 ~0") }, "\(runs.stdout)")
        #expect(lines.contains { $0.contains(" succeeded award manual +3 ~1") }, "\(runs.stdout)")

        let misspelt = try Comity.run(["runs", "--workflow", "thank-fundrs"], in: folder)
        #expect(misspelt.status == 1)
        #expect(misspelt.stderr.contains("no workflow 'thank-fundrs'"), "\(misspelt.stderr)")
        #expect(misspelt.stderr.contains("(did you mean 'thank-funders'?)"), "\(misspelt.stderr)")
        #expect(!misspelt.stderr.contains("Usage:"), "\(misspelt.stderr)")
        #expect(try Comity.run(["runs", "--workflow", "thank-fundrs", "--json"], in: folder).status == 1)
        // A workflow that exists but has not run has no runs, which is no mistake.
        let quiet = try Comity.run(["runs", "--workflow", "quiet"], in: folder)
        #expect(quiet.status == 0 && quiet.stdout == "no runs\n", "\(quiet.stdout)\(quiet.stderr)")
        // Nor is a workflow whose script is gone but whose runs are in the history.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("Scripts/award.lua"))
        let gone = try Comity.run(["runs", "--workflow", "award"], in: folder)
        #expect(gone.status == 0 && gone.stdout.contains("succeeded"), "\(gone.stdout)\(gone.stderr)")
    }

    /// The usage line is for mistakes in the arguments; a command that cannot do what was
    /// asked (a file, a run or a message that is not there) says why and nothing more.
    @Test func errorsRepeatTheUsageOnlyWhenTheUsageWasWrong() throws {
        let folder = try workspace(Self.files)
        #expect(try Comity.run(["run", "Scripts/quiet.lua"], in: folder).status == 0)
        let runtime: [[String]] = [
            ["run", "nosuch.lua"], ["check", "nosuch.lua"], ["test", "nosuch"], ["import", "orgs", "nosuch.csv"],
            ["report", "nosuch"], ["runs", "show", "zzzz"], ["runs", "retry", "zzzz"], ["outbox", "release", "7"],
            ["runs", "--workflow", "nosuch"], ["schedule", "pause", "nosuch"], ["export", "orgs", "--out", "/proc/nope/x.csv"],
        ]
        for arguments in runtime {
            let result = try Comity.run(arguments, in: folder)
            #expect(result.status == 1, "comity \(arguments.joined(separator: " ")): \(result.status) \(result.stderr)")
            #expect(!result.stderr.contains("Usage:"), "comity \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        let usage: [[String]] = [["runs", "--limit", "0"], ["run"], ["outbox", "release", "x"], ["runs", "--nosuch"]]
        for arguments in usage {
            let result = try Comity.run(arguments, in: folder)
            #expect(result.status == 64, "comity \(arguments.joined(separator: " ")): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("Usage: comity"), "comity \(arguments.joined(separator: " ")): \(result.stderr)")
        }
    }

    @Test func ctxLogShowsValuesAsPrintDoes() throws {
        let folder = try workspace([
            "comity.lua": "return { time_zone = 'UTC' }",
            "Scripts/log.lua": """
                return workflow { name = "log", run = function(ctx)
                  local f = orgs.create { name = "Funder", country = "RU" }
                  local g = grants.create { title = "Library", funder = f, recipient = orgs.create { name = "R", country = "RU" } }
                  local shown = setmetatable({}, { __tostring = function() return "custom" end })
                  ctx.log("x", true, money("1.00 RUB"), time.days(2), grants.get(g.id), nil, 1.5, shown)
                  print("x", true, money("1.00 RUB"), time.days(2), grants.get(g.id), nil, 1.5, shown)
                  ctx.log()
                end }
                """,
        ])
        let run = try Comity.run(["run", "Scripts/log.lua"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let printed = try #require(run.stdout.split(separator: "\n").first.map(String.init))
        #expect(!printed.contains("Money") && !printed.contains("Duration"), "\(printed)")
        let json = try Comity.run(["runs", "--json"], in: folder)
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let log = try #require(runs.first?["log"] as? [String])
        #expect(log == [printed, ""], "\(log) against \(printed)")
    }

    @Test func nestingTooDeepForTheParserNamesFileAndLine() throws {
        let deep = "local x = 1\nlocal y = 2\n" + "return " + String(repeating: "{", count: 300) + String(repeating: "}", count: 300) + "\n"
        var generated = "local t = {\n"
        for _ in 0..<1000 { generated += "{\n" }
        let folder = try workspace([
            "comity.lua": "return {}",
            "Scripts/deep.lua": deep,
            "Scripts/generated.lua": generated + String(repeating: "}", count: 1001) + "\n",
            "Scripts/fine.lua": "local t = " + String(repeating: "{", count: 100) + String(repeating: "}", count: 100),
        ])
        let run = try Comity.run(["run", "Scripts/deep.lua"], in: folder)
        #expect(run.status == 1)
        #expect(run.stderr.contains("Scripts/deep.lua:3: nested too deeply"), "\(run.stderr)")
        #expect(!run.stderr.contains("C stack overflow"), "\(run.stderr)")
        let checked = try Comity.run(["check", "Scripts/deep.lua", "Scripts/generated.lua", "Scripts/fine.lua"], in: folder)
        #expect(checked.status == 1)
        let lines = checked.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(checked.stdout)")
        #expect(lines.first?.hasPrefix("Scripts/deep.lua:3: syntax: nested too deeply") == true, "\(checked.stdout)")
        // The parser gives out somewhere near its limit of levels: the line of that `{`.
        let line = try #require(lines.last.flatMap { Int($0.split(separator: ":")[1]) }, "\(checked.stdout)")
        #expect(lines.last?.hasPrefix("Scripts/generated.lua:") == true && (150...220).contains(line), "\(checked.stdout)")
        #expect(try Comity.run(["run", "Scripts/fine.lua"], in: folder).status == 0)
        // A script's own `load` of such text gets the same message, at the text's line.
        let loads = try workspace([
            "comity.lua": "return {}",
            "load.lua": """
                print(load("x = 1\\nreturn " .. string.rep("{", 300) .. string.rep("}", 300), "=deep"))
                print(load("return " .. string.rep("(", 300) .. "1" .. string.rep(")", 300)))
                """,
        ])
        let loaded = try Comity.run(["run", "load.lua"], in: loads)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let said = loaded.stdout.split(separator: "\n").map(String.init)
        #expect(said.first?.hasPrefix("nil\tdeep:2: nested too deeply") == true, "\(loaded.stdout)")
        #expect(said.last?.hasPrefix("nil\t[string \"return ((((") == true && said.last?.contains("]:1: nested too deeply") == true,
                "\(loaded.stdout)")
    }

    /// A renderer or format names one of the plugin's declared functions, since it is
    /// called through the API as they are; an undeclared one is refused by name.
    @Test func aRendererMustBeADeclaredFunction() throws {
        let manifest = { (declared: Bool) in
            """
            return { name = "slides", version = "1.0.0", comity = ">=0.1", description = "Slides",
              provides = {
                functions = { \(declared ? "render = { summary = 'Slides', params = { { 'report', 'table', 'the report' } }, returns = { { 'string', 'the slides' } } }" : "") },
                renderers = { slides = "render" },
              } }
            """
        }
        let folder = try workspace([
            "comity.lua": "return { plugins = { slides = {} } }",
            "Plugins/slides/plugin.lua": manifest(false),
            "Plugins/slides/init.lua": "return { render = function(report) return '# ' .. report.title end }",
            "Scripts/reports/short.lua": "return report { title = 'Short', sections = {} }",
        ])
        let refused = try Comity.run(["plugins", "list"], in: folder)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("provides.renderers.slides names 'render', which is not one of its functions"), "\(refused.stdout)")
        try manifest(true).write(to: folder.appendingPathComponent("Plugins/slides/plugin.lua"), atomically: true, encoding: .utf8)
        let rendered = try Comity.run(["report", "short", "--format", "slides"], in: folder)
        #expect(rendered.status == 0, "\(rendered.stderr)")
        #expect(rendered.stdout.hasPrefix("# Short"), "\(rendered.stdout)")
    }
}

extension String {
    /// Runs of spaces as one: a listing's columns, padded to line up, compared by their cells.
    var spacesCollapsed: String { replacingOccurrences(of: " {2,}", with: " ", options: .regularExpression) }
    /// A listing's rows, without its header line.
    var listingRows: String { split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n") }
}
