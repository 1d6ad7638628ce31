import ComityCore
import ComitySQL
import Foundation
import Synchronization

/// The store of a network on PostgreSQL: the same protocols as the SQLite store, for
/// several workers on several machines against one database. Every query runs in SQL
/// (finds through a cursor of their own, counts and sums grouped by the server); a
/// write is one READ COMMITTED transaction, a read one REPEATABLE READ READ ONLY
/// transaction. Sessions are kept open between transactions, one per thread using
/// the store at a time.
public final class PostgresStore: Store, Sendable {
    public let schema: DomainSchema
    public let location: PostgresLocation
    let settings: PostgresSettings
    private let idle = Mutex<[PostgresSession]>([])

    /// Connects to the database at `location`, creating and migrating its tables when
    /// it has none. `lockWait` bounds how long a write waits for a row another
    /// transaction holds, `idleInTransactionTimeout` how long a transaction may wait for
    /// its next statement (longer for a run, see `allowIdle`). Refuses a database migrated by a newer Comity.
    public init(location: PostgresLocation, schema: DomainSchema = .standard, lockWait: TimeInterval = 5,
                statementTimeout: TimeInterval = 300, idleInTransactionTimeout: TimeInterval = 60) throws {
        self.schema = schema
        self.location = location
        settings = PostgresSettings(lockWait: lockWait, statementTimeout: statementTimeout, idleInTransactionTimeout: idleInTransactionTimeout)
        let session = try PostgresSession(location, settings: settings)
        try PostgresMigrations.migrate(session)
        idle.withLock { $0.append(session) }
    }

    public convenience init(url: String, schema: DomainSchema = .standard, lockWait: TimeInterval = 5,
                            idleInTransactionTimeout: TimeInterval = 60) throws {
        try self.init(location: PostgresLocation(url: url), schema: schema, lockWait: lockWait, idleInTransactionTimeout: idleInTransactionTimeout)
    }

    deinit {
        for session in idle.withLock({ $0 }) { session.close() }
    }

    public func write<T>(commit: Bool, _ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction("BEGIN", commit: commit, body)
    }

    public func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", commit: true, body)
    }

    /// One transaction begun with `begin` on a session: committed when `body` returns
    /// and `commit` is true, rolled back otherwise.
    private func transaction<T>(_ begin: String, commit: Bool, _ body: (any StoreTransaction) throws -> T) throws -> T {
        try withSession { session in
            try session.begin(begin)
            let transaction = PostgresTransaction(session: session, schema: schema)
            // However it ends, its cursors end with it: a find closed later (a Lua
            // iterator collected after the run) must send nothing to the session.
            defer { transaction.closeCursors() }
            let result: T
            do {
                result = try body(transaction)
                if commit {
                    try transaction.writePendingAudit()
                    if transaction.wakeups.isDue {
                        // One payload-less notification per committing transaction,
                        // delivered by the server only if the COMMIT succeeds (one per
                        // event would make commits queue on the server's notify lock).
                        try session.execute("NOTIFY \(PostgresQueueListener.channel)")
                    }
                }
            } catch {
                session.rollBackOrClose()
                throw error
            }
            try session.end(commit ? "COMMIT" : "ROLLBACK")
            return result
        }
    }

    /// Runs `body` on an idle session (or a new one); the session goes back to the idle
    /// ones only if it ended its transaction cleanly, so a connection in an unknown
    /// state (an error in ROLLBACK, a lost server) is never handed out again.
    private func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        // Sessions the server closed while idle (a restart) are dropped, not handed out.
        var reused = idle.withLock { sessions -> PostgresSession? in
            while let session = sessions.popLast() {
                if session.isOpen { return session }
            }
            return nil
        }
        while true {
            let session = try reused ?? PostgresSession(location, settings: settings)
            session.statements = 0
            defer { if session.isOpen { idle.withLock { $0.append(session) } } }
            do {
                return try body(session)
            } catch let error as StoreError where error.kind == .unavailable && reused != nil && session.statements == 0 {
                // A kept session whose server went away since (its first statement found
                // it gone): once more on a new connection, as nothing was sent.
                session.close()
                reused = nil
                _ = error
            } catch {
                // A COMMIT that failed ended the transaction; anything else still in one
                // (a failed BEGIN) is rolled back, or the session closed.
                if session.isOpen, (try? session.scalar("SELECT 1")) == nil { session.close() }
                throw error
            }
        }
    }

    /// Runs one statement on the database at `location`, outside any store (creating a
    /// database for a workspace or a test; repairs).
    public static func execute(_ sql: String, at location: PostgresLocation) throws {
        let session = try PostgresSession(location, settings: PostgresSettings())
        defer { session.close() }
        try session.execute(sql)
    }

    /// The first column of each row of a query, as text, outside any store.
    public static func query(_ sql: String, at location: PostgresLocation) throws -> [String] {
        let session = try PostgresSession(location, settings: PostgresSettings())
        defer { session.close() }
        return try session.query(sql).map { $0[0].text ?? "" }
    }
}
