import GRDB
import GRDBSQLite

/// Runs a cached GRDB statement with values bound straight through SQLite's C API.
/// Creating records is the hot path of an import or a seed: GRDB's generic
/// `StatementArguments` cost a quarter of each create there. Only for statements
/// that return no rows; GRDB still owns the statement and its lifetime.
enum DirectExecution {
    /// SQLite copies the text before the bind returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    static func execute(_ statement: Statement, _ values: [DatabaseValue], in db: Database) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        var code = SQLITE_OK
        for (offset, value) in values.enumerated() where code == SQLITE_OK {
            let index = Int32(offset + 1)
            switch value.storage {
            case .null: code = sqlite3_bind_null(handle, index)
            case .int64(let i): code = sqlite3_bind_int64(handle, index, i)
            case .double(let d): code = sqlite3_bind_double(handle, index, d)
            case .string(var s):
                code = s.withUTF8 { text in
                    text.withMemoryRebound(to: CChar.self) { chars in
                        // An empty string has no base address; "" is text, not NULL.
                        guard let base = chars.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, transient) }
                        return sqlite3_bind_text(handle, index, base, Int32(chars.count), transient)
                    }
                }
            case .blob(let data):
                code = data.withUnsafeBytes { bytes in
                    sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), transient)
                }
            }
        }
        if code == SQLITE_OK { code = sqlite3_step(handle) }
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }
}
