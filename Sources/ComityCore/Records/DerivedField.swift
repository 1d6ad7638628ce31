/// A field worked out from others as of a moment, never stored: a task's `overdue`.
/// One definition serves the read (`t.overdue`), the filter (`tasks.count { overdue =
/// true }`) and the docs, so that they cannot disagree.
public struct DerivedField: Sendable {
    public let name: String
    public let summary: String
    /// The filters that select the records for which it is true as of `now`; the
    /// records for which it is false are the others.
    public let whenTrue: @Sendable (_ now: Timestamp) -> [RecordQuery.Filter]
    /// Its value for a record as of `now`.
    public let value: @Sendable (_ record: Record, _ now: Timestamp) -> Bool

    public init(
        _ name: String, _ summary: String, whenTrue: @escaping @Sendable (Timestamp) -> [RecordQuery.Filter],
        value: @escaping @Sendable (Record, Timestamp) -> Bool
    ) {
        self.name = name
        self.summary = summary
        self.whenTrue = whenTrue
        self.value = value
    }

    /// A task that is open and past its due time.
    public static let overdue = DerivedField(
        "overdue", "Open and past its due time by the run's clock (derived: filterable, not settable).",
        whenTrue: { now in
            [RecordQuery.Filter("status", .equal, .string(TaskStatus.open.rawValue)), RecordQuery.Filter("due", .less, .time(now))]
        },
        value: { record, now in
            guard record.status == TaskStatus.open.rawValue, case .time(let due)? = record.fields["due"] else { return false }
            return due < now
        })
}
