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
