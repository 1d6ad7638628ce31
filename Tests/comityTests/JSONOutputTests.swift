import Foundation
import Testing

/// Every `--json` the command line has, found in its own command tree (so that a new
/// command cannot escape), run on a workspace where each has something to show: every
/// key at every depth is snake_case, as the Lua API's names are.
@Suite struct JSONOutputTests {
    static let files = [
        "comity.lua": "return { time_zone = 'UTC' }",
        "Scripts/award.lua": """
            return workflow {
              name = "award",
              params = { amount_major = { type = "integer", default = 5000, description = "In roubles" } },
              run = function(ctx)
                local f = orgs.create { name = "Funder", country = "RU" }
                local r = orgs.create { name = "Recipient", country = "RU" }
                local g = grants.create { title = "Library", funder = f, recipient = r }
                grants.submit(g)
                grants.award(g, { amount_awarded = money(ctx.params.amount_major, "RUB") })
                mail.send { to = "board@example.org", subject = "Awarded", body = "Library", about = g }
                ctx.log("awarded", g)
              end,
            }
            """,
        "Scripts/thank.lua": """
            return workflow { name = "thank", on = { "grant.awarded" },
              retry = { attempts = 3, backoff = "fixed", delay = "1h" },
              run = function(ctx) error("not yet") end }
            """,
        "Scripts/digest.lua": """
            return workflow { name = "digest", schedule = "0 8 * * *", catch_up = "latest",
              run = function(ctx) print("digest") end }
            """,
        "Scripts/award_spec.lua": """
            describe("award", function()
              it("awards", function()
                local run = run_workflow("Scripts/award.lua", {})
                expect(run.outcome).to_equal("succeeded")
              end)
            end)
            """,
        "Plugins/greet/plugin.lua": """
            return { name = "greet", version = "1.0.0", comity = ">=0.1", description = "Greets",
              provides = { functions = { hello = { summary = "A greeting", params = { { "name", "string", "who" } },
                                                   returns = { { "string", "the greeting" } } } } } }
            """,
        "Plugins/greet/init.lua": "return { hello = function(name) return 'hello ' .. name end }",
    ]

    /// Each command with `--json`, by its path, with the arguments that give it something to show.
    static func invocations(runID: String) -> [String: [String]] {
        [
            "workflows": ["workflows", "--json"],
            "runs": ["runs", "--json"],
            "runs list": ["runs", "list", "--json"],
            "runs show": ["runs", "show", runID, "--json"],
            "queue status": ["queue", "status", "--json"],
            "queue run": ["queue", "run", "--json"],
            "schedule list": ["schedule", "list", "--json"],
            "tick": ["tick", "--now", "2030-01-03T09:00:00Z", "--json"],
            "plugins list": ["plugins", "list", "--json"],
            "test": ["test", "--json"],
            "outbox list": ["outbox", "list", "--json"],
            "outbox": ["outbox", "--json"],
            "worker status": ["worker", "status", "--json"],
        ]
    }

