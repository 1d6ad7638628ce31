import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import LuaBridge
import Testing

/// A workspace folder with plugins under `Plugins/`.
func pluginWorkspace(_ files: [String: String]) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-plugins-\(UUID().uuidString)")
    for (path, text) in files {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("Plugins"), withIntermediateDirectories: true)
    return folder
}

let greetManifest = """
    return {
      name = "greet", version = "1.2.0", comity = ">=0.1, <1", description = "Greets organisations",
      permissions = { "send_mail", secrets = { "GREETING_KEY" } },
      provides = { functions = {
        hello = { summary = "A greeting for an organisation",
                  params = { { "org", "Organisation", "who" }, { "times", "integer?", "how many times" } },
                  returns = { { "string", "the greeting" } } },
      } },
    }
    """
let greetCode = """
    local M = {}
    function M.hello(org, times) return string.rep("Hello, " .. org.name .. "! ", times or 1) end
    return M
    """

@Suite struct PluginTests {
    func catalog(_ files: [String: String]) throws -> (PluginCatalog, APIRegistry, URL) {
        let folder = try pluginWorkspace(files)
        var plugins = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        var api = APIRegistry.core
        plugins.register(into: &api)
        return (plugins, api, folder)
    }

    @Test func aPluginsFunctionsJoinTheRegistryAndRunChecked() throws {
        let (plugins, api, folder) = try catalog([
            "Plugins/greet/plugin.lua": greetManifest, "Plugins/greet/init.lua": greetCode,
            "Scripts/use.lua": """
                local greet = require "greet"
                local o = orgs.create { name = "Memorial", country = "RU", kind = 22 }
                print(greet.hello(o, 2))
                print(select(2, pcall(greet.hello, "Memorial")))
                print(select(2, pcall(greet.hello, o, 1, 2)))
                """,
        ])
        let greet = try #require(plugins.plugin(named: "greet"))
        #expect(greet.isLoaded)
        #expect(greet.manifest?.permissions == ["send_mail", "secrets:GREETING_KEY"])
        let function = try #require(api.function(named: "greet.hello"))
        #expect(function.origin == "greet")
        #expect(function.parameters.map(\.type.description) == ["Organisation", "integer?"])
        // The reference and the editor stubs come from the same declaration.
        #expect(api.markdownReference().contains("### `greet.hello(org, times)` → `string`"))
        #expect(api.luaLSStubs().contains("---@param org Organisation"))

        var runner = ScriptRunner(workspace: folder, api: api, store: try SQLiteStore(inMemory: .standard))
        runner.plugins = plugins
        var lines: [String] = []
        let run = runner.run(file: "Scripts/use.lua") { lines.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines == [
            "Hello, Memorial! Hello, Memorial! ",
            "bad argument #1 to 'greet.hello' (Organisation expected, got string)",
            "too many arguments to 'greet.hello' (expected at most 2, got 3)",
        ])
    }

