import ComitySQLite
import Foundation
import Testing
@testable import ComityEngine

/// Secrets too short to redact safely are refused, wherever they are set.
@Suite struct SecretStoreTests {
    func folder(secrets: String) throws -> URL {
        let folder = try pluginWorkspace(["Scripts/use.lua": "print(secrets.get('PIN'))\nprint('banana apple')\n"])
        let file = folder.appendingPathComponent(".comity/secrets")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try secrets.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        return folder
    }

    @Test func aShortSecretInTheSecretsFileIsRefusedNamingItAndItsLine() throws {
        let folder = try folder(secrets: "# keys\nPIN=a\n")
        let store = SecretStore(workspace: folder, environment: [:])
        #expect {
            _ = try store.value("PIN")
        } throws: { error in
            let text = "\(error)"
            return text.contains("secret 'PIN'") && text.contains(".comity/secrets:2") && text.contains("1 byte(s) long")
                && text.contains("at least 8 bytes") && !text.contains("PIN=a")
        }
        // In a run: the run fails, and nothing is "redacted" into the output.
        let runner = ScriptRunner(workspace: folder, api: .core, store: try SQLiteStore(inMemory: .standard))
        var lines: [String] = []
        let run = runner.run(file: "Scripts/use.lua") { lines.append($0) }
        #expect(!run.succeeded)
        #expect(run.outcome.error?.message.contains("secret 'PIN'") == true, "\(run.outcome.error?.message ?? "")")
        #expect(lines.isEmpty)
    }

    @Test func aShortSecretInTheEnvironmentIsRefused() throws {
        let folder = try folder(secrets: "")
        let store = SecretStore(workspace: folder, environment: ["COMITY_SECRET_PIN": "1234567"])
        #expect {
            _ = try store.value("PIN")
        } throws: { error in
            "\(error)".contains("secret 'PIN' (the environment variable COMITY_SECRET_PIN) is 7 byte(s) long")
                && !"\(error)".contains("1234567")
        }
    }

    @Test func secretsOfEightBytesOrMoreAreRead() throws {
        let folder = try folder(secrets: "PIN=12345678\r\nOTHER = x\n")
        #expect(try SecretStore(workspace: folder, environment: [:]).value("PIN") == "12345678")
        #expect(try SecretStore(workspace: folder, environment: ["COMITY_SECRET_PIN": "ключ-ok"]).value("PIN") == "ключ-ok")
    }
}
