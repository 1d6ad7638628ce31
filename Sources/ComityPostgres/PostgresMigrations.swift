import ComityCore
import ComitySQL

/// The database's schema, one migration at a time, applied under a session advisory
/// lock (the one place one is right: several workers starting at once on a new
/// database must not both migrate it, and a lock that ends with the session cannot be
/// left behind by a crash). Each is recorded in `comity_migrations`; a database with a
/// version this Comity does not know is refused and left as it is.
enum PostgresMigrations {
    /// `pg_advisory_lock`'s key: "comity" in ASCII.
    static let lockKey: Int64 = 0x636F_6D69_7479

    /// Released migrations, in order; never edited once released (later changes are
    /// new ones). v1 is the layout of SQLite's v8 as `PostgresDDL` wrote it from
    /// `StorageLayout`, frozen as text; a later migration writes what the layout gained
    /// (with `PostgresDDL`), and `PostgresSchemaTests` checks the migrated database
    /// against the layout.
    static let all: [(version: Int, name: String, statements: @Sendable () -> [String])] = [
        (1, "records, audit, events, runs, queue, once-keys, outbox, schedules", { PostgresMigrationV1.statements }),
        (2, "API tokens and webhook deliveries", { PostgresMigrationV2.statements }),
        (3, "queued runs keep their parameters; idempotent API writes", { PostgresMigrationV3.statements }),
        (4, "owners, memberships, networks and shares", { PostgresMigrationV4.statements }),
        (5, "runs keep whom they acted as", { PostgresMigrationV5.statements }),
    ]

    static var latest: Int { all.map(\.version).max() ?? 0 }

    static func migrate(_ session: PostgresSession) throws {
        try session.execute("SELECT pg_advisory_lock(\(lockKey))")
        defer { _ = try? session.execute("SELECT pg_advisory_unlock(\(lockKey))") }
        try session.execute("""
            CREATE TABLE IF NOT EXISTS comity_migrations (
              version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """)
        let applied = Set(try session.query("SELECT version FROM comity_migrations").compactMap { $0[0].integer.map(Int.init) })
        if let newest = applied.max(), newest > latest {
            throw StoreError(.newerVersion,
                             "\(session.location) was written by a newer version of comity (schema version \(newest), this one knows \(latest)); it is left as it is (upgrade comity to open it)")
        }
        for migration in all where !applied.contains(migration.version) {
            try session.execute("BEGIN")
            do {
                for statement in migration.statements() { try session.execute(statement) }
                try session.execute("INSERT INTO comity_migrations (version, name) VALUES (?, ?)",
                                    [.integer(Int64(migration.version)), .text(migration.name)])
                try session.execute("COMMIT")
            } catch {
                _ = try? session.execute("ROLLBACK")
                throw error
            }
        }
    }
}
