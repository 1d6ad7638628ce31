/// One organisation's records of one type made visible to another organisation or to a
/// network: "the foundation shares its grants of programme X with the round table,
/// read-only, until 2027-01-01". Optionally narrowed by one field's value (a programme,
/// a status, a tag of a list of strings).
public struct RecordShare: Sendable, Hashable {
    public enum Access: String, Sendable, CaseIterable {
        case read, edit
    }

    /// Who the records are shared with.
    public enum Grantee: Sendable, Hashable, CustomStringConvertible {
        case organisation(Int64)
        case network(String)

        public var description: String {
            switch self {
            case .organisation(let id): "organisation#\(id)"
            case .network(let name): "network \(name)"
            }
        }
    }

    /// The store's id; 0 before it is kept.
    public var id: Int64
    /// The organisation whose records are shared.
    public let owner: Int64
    public let recordType: RecordType
    /// The field that narrows the share (`programme`), with its value; nil shares every record of the type.
    public let field: String?
    public let value: String?
    public let grantee: Grantee
    public let access: Access
    /// The last day the share holds; nil for no end.
    public let until: CalendarDate?

    public init(id: Int64 = 0, owner: Int64, recordType: RecordType, field: String? = nil, value: String? = nil,
                grantee: Grantee, access: Access, until: CalendarDate? = nil) {
        self.id = id
        self.owner = owner
        self.recordType = recordType
        self.field = field
        self.value = value
        self.grantee = grantee
        self.access = access
        self.until = until
    }

    /// Whether it holds on `day`.
    public func holds(on day: CalendarDate) -> Bool { until.map { day <= $0 } ?? true }

    /// The records it selects among the owner's: the owner, and the narrowing field.
    public var filters: [RecordQuery.Filter] {
        var filters = [RecordQuery.Filter(RecordOwnership.ownerField.name, .equal, .integer(owner))]
        if let field, let value { filters.append(RecordQuery.Filter(field, .equal, .string(value))) }
        return filters
    }

    /// How the audit and `comity access shares` say it.
    public var description: String {
        let narrowed = field.map { " where \($0) = \(value ?? "")" } ?? ""
        let end = until.map { " until \($0)" } ?? ""
        return "\(recordType.collection)\(narrowed) of organisation#\(owner) with \(grantee), \(access.rawValue)\(end)"
    }
}