    @Test(arguments: [
        ("return { version = '1.0', comity = '>=0.1', description = 'x' }", "field 'name' is missing"),
        ("return { name = 'p', version = 1, comity = '>=0.1', description = 'x' }", "field 'version' must be a non-empty string (got number)"),
        ("return { name = 'p', version = '1.0', comity = 'soon', description = 'x' }", "comity 'soon' is not a version requirement"),
        ("return { name = 'p', version = '1.0', comity = '>=0.1', description = 'x', permisions = {} }", "no field 'permisions' (did you mean 'permissions'?)"),
        ("return { name = 'p', version = '1.0', comity = '>=0.1', description = 'x', permissions = { 'launch_rockets' } }", "'launch_rockets' is not a permission"),
        ("return { name = 'p', version = '1.0', comity = '>=0.1', description = 'x', provides = { functions = { f = { summary = 's', params = { { 'a', 'Mony' } } } } } }", "'Mony' is not a type of the API (did you mean 'Money'?)"),
        ("return { name = 'p', version = '1.0', comity = '>=0.1', description = 'x', provides = { hooks = {} } }", "provides.hooks is not supported by this version"),
        ("return { name = 'other', version = '1.0', comity = '>=0.1', description = 'x' }", "name 'other' must be the plugin's folder name ('p')"),
        ("return 'p'", "must return the manifest, a table"),
        ("return { name = 'p', version = '1.0' ", "Plugins/p/plugin.lua:1:"),
        ("error('no config')", "Plugins/p/plugin.lua:1: no config"),
        ("return { name = 'p', version = '1.0', comity = '>=2', description = 'x' }", "needs comity >=2, and this is comity 0.1.0"),
    ])
    func aBadManifestIsReportedAndStopsNothingElse(manifest: String, message: String) throws {
        let (plugins, api, _) = try catalog([
            "Plugins/p/plugin.lua": manifest,
            "Plugins/greet/plugin.lua": greetManifest, "Plugins/greet/init.lua": greetCode,
        ])
        let broken = try #require(plugins.plugins.first { $0.name == "p" })
        #expect(!broken.isLoaded)
        #expect(broken.error?.contains(message) == true, "\(broken.error ?? "no error")")
        #expect(plugins.plugin(named: "greet")?.isLoaded == true)
        #expect(api.function(named: "greet.hello") != nil)
    }

    @Test func aPluginCannotReplaceOrExtendTheCoreOrAnotherPlugin() throws {
        let (plugins, api, _) = try catalog([
            "Plugins/grants/plugin.lua": """
                return { name = "grants", version = "1.0", comity = ">=0.1", description = "better awards",
                         provides = { functions = { award = { summary = "award, differently" } } } }
                """,
            "Plugins/time/plugin.lua": """
                return { name = "time", version = "1.0", comity = ">=0.1", description = "more time",
                         provides = { functions = { weeks = { summary = "weeks" } } } }
                """,
        ])
        #expect(plugins.plugins.allSatisfy { !$0.isLoaded })
        #expect(plugins.plugins.first?.error?.contains("the name 'grants' is taken by the API (core); a plugin cannot replace or extend it") == true)
        #expect(api.function(named: "grants.award")?.origin == "core")
        #expect(api.function(named: "time.weeks") == nil)
    }

    @Test func aPluginThatFailsToLoadStopsOnlyTheRunsThatUseIt() throws {
        let (plugins, api, folder) = try catalog([
            "Plugins/shaky/plugin.lua": """
                return { name = "shaky", version = "1.0", comity = ">=0.1", description = "breaks when loaded",
                         provides = { functions = { go = { summary = "goes" }, stay = { summary = "stays" } } } }
                """,
            "Plugins/shaky/init.lua": "local x = nil; return { go = function() return x.y end }\n",
            "Scripts/plain.lua": "print(orgs.count())",
            "Scripts/uses.lua": "local shaky = require 'shaky'\nprint(pcall(shaky.go))\nshaky.stay()",
        ])
        var runner = ScriptRunner(workspace: folder, api: api, store: try SQLiteStore(inMemory: .standard))
        runner.plugins = plugins
        var lines: [String] = []
        #expect(runner.run(file: "Scripts/plain.lua") { lines.append($0) }.succeeded)
        let run = runner.run(file: "Scripts/uses.lua") { lines.append($0) }
        #expect(!run.succeeded)
        #expect(lines.contains { $0.hasPrefix("false") && $0.contains("Plugins/shaky/init.lua:1: attempt to index a nil value") })
        #expect(run.outcome.error?.message.contains("plugin 'shaky' declares 'shaky.stay' in its manifest, but Plugins/shaky/init.lua returns no function 'stay'") == true)
    }

    @Test func versionRequirements() {
        #expect(VersionRequirement(">=0.1")?.isSatisfied(by: "0.1.0") == true)
        #expect(VersionRequirement(">=0.1, <0.2")?.isSatisfied(by: "0.2.0") == false)
        #expect(VersionRequirement(">0.1")?.isSatisfied(by: "0.1.0") == false)
        #expect(VersionRequirement("=0.1.0")?.isSatisfied(by: "0.1") == true)
        #expect(VersionRequirement("0.1.0")?.isSatisfied(by: "0.1.0") == true)
        #expect(VersionRequirement("<=1")?.isSatisfied(by: "1.0.1") == false)
        #expect(VersionRequirement("soon") == nil)
        #expect(VersionRequirement(">=1.x") == nil)
    }
}

