import ComityCore
import GRDB

/// Savepoints that outlive a closure (a Lua `pcall` frame that wrote). `inSavepoint`
/// is made of these too, so that what a rollback must forget besides SQLite's rows
/// (audit rows still waiting, the run's change tally) is forgotten in one place.
extension SQLiteTransaction {
    func openSavepoint() throws -> StoreSavepoint {
        // Rows written before the savepoint go in before it, so that rolling it back
        // drops exactly the rows written inside it: those still waiting, and those
        // SQLite rolls back.
        try flushAudit()
        let savepoint = savepoints.push(tally: tally.mark)
        do {
            try db.execute(sql: "SAVEPOINT \(OpenSavepoints.name(savepoint))")
        } catch {
            if let opened = try? savepoints.position(of: savepoint) { savepoints.end(from: opened.index) }
            throw error
        }
        return savepoint
    }

    func releaseSavepoint(_ savepoint: StoreSavepoint) throws {
        let position = try savepoints.position(of: savepoint)
        try db.execute(sql: "RELEASE SAVEPOINT \(OpenSavepoints.name(savepoint))")
        savepoints.end(from: position.index)
    }

    func rollBack(toSavepoint savepoint: StoreSavepoint) throws {
        let position = try savepoints.position(of: savepoint)
        let name = OpenSavepoints.name(savepoint)
        // Waiting audit rows were all written after the last savepoint opened (each
        // opening flushes them), so after this one: none is kept.
        pendingAudit.discard()
        tally.rollBack(to: position.tally)
        savepoints.end(from: position.index)
        try db.execute(sql: "ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
    }
}
