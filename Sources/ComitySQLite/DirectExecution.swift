import GRDB
import GRDBSQLite

/// Runs cached GRDB statements with values bound straight through SQLite's C API.
/// Creating records is the hot path of an import or a seed: GRDB's generic
/// `StatementArguments` cost a quarter of each create there, and SQLite copying each
/// bound text (a free and a malloc per text, per row) another tenth. Only for
/// statements that return no rows; GRDB still owns the statement and its lifetime.
/// One per transaction: it keeps the buffer the texts are bound from.
final class DirectExecution {
    /// The texts of the statement being run, one after the other. SQLite reads them
    /// where they are (`SQLITE_STATIC`) until the step is done; the bindings are
    /// cleared before the buffer changes again.
    private var texts: [UInt8] = []
    /// Where each value's text starts in `texts` (unused for other values).
    private var starts: [Int] = []

    func execute(_ statement: Statement, _ values: some Collection<DatabaseValue>, in db: Database) throws {
        let handle = statement.sqliteStatement
        // Worked on as locals (a class's stored arrays are checked for exclusive access
        // at every use) and put back for the next statement.
        var texts = self.texts
        var starts = self.starts
        self.texts = []
        self.starts = []
        defer {
            self.texts = texts
            self.starts = starts
        }
        texts.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        // Never empty, so that the buffer has an address even when every text is "".
        texts.append(0)
        for value in values {
            starts.append(texts.count)
            switch value.storage {
            case .string(let s): texts.append(contentsOf: s.utf8)
            case .blob(let data): texts.append(contentsOf: data)
            default: break
            }
        }
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        let code = texts.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return SQLITE_NOMEM }
            var code = SQLITE_OK
            for (offset, value) in values.enumerated() where code == SQLITE_OK {
                let index = Int32(offset + 1)
                let start = starts[offset]
                let end = offset + 1 < starts.count ? starts[offset + 1] : buffer.count
                switch value.storage {
                case .null: code = sqlite3_bind_null(handle, index)
                case .int64(let i): code = sqlite3_bind_int64(handle, index, i)
                case .double(let d): code = sqlite3_bind_double(handle, index, d)
                case .string:
                    code = (base + start).withMemoryRebound(to: CChar.self, capacity: end - start) { text in
                        // "" is text, not NULL: bound with its length, 0.
                        sqlite3_bind_text(handle, index, text, Int32(end - start), nil)
                    }
                case .blob:
                    code = sqlite3_bind_blob(handle, index, base + start, Int32(end - start), nil)
                }
            }
            if code == SQLITE_OK { code = sqlite3_step(handle) }
            return code
        }
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }
}