@Suite struct PluginPermissionTests {
    static let mailer = """
        return { name = "mailer", version = "1.0", comity = ">=0.1", description = "sends and reads",
                 permissions = { "send_mail", secrets = { "MAILER_KEY" } },
                 provides = { functions = {
                   send = { summary = "sends" }, inbox = { summary = "lists the inbox" }, key = { summary = "the key" },
                 } } }
        """
    static let mailerCode = """
        return {
          send = function() return mail.send { to = "a@example.org", subject = "s", body = "b" } end,
          inbox = function() return #inbox.files() end,
          key = function() return secrets.get("MAILER_KEY") end,
        }
        """

    func run(_ script: String, grants: [String: Set<String>], secretsFile: String? = nil, mode: Int = 0o600) throws -> (ScriptRun, [String]) {
        let folder = try pluginWorkspace([
            "Plugins/mailer/plugin.lua": Self.mailer, "Plugins/mailer/init.lua": Self.mailerCode, "Scripts/use.lua": script,
        ])
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        if let secretsFile {
            let file = folder.appendingPathComponent(".comity/secrets")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try secretsFile.write(to: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
        }
        var plugins = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        plugins.grants = grants
        var api = APIRegistry.core
        plugins.register(into: &api)
        var runner = ScriptRunner(workspace: folder, api: api, store: try SQLiteStore(inMemory: .standard))
        runner.plugins = plugins
        var lines: [String] = []
        let run = runner.run(file: "Scripts/use.lua") { lines.append($0) }
        return (run, lines)
    }

    @Test func whatIsNotGrantedIsRefusedAtCallTimeNamingThePluginAndThePermission() throws {
        let script = """
            local mailer = require "mailer"
            print(select(2, pcall(mailer.send)))
            print(select(2, pcall(mailer.inbox)))
            print(select(2, pcall(mailer.key)))
            print(#inbox.files())   -- the workflow itself needs no grant
            """
        let (refused, lines) = try run(script, grants: [:], secretsFile: "MAILER_KEY=k-123-4567\n")
        #expect(refused.succeeded, "\(refused.outcome.error?.message ?? "")")
        #expect(lines[0].hasSuffix("plugin 'mailer' needs permission \"send_mail\" for mail.send, which comity.lua does not grant it (plugins = { mailer = { \"send_mail\" } })"), "\(lines[0])")
        #expect(lines[1].hasSuffix("plugin 'mailer' called inbox.files, which needs permission \"read_inbox\"; its manifest does not ask for it (permissions = { \"read_inbox\" } in Plugins/mailer/plugin.lua)"), "\(lines[1])")
        #expect(lines[2].hasSuffix("plugin 'mailer' needs permission secrets = { \"MAILER_KEY\" } for secrets.get, which comity.lua does not grant it (plugins = { mailer = { secrets = { \"MAILER_KEY\" } } })"), "\(lines[2])")
        #expect(lines[3] == "0")

        let (granted, grantedLines) = try run(
            "local mailer = require 'mailer'\nprint(mailer.send())\nprint(mailer.key() == 'k-123-4567')",
            grants: ["mailer": ["send_mail", "secrets:MAILER_KEY"]], secretsFile: "MAILER_KEY=k-123-4567\n")
        #expect(granted.succeeded, "\(granted.outcome.error?.message ?? "")")
        #expect(grantedLines.last == "true")
    }

    @Test func secretsStayOutOfLogsErrorsAndOutput() throws {
        let script = """
            return workflow { name = "leaky", run = function(ctx)
              local key = secrets.get("MAILER_KEY")
              print("key is " .. key)
              ctx.log("using " .. key)
              error("failed with " .. key)
            end }
            """
        let (run, lines) = try run(script, grants: [:], secretsFile: "# keys\nMAILER_KEY=s3cr3t-value\n")
        #expect(!run.succeeded)
        #expect(lines == ["key is [secret MAILER_KEY]"])
        #expect(run.record.log == ["using [secret MAILER_KEY]"])
        #expect(run.record.error?.contains("failed with [secret MAILER_KEY]") == true)
        #expect(run.outcome.error?.message.contains("s3cr3t") == false)
        #expect(!(run.record.traceback ?? "").contains("s3cr3t"))
    }

    @Test func aSecretsFileOthersCanReadIsRefused() throws {
        let (openFile, _) = try run("print(secrets.get('MAILER_KEY'))", grants: [:], secretsFile: "MAILER_KEY=v\n", mode: 0o644)
        #expect(openFile.outcome.error?.message.contains("can be read by others (mode 644)") == true, "\(openFile.outcome.error?.message ?? "")")
        let (missing, _) = try run("print(secrets.get('OTHER'))", grants: [:], secretsFile: "MAILER_KEY=v\n")
        #expect(missing.outcome.error?.message.contains("secret 'OTHER' is not set") == true)
        #expect(missing.outcome.error?.message.contains("MAILER_KEY=v") == false)
    }
}

@Suite struct NativePluginTests {
    struct Impostor: ComityPlugin {
        let name = "impostor"
        let version = "1.0"
        func functions() -> [APIFunction] {
            [APIFunction("grants.approve", summary: "sneaks into the core", origin: name, implementation: { _, _ in .none })]
        }
    }

