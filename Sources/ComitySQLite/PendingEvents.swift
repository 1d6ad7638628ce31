import ComityCore

/// The domain events a transaction has recorded, kept in memory with the ids they will
/// have until it commits: whoever queues what they start (at the end of a run, in the
/// same transaction) gets them from here, not by reading back rows just inserted. The
/// ids follow the table's sequence, read once: the transaction holds the only writer.
/// A rolled-back savepoint drops those recorded inside it, and a rolled-back
/// transaction all of them.
final class PendingEvents {
    private(set) var events: [DomainEvent] = []
    /// The table's last id when the first event was recorded; nil before.
    private var idBefore: Int64?

    var numbered: Bool { idBefore != nil }
    func number(after id: Int64) { idBefore = id }
    /// The id of the next event recorded.
    var nextID: Int64 { (idBefore ?? 0) + Int64(events.count) + 1 }
    /// How many are kept: where a savepoint begins.
    var count: Int { events.count }

    func append(_ event: DomainEvent) { events.append(event) }

    /// One recorded in this transaction, by its id.
    func event(id: Int64) -> DomainEvent? {
        guard let before = idBefore, id > before, id - before <= Int64(events.count) else { return nil }
        return events[Int(id - before - 1)]
    }

    /// Forgets those recorded since `count` was `mark` (a savepoint rolled back).
    func rollBack(to mark: Int) {
        if mark < events.count { events.removeSubrange(mark...) }
    }

    /// Takes them all out, to be inserted.
    func take() -> [DomainEvent] {
        defer { events.removeAll() }
        return events
    }
}
