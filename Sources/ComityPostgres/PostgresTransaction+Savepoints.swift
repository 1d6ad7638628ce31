import ComityCore
import ComitySQL

/// Savepoints: the server's own. What is written inside (records, audit, events,
/// queued runs, messages, once-keys) is in the tables, so the server's rollback takes
/// all of it back; a cursor declared inside one is closed by its rollback. Audit
/// entries not yet written are sent before a savepoint opens, so that those waiting
/// are always of the innermost one: its rollback drops them unsent.
extension PostgresTransaction {
    func openSavepoint() throws -> StoreSavepoint {
        try writePendingAudit()
        let savepoint = savepoints.push()
        do {
            try session.execute("SAVEPOINT \(PostgresSavepoints.name(savepoint))")
        } catch {
            savepoints.end(from: try savepoints.index(of: savepoint))
            throw error
        }
        return savepoint
    }

    func releaseSavepoint(_ savepoint: StoreSavepoint) throws {
        let index = try savepoints.index(of: savepoint)
        try session.execute("RELEASE SAVEPOINT \(PostgresSavepoints.name(savepoint))")
        savepoints.end(from: index)
    }

    func rollBack(toSavepoint savepoint: StoreSavepoint) throws {
        let index = try savepoints.index(of: savepoint)
        let name = PostgresSavepoints.name(savepoint)
        savepoints.end(from: index)
        cursors.rolledBack(toDepth: index)
        pendingAudit.rows.removeAll()
        try session.execute("ROLLBACK TO SAVEPOINT \(name)")
        try session.execute("RELEASE SAVEPOINT \(name)")
    }
}
