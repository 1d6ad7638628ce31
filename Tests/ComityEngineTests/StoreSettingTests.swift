import ComityEngine
import Foundation
import Testing

/// comity.lua's `store` table: a PostgreSQL URL without a password in any of the
/// places a URL may hold one, and the idle timeout.
@Suite struct StoreSettingTests {
    static func load(_ settings: String) throws -> Workspace {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "return { store = \(settings) }".write(to: folder.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        return try Workspace.load(folder)
    }

    static func refusal(_ settings: String) -> String {
        do {
            _ = try load(settings)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: ["postgres://comity:secret@db.example.org/network", "postgres://comity@db.example.org/network?password=secret",
                      "postgres://comity@db.example.org/network?sslmode=require&password="])
    func aPasswordAnywhereInTheURLIsRefused(url: String) {
        let refused = Self.refusal("{ postgres = \"\(url)\" }")
        #expect(refused.contains("comity.lua: store.postgres holds a password") && refused.contains("~/.pgpass"), "\(refused)")
        #expect(!refused.contains("secret"), "\(refused)")
    }

    @Test func theIdleTimeoutIsReadAndBounded() throws {
        #expect(try Self.load("{ postgres = \"postgres://comity@db/network\" }").postgresIdleTimeout == .seconds(60))
        #expect(try Self.load("{ postgres = \"postgres://comity@db/network\", idle_timeout = \"5m\" }").postgresIdleTimeout == .seconds(300))
        for given in ["\"0s\"", "\"2d\"", "\"500ms\"", "60"] {
            let refused = Self.refusal("{ postgres = \"postgres://comity@db/network\", idle_timeout = \(given) }")
            #expect(refused.contains("store.idle_timeout must be a duration from 1s to 1d"), "\(given): \(refused)")
        }
        #expect(Self.refusal("{ postgres = \"postgres://comity@db/network\", idle = \"5m\" }")
            .contains("store has no setting 'idle' (settings: postgres, idle_timeout;"))
    }
}
