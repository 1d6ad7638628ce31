/// Which records of each type a principal may see, or change: a record is in the scope
/// when it meets every filter of at least one of its type's groups (a type without
/// groups has none in it). A store applies it inside its SQL (`RecordQuery.access`), to
/// finds, counts, sums and pages alike, and to the records a link filter reaches
/// through (`grants.find{ funder = { name = ... } }`), so that no row outside it is
/// ever read, not filtered out afterwards.
public struct AccessScope: Sendable {
    public let groups: [RecordType: [[RecordQuery.Filter]]]
    /// The records whose personal fields the principal is shown, in the same form: a
    /// filter on a personal field matches only among them, and no one in the scope orders
    /// or groups by one (`AccessPolicy.showsPersonalFields` says the same of a record).
    public let personal: [RecordType: [[RecordQuery.Filter]]]

    public init(groups: [RecordType: [[RecordQuery.Filter]]], personal: [RecordType: [[RecordQuery.Filter]]] = [:]) {
        self.groups = groups
        self.personal = personal
    }

    public func groups(for type: RecordType) -> [[RecordQuery.Filter]] { groups[type] ?? [] }
}
