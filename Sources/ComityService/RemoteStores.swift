import ComityCore
import Synchronization

/// Opens a store a workspace names by URL (`store = { postgres = ... }`, `--database
/// postgres://...`). SQLite is always at hand; PostgreSQL is linked only into the
/// processes that need it (`comity-network`, an app that embeds the engine), so that
/// the `comity` binary cron starts every minute stays small and starts fast.
public protocol RemoteStoreOpener: Sendable {
    /// The store at `url`, migrated. `lockWait` bounds a wait for a row another
    /// transaction holds; `idleInTransactionTimeout` a transaction's wait for its next
    /// statement (seconds; nil for the store's defaults).
    func open(url: String, schema: DomainSchema, lockWait: Double?, idleInTransactionTimeout: Double?) throws -> any Store
    /// A file name for the spool of run records kept while the database at `url`
    /// cannot take them (one spool per database).
    func spoolName(url: String) -> String
}

/// The opener of `postgres://` stores in this process, installed once at start
/// (`PostgresLink.install()` in the `Comity` library; the `comity` binary installs one
/// that hands the whole command to `comity-network`).
public enum RemoteStores {
    private static let installed = Mutex<(any RemoteStoreOpener)?>(nil)

    /// Makes `opener` the one ``Engine/open(around:database:databaseOption:refusedRuns:notice:)``
    /// and a store copy use for `postgres://` URLs.
    public static func install(_ opener: any RemoteStoreOpener) {
        installed.withLock { $0 = opener }
    }

    static func opener(for url: String) throws(EngineError) -> any RemoteStoreOpener {
        guard let opener = installed.withLock({ $0 }) else {
            throw .failed("\(DatabaseURL.redacted(url)): this program links no PostgreSQL store; call PostgresLink.install() (the Comity library) before opening the engine")
        }
        return opener
    }

}
