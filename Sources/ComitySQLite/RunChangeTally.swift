import ComityCore

/// What a transaction has changed, run by run: the counts a run records when it ends
/// come from here, where counting them in SQL read every audit row of the run again
/// (a fortieth of a large run's time). A run's changes are all written in its one
/// transaction (one run = one transaction), so the counts here are whole; the store
/// still counts in SQL when the audit holds rows of the run from before
/// (`auditIDBefore`), or when this transaction wrote nothing for it.
final class RunChangeTally {
    /// Creates as counts per run, one after the other (a run creating a million
    /// records takes one entry); other changes one by one, as a record changed twice
    /// counts once.
    private var created: [(run: String?, count: Int)] = []
    private var changed: [(run: String?, record: RecordReference)] = []
    /// The last audit id written before this transaction's first change.
    var auditIDBefore: Int64 = 0

    /// Where a savepoint begins: rolling back to it forgets what was noted since.
    struct Mark {
        fileprivate let created: Int
        fileprivate let lastCount: Int
        fileprivate let changed: Int
    }

    var mark: Mark { Mark(created: created.count, lastCount: created.last?.count ?? 0, changed: changed.count) }
    var isEmpty: Bool { created.isEmpty && changed.isEmpty }

    func note(run: String?, record: RecordReference, created isCreate: Bool) {
        guard isCreate else {
            changed.append((run, record))
            return
        }
        if let last = created.indices.last, created[last].run == run {
            created[last].count += 1
        } else {
            created.append((run, 1))
        }
    }

    func rollBack(to mark: Mark) {
        created.removeSubrange(min(mark.created, created.count)...)
        if mark.created > 0, mark.created == created.count { created[mark.created - 1].count = mark.lastCount }
        changed.removeSubrange(min(mark.changed, changed.count)...)
    }

    /// Records created, and records changed otherwise, by `run`; nil when this
    /// transaction changed nothing for it.
    func counts(run: String) -> (created: Int, changed: Int)? {
        var seen = false
        var createdCount = 0
        for entry in created where entry.run == run {
            seen = true
            createdCount += entry.count
        }
        var records = Set<RecordReference>()
        for entry in changed where entry.run == run {
            seen = true
            records.insert(entry.record)
        }
        return seen ? (createdCount, records.count) : nil
    }
}