    @Test func aNativePluginsFunctionsJoinTheRegistryAndRun() throws {
        var api = APIRegistry.core
        try api.register(OrgIDNativePlugin())
        #expect(api.function(named: "orgid.parse")?.origin == "orgid")
        #expect(api.markdownReference().contains("### `orgid.parse(identifier)`"))
        #expect(api.luaLSStubs().contains("function orgid.parse(identifier)"))
        let folder = try pluginWorkspace(["Scripts/ids.lua": """
            local orgid = require "orgid"
            local id = orgid.parse("GB-CHC-1090095")
            print(id.prefix, id.id, id.register ~= nil, id.coverage[1])
            print(orgid.parse("nonsense"))
            print(select(2, pcall(orgid.parse, {})))
            """])
        let runner = ScriptRunner(workspace: folder, api: api)
        var lines: [String] = []
        let run = runner.run(file: "Scripts/ids.lua") { lines.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.first == "GB-CHC\t1090095\ttrue\tGB")
        #expect(lines.dropFirst().first?.hasPrefix("nil\t") == true)
        #expect(lines.last == "bad argument #1 to 'orgid.parse' (string expected, got table)")
        // Registered twice, or reaching into the core: refused, nothing added.
        #expect(throws: DomainError.self) { try api.register(OrgIDNativePlugin()) }
        var core = APIRegistry.core
        #expect(throws: DomainError.self) { try core.register(Impostor()) }
        #expect(core.function(named: "grants.approve") == nil)
    }

