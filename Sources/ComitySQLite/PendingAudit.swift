import GRDB

/// Audit rows a transaction has written but not yet inserted: they go to SQLite many
/// rows to one INSERT, which halves what an audit row costs (each statement also
/// updates `sqlite_sequence` and halts once). Rows reach the table, in the order they
/// were written, before anything reads it: before the audit is read, before a savepoint
/// begins and before the transaction commits; a rolled-back transaction drops them.
final class PendingAudit {
    /// Rows per INSERT: 64 x 9 parameters stays far below SQLite's limit of 32,766.
    static let batchRows = 64
    static let columnsPerRow = 9
    /// OR FAIL: an INSERT of many rows that may abort makes SQLite journal every page
    /// it touches, to undo the rows before the failing one (41 MiB of temporary file for
    /// 100,000 creates). Nothing needs that: a failed insert fails the run or the
    /// savepoint, and both roll back whole.
    static let columns = "INSERT OR FAIL INTO audit (run, at, record_type, record_id, action, field, old_value, new_value, principal) VALUES "
    static let singleSQL = columns + "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
    static let batchSQL = columns + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: batchRows).joined(separator: ", ")

    /// Every row's nine values one after the other, in the order of `columns`.
    private(set) var values: [DatabaseValue] = []

    var isEmpty: Bool { values.isEmpty }
    var isFull: Bool { values.count >= Self.batchRows * Self.columnsPerRow }

    func append(run: String?, at: Int64, recordType: String, recordID: Int64, action: String,
                field: String?, old: String?, new: String?, principal: String?) {
        // Room for a batch on the first row (kept by `take` and `discard`): most
        // transactions, reads among them, write no audit row at all.
        if values.capacity == 0 { values.reserveCapacity(Self.batchRows * Self.columnsPerRow) }
        values.append(run?.databaseValue ?? .null)
        values.append(at.databaseValue)
        values.append(recordType.databaseValue)
        values.append(recordID.databaseValue)
        values.append(action.databaseValue)
        values.append(field?.databaseValue ?? .null)
        values.append(old?.databaseValue ?? .null)
        values.append(new?.databaseValue ?? .null)
        values.append(principal?.databaseValue ?? .null)
    }

    /// The rows waiting, taken out: whole batches for the batch statement, then the rest
    /// one row each.
    func take() -> (batches: [ArraySlice<DatabaseValue>], rows: [ArraySlice<DatabaseValue>]) {
        let all = values
        values.removeAll(keepingCapacity: true)
        let batchSize = Self.batchRows * Self.columnsPerRow
        var batches: [ArraySlice<DatabaseValue>] = []
        var start = 0
        while all.count - start >= batchSize {
            batches.append(all[start..<start + batchSize])
            start += batchSize
        }
        var rows: [ArraySlice<DatabaseValue>] = []
        while start < all.count {
            rows.append(all[start..<start + Self.columnsPerRow])
            start += Self.columnsPerRow
        }
        return (batches, rows)
    }

    /// Rows written inside a savepoint that was rolled back.
    func discard() {
        values.removeAll(keepingCapacity: true)
    }
}
