import Foundation
import Testing

/// `comity check`, on a fixture with one mistake per marked line, and on the shipped
/// scripts and plugins in a workspace like the demo's.
@Suite struct CheckCommandTests {
    @Test func eachMistakeIsFoundWithItsLineAndNothingElse() throws {
        let fixture = Comity.packageRoot.appendingPathComponent("Tests/Fixtures/check/mistakes.lua")
        let text = try String(contentsOf: fixture, encoding: .utf8)
        let marked = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { $0.element.contains("--!") && !$0.element.hasPrefix("--") }.map { $0.offset + 1 }
        let folder = try workspace(["comity.lua": "return {}", "Scripts/mistakes.lua": text])
        let checked = try Comity.run(["check", "Scripts/mistakes.lua"], in: folder)
        #expect(checked.status == 1)
        let lines = checked.stdout.split(separator: "\n").map(String.init)
        #expect(lines.compactMap { Int($0.split(separator: ":")[1]) } == marked, "\(checked.stdout)")
        #expect(lines.contains("Scripts/mistakes.lua:9: Grant has no field 'titel' (did you mean 'title'?)"))
        #expect(lines.contains("Scripts/mistakes.lua:10: unknown API function 'grants.awrd' (did you mean 'grants.award'?)"))
        #expect(lines.contains("Scripts/mistakes.lua:11: too many arguments to 'grants.award' (expected at most 2, got 3)"))
        #expect(lines.contains("Scripts/mistakes.lua:12: bad argument #1 to 'time.days' (integer expected, got string)"))
        #expect(lines.contains { $0.hasPrefix("Scripts/mistakes.lua:13: missing argument #1") })
        #expect(lines.contains("Scripts/mistakes.lua:16: unknown name 'orgz' (did you mean 'orgs'?)"))
        #expect(lines.contains("Scripts/mistakes.lua:17: unknown name 'prnt' (did you mean 'print'?)"))
        #expect(checked.stderr.contains("9 finding(s) in 1 of 1 file(s)"))

        let broken = try workspace(["comity.lua": "return {}", "Scripts/broken.lua": "local x = \nprint(x"])
        let syntax = try Comity.run(["check", "Scripts/broken.lua"], in: broken)
        #expect(syntax.status == 1)
        #expect(syntax.stdout.hasPrefix("Scripts/broken.lua:2: syntax:"), "\(syntax.stdout)")
    }