    /// The paths of the commands that take `--json`, from `--experimental-dump-help`.
    static func commandsWithJSON(in folder: URL) throws -> [String] {
        let dump = try Comity.run(["--experimental-dump-help"], in: folder)
        let tool = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var found: [String] = []
        func walk(_ command: [String: Any], _ path: [String], isParentsDefault: Bool) {
            let arguments = command["arguments"] as? [[String: Any]] ?? []
            let hasJSON = arguments.contains { argument in
                (argument["names"] as? [[String: Any]] ?? []).contains { $0["kind"] as? String == "long" && $0["name"] as? String == "json" }
            }
            if hasJSON {
                found.append(path.joined(separator: " "))
                // A default subcommand is also run by its parent's name (`comity runs --json`).
                if isParentsDefault { found.append(path.dropLast().joined(separator: " ")) }
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                guard let name = sub["commandName"] as? String, name != "help" else { continue }
                walk(sub, path + [name], isParentsDefault: command["defaultSubcommand"] as? String == name)
            }
        }
        walk(try #require(tool["command"] as? [String: Any]), [], isParentsDefault: false)
        return found.sorted()
    }

    /// The keys of `value` at every depth that are not snake_case, with where they are.
    static func badKeys(_ value: Any, at path: String = "") -> [String] {
        if let object = value as? [String: Any] {
            return object.flatMap { key, inner -> [String] in
                let snake = key.range(of: "^[a-z][a-z0-9]*(_[a-z0-9]+)*$", options: .regularExpression) != nil
                return (snake ? [] : ["\(path).\(key)"]) + badKeys(inner, at: "\(path).\(key)")
            }
        }
        if let array = value as? [Any] { return array.enumerated().flatMap { badKeys($1, at: "\(path)[\($0)]") } }
        return []
    }

    /// How many objects `value` holds at any depth: an empty listing would pass vacuously.
    static func objectCount(_ value: Any) -> Int {
        if let object = value as? [String: Any] { return 1 + object.values.map(objectCount).reduce(0, +) }
        if let array = value as? [Any] { return array.map(objectCount).reduce(0, +) }
        return 0
    }

    @Test func everyJSONOutputIsSnakeCaseAtEveryDepth() throws {
        let folder = try workspace(Self.files)
        try "return { time_zone = 'UTC', plugins = { greet = {} } }".write(
            to: folder.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        let awarded = try Comity.run(["run", "Scripts/award.lua"], in: folder)
        #expect(awarded.status == 1, "\(awarded.stderr)") // its triggered run fails, and waits for a retry
        // The schedule is taken up by one tick and has a slot due by the next.
        #expect(try Comity.run(["tick", "--now", "2030-01-01T09:00:00Z"], in: folder).status == 0)
        let runs = try Comity.run(["runs", "--json"], in: folder)
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])
        let runID = try #require(listed.first { $0["workflow"] as? String == "award" }?["id"] as? String)

        let commands = try Self.commandsWithJSON(in: folder)
        let invocations = Self.invocations(runID: runID)
        #expect(commands.count >= 10, "\(commands)")
        for command in commands {
            guard let arguments = invocations[command] else {
                Issue.record("`comity \(command)` has --json: add it to this test's invocations")
                continue
            }
            let result = try Comity.run(arguments, in: folder)
            let value = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
            #expect(Self.badKeys(value).isEmpty, "comity \(arguments.joined(separator: " ")): \(Self.badKeys(value))")
            if command != "queue run" { // nothing is due: its retry waits an hour
                #expect(Self.objectCount(value) > 0, "comity \(arguments.joined(separator: " ")) showed nothing: \(result.stdout)\(result.stderr)")
            }
        }
        // The two the issue named, by their new names.
        let workflows = try Comity.run(["workflows", "--json"], in: folder).stdout
        #expect(workflows.contains("\"default_value\" : \"5000\""), "\(workflows)")
        let schedules = try Comity.run(["schedule", "list", "--json"], in: folder).stdout
        #expect(schedules.contains("\"next_slot\""), "\(schedules)")
        // A run's parameters are data: their names are kept as given, whatever their case.
        try "return workflow { name = 'camel', params = { dayCount = 'integer' }, run = function() end }".write(
            to: folder.appendingPathComponent("Scripts/camel.lua"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["run", "Scripts/camel.lua", "--param", "dayCount=7"], in: folder).status == 0)
        let camel = try Comity.run(["runs", "--json", "--workflow", "camel"], in: folder).stdout
        #expect(camel.contains("\"dayCount\" : \"7\""), "\(camel)")
    }
}

/// On a workspace with nothing to list, each listing is `[]`, not the `[`, blank line
/// and `]` Foundation's pretty printer writes on Linux.
@Suite struct EmptyJSONOutputTests {
    @Test(arguments: [["runs", "--json"], ["schedule", "list", "--json"], ["tick", "--json"], ["outbox", "list", "--json"],
                      ["plugins", "list", "--json"], ["workflows", "--json"], ["queue", "run", "--json"]])
    func anEmptyListingIsTwoBrackets(arguments: [String]) throws {
        let folder = try workspace(["comity.lua": "return { time_zone = 'UTC' }"])
        let result = try Comity.run(arguments, in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "[]\n", "\(arguments.joined(separator: " ")) printed \(result.stdout.debugDescription)")
    }
}
