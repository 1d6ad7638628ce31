import ComityCore
import ComitySQL

/// The records of one `find`: a server-side cursor (`DECLARE … NO SCROLL CURSOR`),
/// fetched a page at a time, so a find never loads everything. A cursor reads the
/// snapshot of its DECLARE: each row that matched then is returned once, with its
/// values and its lists of records then, whatever the transaction writes while the
/// loop runs, as a statement does in PostgreSQL.
final class PostgresRecordCursor: RecordCursor {
    static let page = 200

    private let session: PostgresSession
    let type: RecordType
    let name: String
    /// The savepoint depth it was declared at: rolling back a savepoint at or below
    /// it closes the cursor on the server (see `PostgresCursors`).
    let depth: Int
    private let decode: (PostgresResultRow) throws -> Record
    private var buffered: [PostgresResultRow] = []
    private var nextIndex = 0
    private var exhausted = false
    private(set) var ended = false
    /// Set when the savepoint it was declared in was rolled back.
    var abandoned = false

    init(session: PostgresSession, type: RecordType, sql: String, arguments: [SQLValue], name: String, depth: Int,
         decode: @escaping (PostgresResultRow) throws -> Record) throws {
        self.session = session
        self.type = type
        self.name = name
        self.depth = depth
        self.decode = decode
        try session.execute("DECLARE \(name) NO SCROLL CURSOR FOR \(sql)", arguments)
    }

    func next() throws -> Record? {
        if abandoned {
            throw StoreError(.database, "this \(type.collection).find was called inside a pcall (or savepoint) that failed, and its rows were rolled back with it: call find again")
        }
        guard !ended else { return nil }
        if nextIndex == buffered.count {
            guard !exhausted else {
                close()
                return nil
            }
            buffered = try session.query("FETCH \(Self.page) FROM \(name)")
            nextIndex = 0
            exhausted = buffered.count < Self.page
            if buffered.isEmpty {
                close()
                return nil
            }
        }
        let row = buffered[nextIndex]
        nextIndex += 1
        return try decode(row)
    }

    func close() {
        guard !ended else { return }
        ended = true
        buffered = []
        if !abandoned { _ = try? session.execute("CLOSE \(name)") }
    }

    /// The transaction ended: the server closed it.
    func forget() {
        ended = true
        buffered = []
    }
}

/// The cursors a transaction has declared and not closed.
final class PostgresCursors {
    private var next = 0
    private var open: [PostgresRecordCursor] = []

    func nextName() -> String {
        next += 1
        return "comity_find_\(next)"
    }

    func add(_ cursor: PostgresRecordCursor) {
        open.removeAll { $0.ended }
        open.append(cursor)
    }

    /// A savepoint at `depth` was rolled back: cursors declared inside it are gone.
    func rolledBack(toDepth depth: Int) {
        for cursor in open where cursor.depth > depth && !cursor.ended { cursor.abandoned = true }
    }

    func forgetAll() {
        for cursor in open { cursor.forget() }
        open.removeAll()
    }
}

/// The savepoints a transaction has open, innermost last.
final class PostgresSavepoints {
    private var next = 0
    private(set) var open: [Int] = []

    var depth: Int { open.count }

    func push() -> StoreSavepoint {
        next += 1
        open.append(next)
        return StoreSavepoint(id: next)
    }

    /// Where `savepoint` is in the stack, or an error saying it is not open.
    func index(of savepoint: StoreSavepoint) throws -> Int {
        guard let index = open.lastIndex(of: savepoint.id) else {
            throw StoreError(.database, "savepoint \(savepoint.id) is not open in this transaction (it ended, or one opened before it did)")
        }
        return index
    }

    func end(from index: Int) { open.removeSubrange(index...) }

    static func name(_ savepoint: StoreSavepoint) -> String { "comity_\(savepoint.id)" }
}