    /// What only reading a declaration tells (a limit that is no duration, a schedule
    /// that is not cron, a name holding an escape sequence) is found too, at the line of
    /// `workflow`; a mistake the tokens show already is not said twice.
    @Test func aWorkflowsDeclarationIsReadAsARunWouldReadIt() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "Scripts/timeout.lua": "-- nightly\nreturn workflow {\n  name = 'nightly',\n  limits = { timeout = '0' },\n  run = function(ctx) end,\n}\n",
            "Scripts/cron.lua": "return workflow { name = 'weekly', schedule = '0 8 * * 8', run = function(ctx) end }\n",
            "Scripts/name.lua": "return workflow { name = 'a\\27[2Jb', run = function(ctx) end }\n",
            "Scripts/field.lua": "return workflow { name = 'w', shedule = '* * * * *', run = function(ctx) end }\n",
            "Scripts/fine.lua": "return workflow { name = 'fine', schedule = '0 8 * * 1', limits = { timeout = '30s' }, run = function(ctx) end }\n",
        ])
        let files = ["timeout", "cron", "name", "field", "fine"].map { "Scripts/\($0).lua" }
        let checked = try Comity.run(["check"] + files, in: folder)
        #expect(checked.status == 1)
        let lines = checked.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("Scripts/timeout.lua:2: workflow 'nightly': limits.timeout '0' is not a duration such as 30s, 5m, 2h or 7d"),
                "\(checked.stdout)")
        #expect(lines.contains { $0.hasPrefix("Scripts/cron.lua:1: workflow 'weekly': schedule: invalid cron expression '0 8 * * 8'") },
                "\(checked.stdout)")
        #expect(lines.contains { $0.hasPrefix("Scripts/name.lua:1: workflow: field 'name' \"aU+001B[2Jb\" holds the invisible character U+001B") },
                "\(checked.stdout)")
        #expect(lines.filter { $0.contains("shedule") }.count == 1, "\(checked.stdout)")
        #expect(!lines.contains { $0.contains("fine.lua") }, "\(checked.stdout)")
        #expect(!checked.stdout.contains("\u{1B}"))
        #expect(checked.stderr.contains("4 finding(s) in 4 of 5 file(s)"), "\(checked.stderr)")
    }

    @Test func theShippedScriptsAndPluginsPass() throws {
        let folder = try workspace([:], configured: false)
        let root = Comity.packageRoot
        for item in ["Scripts", "Plugins"] {
            try FileManager.default.copyItem(at: root.appendingPathComponent(item), to: folder.appendingPathComponent(item))
        }
        try FileManager.default.copyItem(at: root.appendingPathComponent("Scripts/demo/comity.lua"), to: folder.appendingPathComponent("comity.lua"))
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".lua") && $0 != "comity.lua" }
        #expect(files.count > 20)
        let checked = try Comity.run(["check"] + files.sorted(), in: folder)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stdout.isEmpty)
    }

    /// Each way the README calls the API, with one mistake (the line marked `--!`, whose
    /// finding must contain the text given) and the same call written right (no finding).
    static let ways: [(way: String, script: String, finding: String)] = [
        ("a global function with too few arguments", "print(money())  --!\nprint(money(\"1.00 RUB\"))",
         "missing argument #1 'amount'"),
        ("a global function with too many arguments", "print(money(1, \"RUB\", \"extra\"))  --!\nprint(money(1, \"RUB\"))",
         "too many arguments to 'money' (expected at most 2, got 3)"),
        ("a namespaced call", "grants.awrd(1)  --!\ngrants.award(1, {})",
         "unknown API function 'grants.awrd' (did you mean 'grants.award'?)"),
        ("a local alias of a namespace", "local g = grants\ng.awrd(1)  --!\ng.award(1, {})",
         "unknown API function 'grants.awrd' (did you mean 'grants.award'?)"),
        ("arguments through an alias", "local g = grants\ng.award(1, {}, 3)  --!\ng.award(1, {})",
         "too many arguments to 'grants.award' (expected at most 2, got 3)"),
        ("a plugin required as the README shows", "local hello = require \"hello\"\nprint(hello.hii(\"x\"))  --!\nprint(hello.hi(\"x\"))",
         "unknown API function 'hello.hii' (did you mean 'hello.hi'?)"),
        ("a module in Scripts/ built up in a local table", "local greet = require \"greet\"\nprint(greet.helo(o))  --!\nprint(greet.hello(o), greet.bye(o))",
         "module 'greet' (Scripts/greet.lua) has no field 'helo' (did you mean 'hello'?)"),
        ("a module in Scripts/ returning a table", "local helpers = require(\"helpers\")\nhelpers.thnak(1)  --!\nhelpers.thank(helpers.count)",
         "module 'helpers' (Scripts/helpers.lua) has no field 'thnak' (did you mean 'thank'?)"),
        ("a method of an API type", "local t = time.now()\nprint(t:fromat(\"%Y\"))  --!\nprint(t:format(\"%Y\"), t:in_zone(\"UTC\"))",
         "Time has no method 'fromat' (did you mean 'format'?)"),
        ("a field of an API type", "local m = money(\"1.00 RUB\")\nprint(m.amont)  --!\nprint(m.amount, m.currency)",
         "Money has no field 'amont' (did you mean 'amount'?)"),
        ("a record's field", "local o = orgs.get(1)\nprint(o.contry)  --!\nprint(o.country)",
         "Organisation has no field 'contry' (did you mean 'country'?)"),
        ("ctx in a workflow's run", "return workflow { name = 'w', run = function(ctx)\n  ctx.lgo(\"x\")  --!\n  ctx.log(ctx.params.n, ctx.trigger.kind, ctx.run_id, ctx.dry_run)\nend }",
         "ctx has no field 'lgo' (did you mean 'log'?)"),
    ]

    @Test(arguments: ways.indices)
    func everyWayOfCallingIsChecked(_ index: Int) throws {
        let (way, script, finding) = Self.ways[index]
        let folder = try workspace([
            "comity.lua": "return { plugins = { hello = {} } }",
            "Scripts/ways.lua": script,
            "Scripts/greet.lua": "local M = {}\nfunction M.hello(org) return 'hello' end\nM.bye = function(org) return 'bye' end\nreturn M\n",
            "Scripts/helpers.lua": "return { thank = function(g) end, count = 3 }\n",
            "Plugins/hello/plugin.lua": """
                return { name = "hello", version = "1.0.0", comity = ">=0.1", description = "Greets",
                  provides = { functions = { hi = { summary = "Hi", params = { { "name", "string", "who" } }, returns = { { "string", "hi" } } } } } }
                """,
            "Plugins/hello/init.lua": "return { hi = function(name) return 'hi ' .. name end }",
        ])
        let marked = script.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("--!") }.map { $0 + 1 }
        let checked = try Comity.run(["check", "Scripts/ways.lua"], in: folder)
        #expect(checked.status == 1, "\(way): \(checked.stdout)\(checked.stderr)")
        let lines = checked.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 1, "\(way): \(checked.stdout)")
        #expect(lines.first?.hasPrefix("Scripts/ways.lua:\(marked ?? 0): ") == true, "\(way): \(checked.stdout)")
        #expect(lines.first?.contains(finding) == true, "\(way): \(checked.stdout)")
    }

    /// What cannot be known is not reported: a module whose table is given computed keys,
    /// an alias bound twice, a value that is not a call's whole result.
    @Test func whatCannotBeKnownIsLeftAlone() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "Scripts/dynamic.lua": "local M = {}\nfor _, k in ipairs({ 'a' }) do M[k] = function() end end\nreturn M\n",
            "Scripts/uses.lua": """
                local d = require "dynamic"
                d.a()
                local g = grants
                g = { awrd = function() end }
                g.awrd()
                local t = time.now() + time.days(1)
                print(t:whatever())
                local money = function() end
                money(1, 2, 3, 4)
                """,
        ])
        let checked = try Comity.run(["check", "Scripts/uses.lua", "Scripts/dynamic.lua"], in: folder)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
    }
}