    @Test func aPluginsCodeRequiresOnlyItsOwnModules() throws {
        let folder = try pluginWorkspace([
            "Plugins/tidy/plugin.lua": """
                return { name = "tidy", version = "1.0", comity = ">=0.1", description = "tidies",
                         provides = { functions = { name = { summary = "a tidy name", params = { { "text", "string", "" } },
                                                             returns = { { "string", "" } } },
                                                    peek = { summary = "reaches out" } } } }
                """,
            "Plugins/tidy/init.lua": """
                local text = require "tidy.text"
                return { name = function(s) return text.trim(s) end, peek = function() return require "lib.secret" end }
                """,
            "Plugins/tidy/text.lua": "return { trim = function(s) return (s:gsub('^%s+', ''):gsub('%s+$', '')) end }",
            "Scripts/lib/secret.lua": "return 'a workflow module'",
            "Scripts/use.lua": """
                local tidy = require "tidy"
                print(tidy.name("  Memorial  "))
                print(select(2, pcall(tidy.peek)))
                print(require "lib.secret")
                """,
        ])
        var plugins = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        var api = APIRegistry.core
        plugins.register(into: &api)
        var runner = ScriptRunner(workspace: folder, api: api)
        runner.plugins = plugins
        var lines: [String] = []
        let run = runner.run(file: "Scripts/use.lua") { lines.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines == [
            "Memorial",
            "Plugins/tidy/init.lua:2: plugin 'tidy' may require only its own modules ('tidy' and 'tidy.*'), not 'lib.secret'",
            "a workflow module",
        ])
    }
}

/// The plugins shipped in the repository's `Plugins/`, in a workspace of their own.
@Suite struct ShippedPluginTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func run(_ script: String, now: String = "2026-01-10T00:00:00Z", drain: Bool = false) throws -> (ScriptRun, [String]) {
        let folder = try pluginWorkspace([
            "comity.lua": "return { time_zone = 'UTC' }", "Scripts/use.lua": script,
            "Scripts/count.lua": "print(tasks.count { kind = 'compliance' })",
        ])
        for name in ["sdg", "compliance"] {
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("Plugins/\(name)"),
                                             to: folder.appendingPathComponent("Plugins/\(name)"))
        }
        let workspace = try Workspace.load(folder)
        let (plugins, api) = workspace.pluginsAndAPI()
        let errors = plugins.plugins.compactMap(\.error)
        #expect(errors.isEmpty, "\(errors)")
        var runner = ScriptRunner(workspace: folder, now: try Timestamp(parsing: now), api: api,
                                  store: try SQLiteStore(inMemory: workspace.schema))
        runner.plugins = plugins
        var lines: [String] = []
        let run = runner.run(file: "Scripts/use.lua") { lines.append($0) }
        if drain {
            for queued in try TriggerQueue(runner: runner).drain(output: { lines.append($0) }) {
                lines.append("\(queued.workflowName ?? "?"): \(queued.record.outcome.rawValue) \(queued.record.log.joined(separator: "; "))")
            }
            var count = runner
            count.now = nil
            _ = count.run(file: "Scripts/count.lua") { lines.append($0) }
        }
        return (run, lines)
    }

    @Test func compliancesWorkflowHooksGrantAwards() throws {
        let (run, lines) = try run("""
            local us = orgs.create { name = "US Fund", country = "US", kind = 60 }
            local ru = orgs.create { name = "Memorial", country = "RU", kind = 22 }
            local g = grants.create { title = "Archive", funder = us, recipient = ru }
            grants.submit(g)
            grants.award(g, { amount_awarded = money(5000, "USD") })
            """, drain: true)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(run.queued == 1)
        #expect(lines == ["compliance-track: succeeded 2 obligation(s) to track for 'Archive'", "2"])
    }

    @Test func sdgTagsRecordsAndReportsGrantsByGoal() throws {
        let (run, lines) = try run("""
            local sdg = require "sdg"
            local fund = orgs.create { name = "Fund", country = "RU", kind = 60 }
            local school = orgs.create { name = "School", country = "RU", kind = 22 }
            print(table.concat(sdg.tag(school, { 10, 4 }), ","), table.concat(sdg.tag(school, { 4, 5 }), ","))
            for i, goal in ipairs { 4, 4, 13 } do
              local g = grants.create { title = "G" .. i, funder = fund, recipient = school }
              grants.submit(g); grants.award(g, { amount_awarded = money(1000, "RUB") })
              sdg.tag(g, { goal })
            end
            print(sdg.title(13), #sdg.goals(), select(2, pcall(sdg.title, 18)))
            local r = sdg.report()
            for _, row in ipairs(r.sections[1].table.rows) do print(table.concat({ row[1], row[2], row[3], row[4] }, " | ")) end
            return r
            """)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines == [
            "4,10\t4,5,10",
            "Climate action\t17\tsdg: '18' is not a goal (goals are numbered 1 to 17)",
            "4 | Quality education | 2 | 2,000.00 RUB",
            "13 | Climate action | 1 | 1,000.00 RUB",
        ])
        #expect(run.report?.title == "Grants by Sustainable Development Goal")
    }

    @Test func complianceFlagsCrossBorderGrantsAndTracksTheirObligationsOnce() throws {
        let (run, lines) = try run("""
            local compliance = require "compliance"
            local us = orgs.create { name = "US Fund", country = "US", kind = 60 }
            local ru = orgs.create { name = "Memorial", country = "RU", kind = 22 }
            local de = orgs.create { name = "Verein", country = "DE", kind = 22 }
            local ru2 = orgs.create { name = "Civic Russia", country = "RU", kind = 22 }
            local home = grants.create { title = "Local", funder = ru, recipient = ru2 }
            local abroad = grants.create { title = "Archive", funder = us, recipient = ru }
            local other = grants.create { title = "Library", funder = us, recipient = de }
            print(compliance.check(home))
            print(compliance.check(abroad))
            print(compliance.track(home), compliance.track(abroad), compliance.track(abroad), compliance.track(other))
            for t in tasks.find { kind = "compliance", order_by = "due" } do print(t.title, t.due) end
            print(abroad.cross_border, home.cross_border)
            """)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines == [
            "false\tFunder and recipient are both registered in RU.",
            "true\tThe funder is registered in US and the recipient in RU.",
            "0\t2\t0\t1",
            "Record the funds received from abroad separately in the accounts: Archive\t2026-02-09T00:00:00Z",
            "Include the funds received from abroad in the next report to the registering authority: Archive\t2026-04-10T00:00:00Z",
            "Note the funds received from abroad in the annual report: Library\t2027-01-10T00:00:00Z",
            "true\tfalse",
        ])
    }
}

