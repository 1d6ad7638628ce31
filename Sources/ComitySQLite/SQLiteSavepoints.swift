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
        let savepoint = savepoints.push(tally: tally.mark, events: pendingEvents.count)
        savepointWillBegin()
        do {
            try db.execute(sql: "SAVEPOINT \(OpenSavepoints.name(savepoint))")
        } catch {
            if let opened = try? savepoints.position(of: savepoint) { savepoints.end(from: opened.index) }
            savepointDidRelease()
            throw error
        }
        return savepoint
    }

    func releaseSavepoint(_ savepoint: StoreSavepoint) throws {
        let position = try savepoints.position(of: savepoint)
        let ended = savepoints.count - position.index
        try db.execute(sql: "RELEASE SAVEPOINT \(OpenSavepoints.name(savepoint))")
        savepoints.end(from: position.index)
        // RELEASE ends the savepoints opened after this one too: open finds leave each.
        for _ in 0..<ended { savepointDidRelease() }
    }

    func rollBack(toSavepoint savepoint: StoreSavepoint) throws {
        let position = try savepoints.position(of: savepoint)
        let name = OpenSavepoints.name(savepoint)
        let ended = savepoints.count - position.index
        // The ids handed out so far stay taken after the rollback (a handle made inside
        // must not come to mean a later record).
        let handedOut = savepointWillRollBack()
        // Waiting audit rows were all written after the last savepoint opened (each
        // opening flushes them), so after this one: none is kept.
        pendingAudit.discard()
        tally.rollBack(to: position.tally)
        pendingEvents.rollBack(to: position.events)
        savepoints.end(from: position.index)
        try db.execute(sql: "ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
        // Innermost first: each level's finds go back to their rows as of their call.
        for _ in 1..<max(ended, 1) { openCursors.rolledBackSavepoint() }
        savepointDidRollBack(handedOut)
    }
}
