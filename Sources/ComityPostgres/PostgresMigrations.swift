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
    /// new ones). v1 is the layout of SQLite's v7, written from `StorageLayout`.
    static let all: [(version: Int, name: String, statements: @Sendable () -> [String])] = [
        (1, "records, audit, events, runs, queue, once-keys, outbox, schedules", {
            PostgresDDL.statements(StorageLayout(.standard)) + [
                // The queue holds only waiting work and is emptied as fast as it fills:
                // vacuum it after a fixed number of dead rows, not a fraction of a small table.
                "ALTER TABLE run_queue SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 500)",
                // The order participants were added in, which SQLite keeps as its rowid.
                "ALTER TABLE event_participants ADD COLUMN added BIGINT GENERATED ALWAYS AS IDENTITY",
                // Runs started in the same second, newest saved first (SQLite's rowid of a replaced row).
                "CREATE SEQUENCE runs_saved",
                "ALTER TABLE runs ADD COLUMN saved BIGINT NOT NULL DEFAULT nextval('runs_saved')",
                // The machine a run's process is on: only that machine can tell it has gone.
                "ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT ''",
            ]
        }),
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
