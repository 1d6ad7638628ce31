import ComityCore
import LuaBridge

/// A run's `pcall` frames' savepoints, in its store transaction: the bridge asks for
/// them by level when a frame first writes, and ends them when it returns.
final class TransactionSavepoints: LuaSavepoints {
    private let transaction: any StoreTransaction
    /// The run's record handles, put back when a rollback undoes their change.
    private let records: RecordBindings?
    /// By level - 1, with where the log of changed handles stood when it opened. A level
    /// the bridge keeps for the host's own savepoint (ctx.once's `inSavepoint`) has no
    /// entry of ours: nil.
    private var open: [(savepoint: StoreSavepoint, changes: Int)?] = []

    init(_ transaction: any StoreTransaction, records: RecordBindings?) {
        self.transaction = transaction
        self.records = records
    }

    func openSavepoint(level: Int) throws {
        // Levels above were ended with one below them (ctx.once's savepoint, say).
        open = Array(open.prefix(max(level - 1, 0)))
        while open.count < level - 1 { open.append(nil) }
        open.append((try transaction.openSavepoint(), records?.changeMark ?? 0))
    }

    func releaseSavepoint(level: Int) throws {
        let savepoint = try self.savepoint(level)
        open = Array(open.prefix(level - 1))
        try transaction.releaseSavepoint(savepoint.savepoint)
        if level == 1 { records?.forgetChanges() }
    }

    func rollBackSavepoint(level: Int) throws {
        let savepoint = try self.savepoint(level)
        open = Array(open.prefix(level - 1))
        try transaction.rollBack(toSavepoint: savepoint.savepoint)
        records?.undoChanges(to: savepoint.changes)
    }

    private func savepoint(_ level: Int) throws -> (savepoint: StoreSavepoint, changes: Int) {
        guard level >= 1, level <= open.count, let savepoint = open[level - 1] else {
            throw StoreError(.database, "no savepoint is open at level \(level) of this run's pcalls")
        }
        return savepoint
    }
}
