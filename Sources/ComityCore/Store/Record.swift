/// A stored record: its stable id, field values, lifecycle status and times.
public struct Record: Sendable, Hashable {
    public let reference: RecordReference
    public var fields: [String: FieldValue]
    /// The lifecycle status, for types that have one.
    public var status: String?
    public let createdAt: Timestamp
    public var updatedAt: Timestamp
    /// Set when archived: hidden from queries unless asked for; restorable.
    public var archivedAt: Timestamp?

    public init(
        reference: RecordReference, fields: [String: FieldValue], status: String?, createdAt: Timestamp,
        updatedAt: Timestamp, archivedAt: Timestamp? = nil
    ) {
        self.reference = reference
        self.fields = fields
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.archivedAt = archivedAt
    }

    public var type: RecordType { reference.type }
    public var id: Int64 { reference.id }
}

/// One change to one field, as the audit keeps it.
public struct AuditEntry: Sendable, Hashable {
    public enum Action: String, Sendable {
        case create, update, step, archive, restore
    }

    public let record: RecordReference
    public let action: Action
    /// The field changed (`status` for steps), nil for a whole-record action.
    public let field: String?
    public let oldValue: String?
    public let newValue: String?
    public let run: String?
    public let at: Timestamp

    public init(
        record: RecordReference, action: Action, field: String?, oldValue: String?, newValue: String?, run: String?,
        at: Timestamp
    ) {
        self.record = record
        self.action = action
        self.field = field
        self.oldValue = oldValue
        self.newValue = newValue
        self.run = run
        self.at = at
    }
}

/// Something that happened to a record, which workflows may listen to:
/// `grant.awarded`, `application.dismissed`.
public struct DomainEvent: Sendable, Hashable {
    public let name: String
    public let record: RecordReference
    public let run: String?
    public let at: Timestamp

    public init(name: String, record: RecordReference, run: String?, at: Timestamp) {
        self.name = name
        self.record = record
        self.run = run
        self.at = at
    }
}

/// Which records a query selects, in what order, how many.
public struct RecordQuery: Sendable {
    public enum Comparison: String, Sendable {
        case equal = "="
        case notEqual = "<>"
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    public struct Filter: Sendable {
        public let field: String
        public let comparison: Comparison
        public let value: FieldValue?

        public init(_ field: String, _ comparison: Comparison = .equal, _ value: FieldValue?) {
            self.field = field
            self.comparison = comparison
            self.value = value
        }
    }

    public var filters: [Filter]
    public var orderBy: [(field: String, descending: Bool)]
    public var limit: Int?
    public var includeArchived: Bool

    public init(
        filters: [Filter] = [], orderBy: [(field: String, descending: Bool)] = [], limit: Int? = nil,
        includeArchived: Bool = false
    ) {
        self.filters = filters
        self.orderBy = orderBy
        self.limit = limit
        self.includeArchived = includeArchived
    }
}

/// A row of a grouped sum: the values it is grouped by, and one total per currency.
public struct MoneyTotal: Sendable, Hashable {
    public let group: [FieldValue?]
    public let total: Money

    public init(group: [FieldValue?], total: Money) {
        self.group = group
        self.total = total
    }
}
