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
    /// The organisation it belongs to (see `RecordOwnership`); nil for none (an
    /// organisation without one is its own).
    public var owner: Int64?

    public init(
        reference: RecordReference, fields: [String: FieldValue], status: String?, createdAt: Timestamp,
        updatedAt: Timestamp, archivedAt: Timestamp? = nil, owner: Int64? = nil
    ) {
        self.owner = owner
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
        /// A change of who may see or change records: a membership, a share, a network.
        case access
        /// A person's personal data erased (`comity people forget`).
        case erase
    }

    public let record: RecordReference
    public let action: Action
    /// The field changed (`status` for steps), nil for a whole-record action.
    public let field: String?
    public let oldValue: String?
    public let newValue: String?
    public let run: String?
    public let at: Timestamp
    /// Who made the change, when a principal did (`AccessPolicy.name`); nil for the workspace.
    public let principal: String?

    public init(
        record: RecordReference, action: Action, field: String?, oldValue: String?, newValue: String?, run: String?,
        at: Timestamp, principal: String? = nil
    ) {
        self.principal = principal
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
/// `grant.awarded`, `application.dismissed`, `organisation.created`, `grant.updated`.
/// It carries its own data, stored with it in the same transaction: a run it triggers
/// may start long after, when the record has changed again.
public struct DomainEvent: Sendable, Hashable {
    /// The event's row in the store; 0 for an event not read from one.
    public let id: Int64
    public let name: String
    public let record: RecordReference
    public let run: String?
    public let at: Timestamp
    /// The record's fields as of the event (after the change), with `status` for a
    /// type with a lifecycle. Empty for an event recorded before events kept their data.
    public let fields: [String: FieldValue]
    /// For an update or a lifecycle step: each field that changed (`status` for a
    /// step), with its old and new values. Empty for a creation.
    public let changes: [String: FieldChange]

    public init(
        id: Int64 = 0, name: String, record: RecordReference, run: String?, at: Timestamp,
        fields: [String: FieldValue] = [:], changes: [String: FieldChange] = [:]
    ) {
        self.id = id
        self.name = name
        self.record = record
        self.run = run
        self.at = at
        self.fields = fields
        self.changes = changes
    }

    /// `TYPE.created`: every record type has one.
    public static func createdName(_ type: RecordType) -> String { "\(type.rawValue).created" }
    /// `TYPE.updated`: a record's fields (or its status) changed.
    public static func updatedName(_ type: RecordType) -> String { "\(type.rawValue).updated" }
}

/// One field's change, as an event carries it: nil for no value.
public struct FieldChange: Sendable, Hashable {
    public let old: FieldValue?
    public let new: FieldValue?

    public init(old: FieldValue?, new: FieldValue?) {
        self.old = old
        self.new = new
    }
}

/// Which records a query selects, in what order, how many.
public struct RecordQuery: Sendable {
    /// The comparisons a filter's name asks for by its end (`amount_awarded_min`,
    /// `name_contains`): one list for Lua's `find` and the HTTP API's query strings.
    public static let filterSuffixes: [(suffix: String, comparison: Comparison)] = [
        ("_after", .greater), ("_before", .less), ("_min", .greaterOrEqual), ("_max", .lessOrEqual),
        ("_contains", .contains), ("_prefix", .prefix), ("_currency", .currency),
    ]

    public enum Comparison: String, Sendable {
        case equal = "="
        case notEqual = "<>"
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        /// Text that holds the value, whatever the case (`name_contains`); `%`, `_`
        /// and `\` in the value are themselves, not wildcards.
        case contains
        /// Text that starts with the value, whatever the case (`name_prefix`).
        case prefix
        /// A Money field whose currency is the value, a code (`amount_awarded_currency = "RUB"`).
        case currency

        /// The SQL operator of a comparison of values; nil for text search and currency.
        public var sqlOperator: String? {
            switch self {
            case .contains, .prefix, .currency: nil
            default: rawValue
            }
        }
    }

    public struct Filter: Sendable {
        /// What a field is compared with.
        public enum Operand: Sendable {
            /// One value (nil: the field is empty).
            case value(FieldValue?)
            /// Any of these values, as SQL's `IN`: `status = { "awarded", "active" }`.
            /// An empty list matches no record.
            case anyOf([FieldValue])
            /// A link (`funder`) to a record that meets all of these filters, which are
            /// of the linked record's type: `funder = { country = "DE" }`.
            case linked([Filter])
            /// Records for which these filters do not all hold (a derived field's `false`).
            /// The field names the derived field, for messages.
            case notAll([Filter])
        }

        public let field: String
        public let comparison: Comparison
        public let operand: Operand

        public init(_ field: String, _ comparison: Comparison = .equal, _ value: FieldValue?) {
            self.field = field
            self.comparison = comparison
            self.operand = .value(value)
        }

        public init(_ field: String, _ comparison: Comparison = .equal, operand: Operand) {
            self.field = field
            self.comparison = comparison
            self.operand = operand
        }

        /// The one value compared with, nil for a list or conditions.
        public var value: FieldValue? {
            if case .value(let value) = operand { value } else { nil }
        }
    }

    public var filters: [Filter]
    public var orderBy: [(field: String, descending: Bool)]
    public var limit: Int?
    public var includeArchived: Bool
    /// The clock derived fields are worked out by (a task's `overdue`): the run's.
    /// A filter on a derived field needs it.
    public var now: Timestamp?
    /// The records a principal may see (`AccessPolicy`), applied by the store inside its
    /// SQL; nil for the workspace, which sees every record.
    public var access: AccessScope?

    public init(
        filters: [Filter] = [], orderBy: [(field: String, descending: Bool)] = [], limit: Int? = nil,
        includeArchived: Bool = false, now: Timestamp? = nil
    ) {
        self.filters = filters
        self.orderBy = orderBy
        self.limit = limit
        self.includeArchived = includeArchived
        self.now = now
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