@Suite struct PluginIsolationTests {
    @Test func aPluginCannotReplaceOrWrapACoreFunctionAtRunTime() throws {
        let folder = try pluginWorkspace([
            "Plugins/wrapper/plugin.lua": """
                return { name = "wrapper", version = "1.0", comity = ">=0.1", description = "wraps awards",
                         provides = { functions = { install = { summary = "wraps grants.award" } } } }
                """,
            "Plugins/wrapper/init.lua": """
                return { install = function()
                  local original = grants.award
                  grants.award = function(...) print("wrapped") return original(...) end
                end }
                """,
            "Scripts/use.lua": """
                local wrapper = require "wrapper"
                print(select(2, pcall(wrapper.install)))
                print(select(2, pcall(function() time.days = nil end)))
                print(type(grants.award), type(time.days))
                """,
        ])
        var plugins = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        var api = APIRegistry.core
        plugins.register(into: &api)
        var runner = ScriptRunner(workspace: folder, api: api)
        runner.plugins = plugins
        var lines: [String] = []
        let run = runner.run(file: "Scripts/use.lua") { lines.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines == [
            "Plugins/wrapper/init.lua:3: library table 'grants' cannot be changed by a script",
            "Scripts/use.lua:3: library table 'time' cannot be changed by a script",
            "function\tfunction",
        ])
    }
}

@Suite struct DuplicatePluginTests {
    /// A second folder declaring a name that is taken is refused with the reason; the
    /// first keeps its name and its functions.
    @Test func twoPluginsWithTheSameName() throws {
        let folder = try pluginWorkspace([
            "Plugins/greet/plugin.lua": greetManifest, "Plugins/greet/init.lua": greetCode,
            "Plugins/greet2/plugin.lua": greetManifest, "Plugins/greet2/init.lua": greetCode,
        ])
        var plugins = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        var api = APIRegistry.core
        plugins.register(into: &api)
        #expect(plugins.plugins.map(\.isLoaded) == [true, false])
        #expect(plugins.plugins.last?.error == "Plugins/greet2/plugin.lua: name 'greet' must be the plugin's folder name ('greet2')")
        #expect(api.functions.filter { $0.origin == "greet" }.map(\.name) == ["greet.hello"])
    }
}
