import ComityCore
import Testing

/// What a message about a `postgres://` store repeats of its URL: never a password.
@Suite struct DatabaseURLTests {
    @Test(arguments: [
        ("postgres://comity:secret@db.example.org/network", "postgres://comity:***@db.example.org/network"),
        ("postgresql://comity:p@ss:word@db:5432/n", "postgresql://comity:***@db:5432/n"),
        ("postgres://comity@db.example.org/network", "postgres://comity@db.example.org/network"),
        ("postgres://db.example.org/network?sslmode=require", "postgres://db.example.org/network?sslmode=require"),
        ("postgres://comity@db/n?sslmode=require&password=secret", "postgres://comity@db/n?sslmode=require&password=***"),
        ("postgres://comity@db/n?password=a@b", "postgres://comity@db/n?password=***"),
        // Too badly formed for a URL parser (found: echoed whole in "is not a PostgreSQL URL").
        ("postgres://u:secret@[::1:1/db", "postgres://u:***@[::1:1/db"),
        ("postgress://u:secret@db/n", "postgress://u:***@db/n"),
    ])
    func aURLIsShownWithoutItsPassword(_ given: String, _ shown: String) {
        #expect(DatabaseURL.redacted(given) == shown)
    }

    /// What comity.lua is given of COMITY_DATABASE_URL by `comity init`.
    @Test(arguments: [
        ("postgres://comity:secret@db.example.org/network", "postgres://comity@db.example.org/network"),
        ("postgres://comity@db/n?sslmode=require&password=secret", "postgres://comity@db/n?sslmode=require"),
        ("postgres://comity@db/n?password=secret", "postgres://comity@db/n"),
        ("postgres://comity@db/n", "postgres://comity@db/n"),
        // Found: a URL a parser refused was written to comity.lua whole, its password too.
        ("postgres://u:secret@[::1:1/db", "postgres://u@[::1:1/db"),
    ])
    func aURLForAFileLosesItsPassword(_ given: String, _ kept: String) {
        #expect(DatabaseURL.withoutPassword(given) == kept)
    }
}
