import ComityCore
import Foundation
import GRDB
import Synchronization

/// The embedded store: one SQLite file per workspace (default `.comity/comity.db`),
/// in WAL mode with foreign keys on, migrated when opened.
public final class SQLiteStore: Store, Sendable {
    /// The most the writing connection keeps in its page cache, in KiB.
    static let writerCacheKiB = 65_536

    public let schema: DomainSchema
    public let path: String
    /// A pool (WAL, readers beside the writer) for a file; a queue in memory.
    private let pool: any DatabaseWriter
    private let plans: [RecordType: InsertPlan]
    /// How long a write waits for another process's lock, for errors.
    private let busyTimeout: TimeInterval?
    /// Ids handed out by rolled-back transactions of this process.
    private let highWater = IDHighWaterMarks()
    /// Whether the writing connection has its snapshot tables yet (see `write`).
    private let snapshotTablesMade = Mutex(false)

    /// Opens (creating when missing) the database at `path`. Waits up to `busyTimeout`
    /// for another process's lock. Refuses a database written by a newer Comity.
    /// `sizeLimit` caps the file (a quota): a run that would pass it fails as on a full
    /// disk, and is rolled back.
    public init(path: String, schema: DomainSchema = .standard, busyTimeout: TimeInterval = 5, sizeLimit: Int? = nil) throws {
        self.schema = schema
        self.path = path
        self.busyTimeout = busyTimeout
        plans = InsertPlan.all(schema)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.notWritable, "cannot create the folder \(folder.path) for the database: \(error.localizedDescription)")
        }
        // SQLite would call a folder "read-only" and /dev/null "full": say what they are.
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw StoreError(.notWritable, "\(path) is a folder; an SQLite database is a file")
            default: throw StoreError(.notWritable, "\(path) is not a regular file (a device or a pipe); the database must be a file")
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            db.add(function: TextSearch.fold)
            // A run is one transaction. With SQLite's default cache (2 MiB) a run that
            // writes more than that spills its pages to the WAL and reads them back,
            // again and again: 100,000 creates made 82,000 writes and 22,000 reads of
            // pages, 48,000 and 9,000 with this cache. Only the writer's: it grows as
            // pages are used, and readers (up to five) keep SQLite's default.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB)")
            }
            if let sizeLimit {
                let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA max_page_count = \(max(sizeLimit / pageSize, 1))")
            }
        }
        // A new file is made (its WAL set up, its tables migrated) by one opener at a
        // time: openers of one new file at once otherwise took turns switching its
        // journal mode and could wait out the whole busy timeout under load.
        let isNew = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).map { $0 == 0 } ?? true
        do {
            if isNew {
                pool = try Self.withFileLock(path + ".migrating") {
                    let made = try DatabasePool(path: path, configuration: configuration)
                    if try !made.read({ db in try Migrations.migrator.hasCompletedMigrations(db) }) { try Migrations.migrator.migrate(made) }
                    return made
                }
            } else {
                pool = try DatabasePool(path: path, configuration: configuration)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error, path: path, waited: busyTimeout)
        }
        let migrator = Migrations.migrator
        do {
            let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded {
                throw StoreError(.newerVersion,
                                 "\(path) was written by a newer version of comity; it is left as it is (upgrade comity to open it)")
            }
            if try !pool.read({ db in try migrator.hasCompletedMigrations(db) }) {
                // Two processes opening a new database at once must not both migrate it:
                // GRDB's migrator is safe within one process only.
                try Self.withFileLock(path + ".migrating") { try migrator.migrate(pool) }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error, path: path, waited: busyTimeout)
        }
    }

    /// Runs `body` holding an exclusive lock on the file at `path` (made if missing):
    /// other processes wait for it. The file is removed before the lock is released, so
    /// no workspace keeps it; a process that was waiting on the removed file sees that it
    /// is no longer the one at `path` and opens it again.
    private static func withFileLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        while true {
            let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw StoreError(.notWritable, "cannot open \(path) to lock the database while it is set up: \(String(cString: strerror(errno)))")
            }
            defer { close(descriptor) } // closing releases the lock
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else { throw StoreError(.locked, "cannot lock \(path): \(String(cString: strerror(errno)))") }
            }
            var held = stat()
            var named = stat()
            guard fstat(descriptor, &held) == 0, stat(path, &named) == 0,
                  held.st_dev == named.st_dev, held.st_ino == named.st_ino else {
                continue // the holder before us removed it: lock the one at `path` now
            }
            defer { unlink(path) } // before the close above: while still held
            return try body()
        }
    }

    /// An empty store in memory, gone when released: for specs (`comity test`) and tests.
    public init(inMemory schema: DomainSchema = .standard) throws {
        self.schema = schema
        path = ":memory:"
        busyTimeout = nil
        plans = InsertPlan.all(schema)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in db.add(function: TextSearch.fold) }
        let queue = try DatabaseQueue(configuration: configuration)
        try Migrations.migrator.migrate(queue)
        pool = queue
    }

    public func write<T>(commit: Bool, _ body: (any StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                // Only a write transaction copies finds into the snapshot tables, so they
                // are made before the store's first one, not at open: a command that only
                // reads, or a tick with nothing due, never pays for them (~5.7 M
                // instructions). Outside the transaction, as `SnapshotTables.make` says.
                if !snapshotTablesMade.withLock({ $0 }) {
                    try SnapshotTables(schema: schema).make(in: db)
                    snapshotTablesMade.withLock { $0 = true }
                }
                var result: T?
                let owed = highWater.pending
                do {
                    try db.inTransaction(.immediate) {
                        // Ids a dry run of this process handed out stay taken (see
                        // `IDHighWaterMarks`).
                        if !owed.isEmpty { try IDHighWaterMarks.apply(owed, in: db) }
                        let transaction = SQLiteTransaction(db: db, schema: schema, path: path, plans: plans)
                        defer { transaction.openCursors.endAll() }
                        let changesBefore = db.totalChangesCount
                        do {
                            result = try body(transaction)
                        } catch {
                            noteHandedOut(in: db, changedSince: changesBefore)
                            throw error
                        }
                        guard commit else {
                            noteHandedOut(in: db, changedSince: changesBefore)
                            return .rollback
                        }
                        try transaction.finish()
                        return .commit
                    }
                } catch {
                    if commit { persistHandedOut(in: db) }
                    throw error
                }
                if commit { highWater.settle(owed) }
                guard let result else { throw StoreError(.database, "the transaction returned nothing") }
                return result
            }
        } catch let error as DatabaseError {
            throw Self.storeError(error, path: path, waited: busyTimeout)
        }
    }

    /// Before a rollback: the ids the transaction handed out, if it wrote anything.
    private func noteHandedOut(in db: Database, changedSince changes: Int) {
        guard db.totalChangesCount != changes, let read = try? IDHighWaterMarks.read(in: db) else { return }
        highWater.raise(read)
    }

    /// After a failed transaction that meant to commit: its ids are put in the file at
    /// once, so that another process does not hand them out either. If that fails too
    /// (a full disk), they stay in memory for this process's next write.
    private func persistHandedOut(in db: Database) {
        let owed = highWater.pending
        guard !owed.isEmpty, !db.isInsideTransaction else { return }
        do {
            try db.inTransaction(.immediate) {
                try IDHighWaterMarks.apply(owed, in: db)
                return .commit
            }
            highWater.settle(owed)
        } catch {}
    }

    public func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.read { db in
                let transaction = SQLiteTransaction(db: db, schema: schema, path: path, plans: plans)
                defer { transaction.openCursors.endAll() }
                return try body(transaction)
            }
        } catch let error as DatabaseError {
            throw Self.storeError(error, path: path, waited: busyTimeout)
        }
    }

    /// A read of the database itself, outside the store's transactions (copying tables).
    func rawRead<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as DatabaseError {
            throw Self.storeError(error, path: path, waited: busyTimeout)
        }
    }

    /// One write transaction on the database itself (copying tables in).
    func rawWrite(_ body: (Database) throws -> Void) throws {
        do {
            try pool.write(body)
        } catch let error as DatabaseError {
            throw Self.storeError(error, path: path, waited: busyTimeout)
        }
    }

    /// Runs one statement on the file outside any store (tests, repairs). True when it ran.
    public static func rawExecute(path: String, sql: String) throws -> Bool {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: sql) }
        return true
    }

    /// The first column of each row of a query, as text, outside any store.
    public static func rawQuery(path: String, sql: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in try String.fetchAll(db, sql: sql) }
    }

    /// `5s`, `1.5s`: a wait as comity.lua writes it.
    private static func seconds(_ interval: TimeInterval) -> String {
        interval == interval.rounded() ? "\(Int(interval))s" : "\(interval)s"
    }

    /// SQLite's errors in the words of someone running a workflow.
    static func storeError(_ error: any Error, path: String, waited: TimeInterval? = nil) -> any Error {
        guard let database = error as? DatabaseError else { return error }
        switch database.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            let wait = waited.map { "waited \(Self.seconds($0)), lock_timeout in comity.lua" } ?? "waited"
            return StoreError(.locked, "\(path) is locked by another process (\(wait); try again when it has finished)")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return StoreError(.notWritable, "\(path) cannot be written (read-only file or folder, or no permission); nothing was changed")
        case .SQLITE_FULL, .SQLITE_IOERR:
            return StoreError(.notWritable, "\(path): the disk is full or failing; the run was rolled back and the database is intact")
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return StoreError(.database, "\(path) is not a Comity database (or is damaged); it is left as it is")
        default:
            return StoreError(.database, "\(path): \(database.message ?? database.description)")
        }
    }
}
