import ComityCore
import ComitySQL
import ComitySQLite
import Foundation

extension Engine {
    /// Copies this workspace's store (records, audit, events, runs, the queue,
    /// schedules and slots, the outbox, once-keys, workers) into an empty one: a
    /// `postgres://` URL, or an SQLite file (relative to ``currentFolder``), made if
    /// missing. Counts of every table and money totals are checked on both sides after.
    public func copyStore(to target: String) throws -> StoreCopyReport {
        guard let source = store as? any StoreTables else {
            throw EngineError.failed("this workspace's store cannot be copied")
        }
        let destination: any StoreTables
        let remote = try Self.isPostgresURL(target) ? RemoteStores.opener(for: target) : nil
        do {
            if let remote {
                guard let tables = try remote.open(url: target, schema: workspace.schema, lockWait: nil, idleInTransactionTimeout: nil)
                    as? any StoreTables else { throw EngineError.failed("this store cannot be copied into") }
                destination = tables
            } else {
                destination = try SQLiteStore(path: resolved(target), schema: workspace.schema)
            }
        } catch {
            // Named as given: the store's own words may point at comity.lua's settings.
            throw EngineError.failed("--to \(DatabaseURL.redacted(target)): \(error)")
        }
        return try StoreCopy.copy(from: source, to: destination, schema: workspace.schema)
    }
}
