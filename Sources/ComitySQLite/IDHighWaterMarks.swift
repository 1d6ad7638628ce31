import ComityCore
import GRDB
import Synchronization

/// The highest id each table has handed out in this process, in transactions that were
/// then rolled back: ids are never handed out twice.
///
/// Why: a handle a script holds (`o = orgs.create{…}`) outlives a rolled-back statement
/// in `comity repl`, or a savepoint a `pcall` rolls back. SQLite's AUTOINCREMENT alone
/// does not stop the next create taking the same id, for `sqlite_sequence` is rolled back
/// with the insert; `orgs.update(o, …)` would then change another record. So before a
/// rollback the store reads `sqlite_sequence`, and moves it past those ids again: after a
/// savepoint, at once in the same transaction; after a whole transaction that meant to
/// commit, in a short transaction of its own (so other processes skip them too); after a
/// dry run, only here in memory, applied by the next write of this store, so that a dry
/// run leaves the file as it was (its handles die with the process). A stale handle then
/// finds no row, and is refused.
final class IDHighWaterMarks: Sendable {
    private let marks = Mutex<[String: Int64]>([:])

    /// Marks not yet known to be in the file.
    var pending: [String: Int64] { marks.withLock { $0 } }

    func raise(_ read: [String: Int64]) {
        guard !read.isEmpty else { return }
        marks.withLock { marks in
            for (table, seq) in read where seq > marks[table] ?? 0 { marks[table] = seq }
        }
    }

    /// `applied` is committed: those marks are in the file now.
    func settle(_ applied: [String: Int64]) {
        marks.withLock { marks in
            for (table, seq) in applied where marks[table] ?? 0 <= seq { marks[table] = nil }
        }
    }

    /// The record tables: their ids are what scripts hold. The ids of audit rows, events,
    /// the queue and the outbox are no one's handle, and a rolled-back one may come again.
    static let recordTables = Set(RecordType.allCases.map(ColumnMapping.table))

    /// Every record table's last id handed out, as the transaction sees it now.
    static func read(in db: Database) throws -> [String: Int64] {
        var read: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, seq FROM sqlite_sequence") {
            if let name: String = row[0], recordTables.contains(name), let seq: Int64 = row[1] { read[name] = max(seq, read[name] ?? 0) }
        }
        return read
    }

    /// Moves `sqlite_sequence` up to `marks` (never down).
    static func apply(_ marks: [String: Int64], in db: Database) throws {
        for (table, seq) in marks {
            try db.execute(sql: "UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?", arguments: [seq, table, seq])
            // A table whose first insert was rolled back has no row any more.
            try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                           arguments: [table, seq, table])
        }
    }
}
