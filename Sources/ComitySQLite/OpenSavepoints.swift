import ComityCore

/// The savepoints a transaction has open, innermost last, each with where the run's
/// change tally and the events kept in memory stood when it opened (what a rollback
/// to it forgets).
final class OpenSavepoints {
    private var next = 0
    private var open: [(id: Int, tally: RunChangeTally.Mark, events: Int)] = []

    func push(tally: RunChangeTally.Mark, events: Int) -> StoreSavepoint {
        next += 1
        open.append((next, tally, events))
        return StoreSavepoint(id: next)
    }

    /// Where `savepoint` is in the stack, or an error saying it is not open (ended
    /// already, with one below it, or of another transaction).
    func position(of savepoint: StoreSavepoint) throws -> (index: Int, tally: RunChangeTally.Mark, events: Int) {
        guard let index = open.lastIndex(where: { $0.id == savepoint.id }) else {
            throw StoreError(.database, "savepoint \(savepoint.id) is not open in this transaction (it ended, or one opened before it did)")
        }
        return (index, open[index].tally, open[index].events)
    }

    /// How many are open.
    var count: Int { open.count }

    /// Ends the savepoint at `index` and every one above it.
    func end(from index: Int) { open.removeSubrange(index...) }

    static func name(_ savepoint: StoreSavepoint) -> String { "comity_\(savepoint.id)" }
}
