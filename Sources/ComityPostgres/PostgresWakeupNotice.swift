/// Whether a transaction changed the queue (queued a run, gave one back), so that its
/// COMMIT is preceded by one NOTIFY. Set from the transaction's thread only.
final class PostgresWakeupNotice: @unchecked Sendable {
    private(set) var isDue = false
    func queueChanged() { isDue = true }
}
