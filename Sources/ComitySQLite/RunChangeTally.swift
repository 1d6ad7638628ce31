import ComityCore

/// What a transaction has changed, run by run: the counts a run records when it ends
/// come from here, where counting them in SQL read every audit row of the run again
/// (a fortieth of a large run's time). A run's changes are all written in its one
/// transaction (one run = one transaction), so the counts here are whole; the store
/// still counts in SQL when the audit holds rows of the run from before
/// (`auditIDBefore`), or when this transaction wrote nothing for it.
final class RunChangeTally {
    private var entries: [(run: String?, record: RecordReference, created: Bool)] = []
    /// The last audit id written before this transaction's first change.
    var auditIDBefore: Int64 = 0

    func note(run: String?, record: RecordReference, created: Bool) {
        entries.append((run, record, created))
    }

    /// Where a savepoint begins: rolling it back forgets what was noted since.
    var mark: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    func rollBack(to mark: Int) {
        entries.removeSubrange(min(mark, entries.count)...)
    }

    /// Records created, and records changed otherwise, by `run`; nil when this
    /// transaction changed nothing for it.
    func counts(run: String) -> (created: Int, changed: Int)? {
        var created = 0
        var changed = Set<RecordReference>()
        var seen = false
        for entry in entries where entry.run == run {
            seen = true
            if entry.created { created += 1 } else { changed.insert(entry.record) }
        }
        return seen ? (created, changed.count) : nil
    }
}
