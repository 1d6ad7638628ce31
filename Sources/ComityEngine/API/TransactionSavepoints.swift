import ComityCore
import LuaBridge

/// A run's `pcall` frames' savepoints, in its store transaction: the bridge asks for
/// them by level when a frame first writes, and ends them when it returns.
final class TransactionSavepoints: LuaSavepoints {
    private let transaction: any StoreTransaction
    /// By level - 1. A level the bridge keeps for the host's own savepoint (ctx.once's
    /// `inSavepoint`) has no entry of ours: nil.
    private var open: [StoreSavepoint?] = []

    init(_ transaction: any StoreTransaction) { self.transaction = transaction }

    func openSavepoint(level: Int) throws {
        // Levels above were ended with one below them (ctx.once's savepoint, say).
        open = Array(open.prefix(max(level - 1, 0)))
        while open.count < level - 1 { open.append(nil) }
        open.append(try transaction.openSavepoint())
    }

    func releaseSavepoint(level: Int) throws {
        let savepoint = try self.savepoint(level)
        open = Array(open.prefix(level - 1))
        try transaction.releaseSavepoint(savepoint)
    }

    func rollBackSavepoint(level: Int) throws {
        let savepoint = try self.savepoint(level)
        open = Array(open.prefix(level - 1))
        try transaction.rollBack(toSavepoint: savepoint)
    }

    private func savepoint(_ level: Int) throws -> StoreSavepoint {
        guard level >= 1, level <= open.count, let savepoint = open[level - 1] else {
            throw StoreError(.database, "no savepoint is open at level \(level) of this run's pcalls")
        }
        return savepoint
    }
}
