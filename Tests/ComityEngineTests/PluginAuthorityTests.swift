import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import LuaBridge
import Testing

/// A plugin's authority is bound to its own code: `evil` (granted nothing) tries every
/// way to run with `vault`'s grants or the workspace's, from Tests/Fixtures/plugins/isolation.
@Suite struct PluginAuthorityTests {
    static let key = "vault-key-0123456789"
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/plugins/isolation")

    func workspace() throws -> (URL, ScriptRunner) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-isolation-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.fixture, to: folder)
        let secrets = folder.appendingPathComponent(".comity/secrets")
        try FileManager.default.createDirectory(at: secrets.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "VAULT_KEY=\(Self.key)\n".write(to: secrets, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secrets.path)
        var plugins = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        let errors = plugins.plugins.compactMap(\.error)
        #expect(errors.isEmpty, "\(errors)")
        plugins.grants = ["vault": ["secrets:VAULT_KEY", "send_mail"]]
        var api = APIRegistry.core
        plugins.register(into: &api)
        var runner = ScriptRunner(workspace: folder, api: api, store: try SQLiteStore(inMemory: .standard))
        runner.plugins = plugins
        return (folder, runner)
    }

    func attack() throws -> [String: String] {
        let (_, runner) = try workspace()
        var lines: [String] = []
        let run = runner.run(file: "Scripts/attack.lua") { lines.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(!lines.joined().contains(Self.key), "\(lines)")
        var byLabel: [String: String] = [:]
        for line in lines {
            guard let colon = line.range(of: ": ") else { continue }
            byLabel[String(line[..<colon.lowerBound])] = String(line[colon.upperBound...])
        }
        return byLabel
    }

    static let refusedForEvil = "plugin 'evil' called secrets.get, which needs permission secrets = { \"VAULT_KEY\" }; its manifest does not ask for it"

    @Test func aCallbackRunsWithItsOwnAuthorityNotTheCallers() throws {
        let lines = try attack()
        #expect(lines["callback"]?.contains(Self.refusedForEvil) == true, "\(lines["callback"] ?? "none")")
        #expect(lines["mail callback"]?.contains("plugin 'evil' called mail.send, which needs permission \"send_mail\"") == true,
                "\(lines["mail callback"] ?? "none")")
    }

    @Test func replacedGlobalsStayInThePluginsOwnEnvironment() throws {
        let lines = try attack()
        #expect(lines["pairs after poison"] == "1, stolen = nil, shared = nil")
        #expect(lines["vault sees pairs"] == "true, shared = nil")
        #expect(lines["params after poison"] == "nil")
    }

    @Test func aClosureCalledLaterByTheWorkspaceKeepsThePluginsAuthority() throws {
        #expect(try attack()["closure later"]?.contains(Self.refusedForEvil) == true)
    }

    @Test func coroutinesAPluginCreatesKeepItsAuthority() throws {
        let lines = try attack()
        #expect(lines["coroutine"]?.contains(Self.refusedForEvil) == true, "\(lines["coroutine"] ?? "none")")
        #expect(lines["own coroutine"]?.contains(Self.refusedForEvil) == true, "\(lines["own coroutine"] ?? "none")")
    }

    @Test func metamethodsOnValuesAPluginReturnsKeepItsAuthority() throws {
        let lines = try attack()
        #expect(lines["__index"]?.contains(Self.refusedForEvil) == true, "\(lines["__index"] ?? "none")")
        #expect(lines["__tostring"]?.contains(Self.refusedForEvil) == true, "\(lines["__tostring"] ?? "none")")
    }

    @Test func codeAPluginLoadsRunsAsThePlugin() throws {
        #expect(try attack()["load"]?.contains(Self.refusedForEvil) == true)
    }

    @Test func aPluginsModuleRunsAsThePluginWhoeverRequiresIt() throws {
        let lines = try attack()
        #expect(lines["require payload"]?.contains(Self.refusedForEvil) == true, "\(lines["require payload"] ?? "none")")
        // A workspace module would hand the plugin the workspace's authority.
        #expect(lines["plugin requires workspace"]?.contains("plugin 'evil' may require only its own modules") == true)
    }

    /// A comparison hands its metamethod both operands: `evil` catches vault's
    /// environment that way, but vault's functions serve vault's code only.
    @Test func aCapabilityThatLeaksRefusesOtherCode() throws {
        let lines = try attack()
        // The environment caught (vault's `_G`) serves vault's code only: none of its
        // functions (`secrets`, `load`, `require`) can be read from it, nothing written.
        for label in ["eq operand", "eq load", "eq require", "eq write"] {
            #expect(lines[label]?.contains("'_G' here belongs to plugin 'vault' (its own values), and serves only its code") == true,
                    "\(label): \(lines[label] ?? "none")")
        }
        #expect(lines["vault's own after eq write"] == "\(Self.key.count)")
        // vault's namespace caught the same way, and the iterator pairs gives for it.
        #expect(lines["eq namespace"]?.contains("'secrets' here belongs to plugin 'vault' (its own values)") == true,
                "\(lines["eq namespace"] ?? "none")")
        #expect(lines["eq iterator"]?.contains("'secrets' here belongs to plugin 'vault' (its own values)") == true,
                "\(lines["eq iterator"] ?? "none")")
        // The function vault handed out: refused from evil's code, and from a coroutine
        // whose body it is (no script's code calls it there).
        let handed = lines["handed out"]?.components(separatedBy: " | ") ?? []
        #expect(handed.count == 2, "\(lines["handed out"] ?? "none")")
        #expect(handed.first?.contains("secrets.get must be called from a script's code") == true, "\(handed)")
        #expect(handed.last?.contains("secrets.get was called from Plugins/evil/init.lua, which is not the code it belongs to (plugin 'vault')") == true,
                "\(handed)")
    }

    /// `coroutine.running()` hands a plugin the workspace's coroutine; resuming it
    /// would run the workspace's code when the plugin chose, and hand it what it yields.
    @Test func aPluginCannotResumeACoroutineItDidNotCreate() throws {
        let line = try attack()["caught coroutine"]
        #expect(line?.contains("coroutine.resume: a plugin may resume or close only the coroutines it created") == true, "\(line ?? "none")")
    }

    @Test func ctxCannotBeChangedByCodeItIsHandedTo() throws {
        let (_, runner) = try workspace()
        var lines: [String] = []
        let run = runner.run(file: "Scripts/ctx.lua") { lines.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        let changes = lines.first?.dropFirst("ctx changes: ".count).components(separatedBy: " | ") ?? []
        #expect(changes.count == 5, "\(lines)")
        #expect(changes.prefix(4).allSatisfy { $0.contains("cannot be changed by a script") }, "\(lines)")
        #expect(changes.last?.contains("ctx.once was called from Plugins/evil/init.lua, which is not the code it belongs to") == true, "\(lines)")
        #expect(lines.last == "days: 14")
    }

    /// Links cannot move code between authorities: a plugin's folder may be a link (it
    /// still runs as the plugin), but a file in it must not lead into another folder,
    /// and files in Plugins/ outside a plugin's folder are no one's code.
    @Test func linksDoNotMoveCodeBetweenAuthorities() throws {
        let (folder, runner) = try workspace()
        let plugins = folder.appendingPathComponent("Plugins")
        let fm = FileManager.default
        // The plugin's own folder, linked from elsewhere: its workflow still runs as evil.
        let elsewhere = folder.deletingLastPathComponent().appendingPathComponent("evil-src-\(UUID().uuidString)")
        try fm.moveItem(at: plugins.appendingPathComponent("evil"), to: elsewhere)
        try fm.createSymbolicLink(at: plugins.appendingPathComponent("evil"), withDestinationURL: elsewhere)
        let linked = runner.run(file: "Plugins/evil/harvest.lua") { _ in }
        #expect(linked.outcome.error?.message.contains(Self.refusedForEvil) == true, "\(linked.outcome.error?.message ?? "")")
        // A file of evil's that leads into vault's folder, to a module vault has loaded.
        try fm.createSymbolicLink(at: elsewhere.appendingPathComponent("vaultlib.lua"),
                                  withDestinationURL: plugins.appendingPathComponent("vault/keys.lua"))
        // Code in Plugins/ outside any plugin's folder.
        try fm.createDirectory(at: plugins.appendingPathComponent("loose"), withIntermediateDirectories: true)
        try "return secrets.get('VAULT_KEY')".write(to: plugins.appendingPathComponent("loose/steal.lua"), atomically: true, encoding: .utf8)
        try "return secrets.get('VAULT_KEY')".write(to: plugins.appendingPathComponent("loose.lua"), atomically: true, encoding: .utf8)
        try """
            print(vault.key_length() > 0 and select(2, pcall(require, "evil.vaultlib")))
            print(select(2, pcall(require, "loose.steal")))
            print(select(2, pcall(require, "loose")))
            """.write(to: folder.appendingPathComponent("Scripts/links.lua"), atomically: true, encoding: .utf8)
        var lines: [String] = []
        let run = runner.run(file: "Scripts/links.lua") { lines.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.count == 3)
        #expect(lines.first?.contains("is plugin 'evil''s code but resolves outside its folder") == true, "\(lines)")
        #expect(lines.dropFirst().allSatisfy { $0.contains("is not in a plugin's folder: Plugins/ holds plugins only") }, "\(lines)")
    }

    /// The Plugins folder itself may be a link: chunk names still say Plugins/NAME/, so
    /// each plugin keeps its own grants.
    @Test func aLinkedPluginsFolderKeepsEachPluginsAuthority() throws {
        let (folder, runner) = try workspace()
        let plugins = folder.appendingPathComponent("Plugins")
        let elsewhere = folder.deletingLastPathComponent().appendingPathComponent("plugins-\(UUID().uuidString)")
        try FileManager.default.moveItem(at: plugins, to: elsewhere)
        try FileManager.default.createSymbolicLink(at: plugins, withDestinationURL: elsewhere)
        var lines: [String] = []
        let run = runner.run(file: "Scripts/attack.lua") { lines.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.contains("vault's own: \(Self.key.count)"), "\(lines)")
        #expect(lines.first { $0.hasPrefix("callback: ") }?.contains(Self.refusedForEvil) == true, "\(lines)")
    }

    /// A spec runs with the workspace's authority: one in a plugin's folder is refused.
    @Test func aSpecInAPluginsFolderIsRefused() throws {
        let (folder, _) = try workspace()
        let spec = folder.appendingPathComponent("Plugins/evil/steal_spec.lua")
        try "describe('x', function() it('y', function() end) end)".write(to: spec, atomically: true, encoding: .utf8)
        let runner = SpecRunner(workspace: folder) { try SQLiteStore(inMemory: .standard) }
        let results = runner.run(file: spec, shownAs: "Plugins/evil/steal_spec.lua")
        #expect(results.count == 1 && results.first?.passed == false)
        #expect(results.first?.failure?.contains("is in plugin 'evil''s folder: a spec runs with the workspace's authority") == true,
                "\(results)")
    }

    @Test func aPluginsWorkflowCannotTakeAWorkspaceWorkflowsName() throws {
        let (folder, runner) = try workspace()
        try """
            return workflow { name = "thank", run = function(ctx) print(ctx.once("k1", function() end)) end }
            """.write(to: folder.appendingPathComponent("Plugins/evil/thank.lua"), atomically: true, encoding: .utf8)
        var lines: [String] = []
        let run = runner.run(file: "Plugins/evil/thank.lua") { lines.append($0) }
        #expect(lines.isEmpty)
        #expect(run.outcome.error?.message.contains("a workflow of plugin 'evil' must be named 'evil' or 'evil-...', not 'thank'") == true,
                "\(run.outcome.error?.message ?? "")")
    }

    /// Reading what workflows there are runs each script's top level: a plugin's is read
    /// as the plugin, with its name rule, as it will run.
    @Test func aPluginsWorkflowIsReadAsThePlugin() throws {
        let (folder, _) = try workspace()
        try """
            local ok, err = pcall(require, "helpers")
            return workflow { name = ok and "evil-top" or error(err, 0), run = function() end }
            """.write(to: folder.appendingPathComponent("Plugins/evil/top.lua"), atomically: true, encoding: .utf8)
        try """
            return workflow { name = "thank", run = function() end }
            """.write(to: folder.appendingPathComponent("Plugins/evil/thank.lua"), atomically: true, encoding: .utf8)
        let catalog = WorkflowCatalog.load(workspace: folder, pluginWorkflows: ["Plugins/evil/top.lua", "Plugins/evil/thank.lua", "Plugins/evil/harvest.lua"])
        let byFile = Dictionary(uniqueKeysWithValues: catalog.workflows.map { ($0.file, $0) })
        #expect(byFile["Plugins/evil/top.lua"]?.error?.contains("plugin 'evil' may require only its own modules") == true,
                "\(byFile["Plugins/evil/top.lua"]?.error ?? "no error")")
        #expect(byFile["Plugins/evil/thank.lua"]?.error?.contains("must be named 'evil' or 'evil-...', not 'thank'") == true,
                "\(byFile["Plugins/evil/thank.lua"]?.error ?? "no error")")
        #expect(byFile["Plugins/evil/harvest.lua"]?.error == nil)
        #expect(byFile["Plugins/evil/harvest.lua"]?.name == "evil-harvest")
    }

    @Test(arguments: ["table", "pairs", "print", "params", "expect"])
    func aPluginCannotTakeTheNameOfAGlobal(name: String) throws {
        let folder = try pluginWorkspace([
            "Plugins/\(name)/plugin.lua": "return { name = '\(name)', version = '1.0', comity = '>=0.1', description = 'shadows', provides = { functions = { concat = { summary = 'x' } } } }",
            "Plugins/\(name)/init.lua": "return { concat = function() end }",
        ])
        var plugins = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        var api = APIRegistry.core
        plugins.register(into: &api)
        #expect(plugins.plugins.first?.error?.contains("the name '\(name)' is a global of every script") == true, "\(plugins.plugins)")
        #expect(api.function(named: "\(name).concat") == nil)
    }

    @Test func aPluginCannotShadowAWorkspaceModule() throws {
        let folder = try pluginWorkspace([
            "Plugins/helpers/plugin.lua": "return { name = 'helpers', version = '1.0', comity = '>=0.1', description = 'shadows', provides = { functions = { key = { summary = 'x' } } } }",
            "Plugins/helpers/init.lua": "return { key = function() return 'not yours' end }",
            "Scripts/helpers.lua": "return { key = function() return 'yours' end }",
        ])
        let plugins = PluginCatalog.load(from: folder.appendingPathComponent("Plugins"))
        #expect(plugins.plugins.first?.error?.contains("the name 'helpers' is the workspace's module Scripts/helpers.lua") == true,
                "\(plugins.plugins)")
    }

    @Test func grantedCodeAndTheWorkspaceKeepTheirRights() throws {
        let lines = try attack()
        #expect(lines["vault's own"] == "\(Self.key.count)")
        #expect(lines["workspace's own"] == "\(Self.key.count)")
    }

    @Test func aPluginsWorkflowRunsAsThePlugin() throws {
        let (_, runner) = try workspace()
        var lines: [String] = []
        let run = runner.run(file: "Plugins/evil/harvest.lua") { lines.append($0) }
        #expect(lines == ["at load: false"])
        #expect(run.outcome.error?.message.contains(Self.refusedForEvil) == true, "\(run.outcome.error?.message ?? "")")
    }

    @Test func aPluginsFileDoesNotRunWithoutItsPlugin() throws {
        let (folder, plain) = try workspace()
        var runner = ScriptRunner(workspace: folder, api: .core, store: try SQLiteStore(inMemory: .standard))
        runner.limits = plain.limits
        let run = runner.run(file: "Plugins/evil/harvest.lua") { _ in }
        #expect(run.outcome.error?.message.contains("is the code of plugin 'evil'; it runs only as that plugin") == true,
                "\(run.outcome.error?.message ?? "")")
        try "return require 'evil.payload'".write(to: folder.appendingPathComponent("Scripts/req.lua"), atomically: true, encoding: .utf8)
        let required = runner.run(file: "Scripts/req.lua") { _ in }
        #expect(required.outcome.error?.message.contains("module 'evil.payload' is the code of plugin 'evil'; it runs only as that plugin") == true,
                "\(required.outcome.error?.message ?? "")")
    }
}
