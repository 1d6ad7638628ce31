@testable import ComityService
import Testing

/// What a message about a `postgres://` store repeats of its URL: never a password.
@Suite struct RemoteStoresTests {
    @Test(arguments: [
        ("postgres://comity:secret@db.example.org/network", "postgres://comity:***@db.example.org/network"),
        ("postgresql://comity:p@ss:word@db:5432/n", "postgresql://comity:***@db:5432/n"),
        ("postgres://comity@db.example.org/network", "postgres://comity@db.example.org/network"),
        ("postgres://db.example.org/network?sslmode=require", "postgres://db.example.org/network?sslmode=require"),
        ("postgres://comity@db/n?sslmode=require&password=secret", "postgres://comity@db/n?sslmode=require&password=***"),
        ("postgres://comity@db/n?password=a@b", "postgres://comity@db/n?password=***"),
    ])
    func aURLIsShownWithoutItsPassword(_ given: String, _ shown: String) {
        #expect(RemoteStores.redacted(given) == shown)
    }
}
