import ComitySQL

/// The audit entries of a transaction not yet sent (`PostgresTransaction.appendAudit`).
final class PostgresPendingAudit: @unchecked Sendable {
    /// Entries per INSERT: past a few dozen rows a statement saves no more round trips.
    static let batch = 64
    var rows: [[SQLValue]] = []
}
