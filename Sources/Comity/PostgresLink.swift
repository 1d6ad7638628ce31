import ComityCore
import ComityPostgres
import ComityService

/// The PostgreSQL store, linked into the engine service: an app that embeds the engine
/// calls `PostgresLink.install()` once before opening a workspace on PostgreSQL (the
/// engine service itself links only SQLite, so that the `comity` binary stays small).
public struct PostgresLink: RemoteStoreOpener {
    public init() {}

    /// Makes the engine service open `postgres://` stores with this process's PostgreSQL store.
    public static func install() {
        RemoteStores.install(PostgresLink())
    }

    public func open(url: String, schema: DomainSchema, lockWait: Double?, idleInTransactionTimeout: Double?) throws -> any Store {
        try PostgresStore(url: url, schema: schema, lockWait: lockWait ?? 5, idleInTransactionTimeout: idleInTransactionTimeout ?? 60)
    }

    public func spoolName(url: String) -> String {
        (try? PostgresLocation(url: url)).map { "\($0.host)-\($0.port)-\($0.database)" } ?? "postgres"
    }
}
