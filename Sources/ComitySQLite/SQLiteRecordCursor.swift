import ComityCore
import GRDB

/// The records of one `find`, as of the moment it was called, as PostgreSQL gives every
/// statement a snapshot: each row that matched then is returned once, with its values
/// then, whatever the transaction writes while the loop runs (updates that move a row in
/// the order, creates that match, archives).
///
/// Why this design: SQLite has no snapshot for one statement inside a transaction (a
/// statement being stepped sees the transaction's own writes). A find that no write of
/// its transaction interleaves, the common case (reports, loops that only read), streams
/// SQLite's live statement and costs nothing more. Before the transaction's first write to
/// records while the cursor is open, the transaction *detaches* it: the rows not yet
/// returned are copied, by one INSERT … SELECT inside SQLite, into a TEMP table (SQLite's
/// temp store, never Swift memory), with the targets of their lists of records, and the
/// cursor goes on from there. Nothing was written between the call and the copy, so the
/// query run again selects the same rows in the same order (the order ends with the id)
/// and the copy starts where the cursor was.
final class SQLiteRecordCursor: RecordCursor {
    /// What the find selects, kept to copy its remaining rows.
    struct Selection {
        let type: RecordType
        /// `FROM table t WHERE …`, without order or limit.
        let fromSQL: String
        let orderSQL: String
        let arguments: [DatabaseValue]
        let limit: Int?
        /// The SQL of the live statement, as `OpenCursors` knows it.
        let sql: String
        /// `SnapshotTables.linkColumns` of the type, worked out only when copying.
        let snapshotColumns: () -> String
    }

    let selection: Selection
    /// This cursor's rows in its snapshot table.
    let number: Int64
    private unowned let db: Database
    private let decode: (Row, _ fromSnapshot: Bool) throws -> Record
    private var rows: RowCursor?
    /// Rows returned so far: where a copy starts.
    private(set) var consumed = 0
    private(set) var ended = false
    /// Set while the cursor reads its snapshot table rather than the live statement.
    private(set) var detached = false
    /// The savepoint depth at which it was opened, and at which it was detached (see
    /// `rolledBack(toDepth:)`).
    private(set) var openedAtDepth: Int
    private(set) var detachedAtDepth = 0
    /// Set when the savepoint it was opened in was rolled back: its rows are gone.
    private var abandoned = false
    /// True while it steps GRDB's cached statement of `selection.sql`.
    private(set) var sharesCachedStatement: Bool

    init(db: Database, selection: Selection, number: Int64, depth: Int, rows: RowCursor, sharesCachedStatement: Bool,
         decode: @escaping (Row, Bool) throws -> Record) {
        self.db = db
        self.selection = selection
        self.number = number
        self.openedAtDepth = depth
        self.rows = rows
        self.sharesCachedStatement = sharesCachedStatement
        self.decode = decode
    }

    func next() throws -> Record? {
        if abandoned {
            throw StoreError(.database, "this \(selection.type.collection).find was called inside a pcall (or savepoint) that failed, and its rows were rolled back with it: call find again")
        }
        guard !ended, let rows, let row = try rows.next() else {
            finish()
            return nil
        }
        consumed += 1
        return try decode(row, detached)
    }

    /// The rows the cursor has not returned yet, copied into its snapshot table; the
    /// cursor reads them from there from now on.
    func detach(depth: Int) throws {
        guard !ended, !detached, !abandoned else { return }
        let table = SnapshotTables.name(selection.type)
        var remaining = -1
        if let limit = selection.limit { remaining = max(limit - consumed, 0) }
        // The live statement goes first: its RowCursor resets it when released, and the
        // cached statement is free for another find of the same shape.
        rows = nil
        sharesCachedStatement = false
        try db.execute(
            sql: "INSERT INTO temp.\(table) SELECT ?, t.*\(selection.snapshotColumns()) \(selection.fromSQL) ORDER BY \(selection.orderSQL) LIMIT ? OFFSET ?",
            arguments: StatementArguments([number.databaseValue] + selection.arguments + [remaining.databaseValue, consumed.databaseValue]))
        // Not cached: two open finds of one type would share it.
        let statement = try db.makeStatement(sql: "SELECT * FROM temp.\(table) WHERE snapshot_cursor = ? ORDER BY rowid")
        rows = try Row.fetchCursor(statement, arguments: [number])
        detached = true
        detachedAtDepth = depth
    }

    /// The savepoint at `depth` was rolled back. A cursor opened inside it lost its rows;
    /// one detached inside it lost its copy, and the records are back as they were when
    /// it was opened (it was detached at the first write since), so it reads the live
    /// query again from where it was.
    func rolledBack(toDepth depth: Int) {
        guard !ended else { return }
        if openedAtDepth >= depth {
            abandoned = true
            rows = nil
            return
        }
        guard detached, detachedAtDepth >= depth else { return }
        rows = nil
        detached = false
        let sql = "SELECT * \(selection.fromSQL) ORDER BY \(selection.orderSQL) LIMIT ? OFFSET ?"
        var arguments = selection.arguments
        arguments.append((selection.limit.map { max($0 - consumed, 0) } ?? -1).databaseValue)
        arguments.append(consumed.databaseValue)
        do {
            rows = try Row.fetchCursor(try db.makeStatement(sql: sql), arguments: StatementArguments(arguments))
        } catch {
            abandoned = true
        }
    }

    /// The savepoint at `depth + 1` was released: opened or copied in it is now as if in
    /// the one around it.
    func released(toDepth depth: Int) {
        openedAtDepth = min(openedAtDepth, depth)
        detachedAtDepth = min(detachedAtDepth, depth)
    }

    /// A loop left early: the cursor ends as at its last row.
    func close() { finish() }

    /// Its transaction ends: the statement is let go now, on the connection's own
    /// thread, and a later `close` (a Lua iterator collected after the run) touches
    /// nothing.
    func endWithTransaction() {
        ended = true
        rows = nil
    }

    /// At the end the statement is released at once: a later find of the same shape
    /// reuses the cached statement, which this cursor's reset must then not touch.
    private func finish() {
        guard !ended else { return }
        ended = true
        rows = nil
        if detached {
            try? db.execute(sql: "DELETE FROM temp.\(SnapshotTables.name(selection.type)) WHERE snapshot_cursor = ?", arguments: [number])
        }
    }
}
