import GRDB

/// The finds of one transaction that are still open (not at their end, not released by
/// whoever iterated them), and the savepoint depth: what a write must detach first, and
/// what a rolled-back savepoint takes with it.
final class OpenCursors {
    private struct Held {
        weak var cursor: SQLiteRecordCursor?
    }

    private var held: [Held] = []
    private var lastNumber: Int64 = 0
    /// Savepoints entered and not yet left.
    private(set) var depth = 0
    /// True once a cursor was copied: the snapshot tables are emptied before commit.
    private(set) var copiedAny = false

    /// True when an open cursor steps GRDB's cached statement of `sql`: a find of the
    /// same shape then needs a statement of its own (a nested find).
    func sharesStatement(_ sql: String) -> Bool {
        held.contains { $0.cursor.map { !$0.ended && $0.sharesCachedStatement && $0.selection.sql == sql } ?? false }
    }

    /// A number for a new cursor's rows in the snapshot tables.
    func nextNumber() -> Int64 {
        lastNumber += 1
        return lastNumber
    }

    func add(_ cursor: SQLiteRecordCursor) {
        held.removeAll { $0.cursor.map(\.ended) ?? true }
        held.append(Held(cursor: cursor))
    }

    /// Copies the rest of every open cursor that still reads the live tables: called
    /// before each write to records.
    func detachAll() throws {
        guard !held.isEmpty else { return }
        held.removeAll { $0.cursor.map(\.ended) ?? true }
        for entry in held {
            guard let cursor = entry.cursor, !cursor.detached else { continue }
            try cursor.detach(depth: depth)
            copiedAny = true
        }
    }

    /// The transaction ends: every cursor still open ends with it.
    func endAll() {
        for entry in held { entry.cursor?.endWithTransaction() }
        held.removeAll()
    }

    func enteringSavepoint() { depth += 1 }

    /// The innermost savepoint was released: what was made in it is now the outer one's.
    func leftSavepoint() {
        depth -= 1
        for entry in held { entry.cursor?.released(toDepth: depth) }
    }

    /// The innermost savepoint was rolled back (and left).
    func rolledBackSavepoint() {
        let rolledBack = depth
        depth -= 1
        for entry in held { entry.cursor?.rolledBack(toDepth: rolledBack) }
    }
}
