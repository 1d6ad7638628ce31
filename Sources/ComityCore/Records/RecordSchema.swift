import Foundation

/// One field of a record type.
public struct FieldDefinition: Sendable, Hashable {
    public let name: String
    public let type: FieldType
    public let required: Bool
    /// No two live records may share a value (an organisation's identifier).
    public let unique: Bool
    /// Records are often found by it (a grant's funder, a task's due time): a store
    /// keeps an index on its columns (see `StorageLayout`).
    public let indexed: Bool
    public let summary: String
    /// Declared in the workspace's configuration rather than by Comity.
    public let custom: Bool
    /// For lists: the fewest items a value may have (a partnership's two members).
    public let minimumItems: Int
    /// Personal data (a person's email): shown only to principals who change the record
    /// whole (`AccessPolicy.showsPersonalFields`).
    public let personal: Bool

    public init(
        _ name: String, _ type: FieldType, required: Bool = false, unique: Bool = false, indexed: Bool = false,
        custom: Bool = false, minimumItems: Int = 0, personal: Bool = false, _ summary: String
    ) {
        self.personal = personal
        self.name = name
        self.type = type
        self.required = required
        self.unique = unique
        self.indexed = indexed
        self.custom = custom
        self.minimumItems = minimumItems
        self.summary = summary
    }
}

/// A lifecycle, without its Swift type: what a schema, a store and a binding need.
public struct LifecycleDescription: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        public let verb: String
        public let from: [String]
        public let to: String
        public let event: String
    }

    public let statuses: [String]
    public let initial: String
    public let steps: [Step]

    public let recordName: String

    public init<S: LifecycleStatus>(_ type: S.Type) {
        statuses = S.allCases.map(\.rawValue)
        initial = S.initial.rawValue
        steps = S.steps.map { Step(verb: $0.verb, from: $0.from.map(\.rawValue), to: $0.to.rawValue, event: $0.event) }
        recordName = S.recordName
    }

    /// The step `verb` from status `current`, or an error that says what is allowed.
    public func step(_ verb: String, from current: String) throws(DomainError) -> Step {
        guard let step = steps.first(where: { $0.verb == verb }) else {
            throw DomainError(.illegalStep, "\(recordName) has no step '\(verb)' (steps: \(steps.map(\.verb).joined(separator: ", ")))")
        }
        guard step.from.contains(current) else {
            let article = "aeiou".contains(recordName.prefix(1)) ? "an" : "a"
            throw DomainError(.illegalStep, field: "status",
                              "cannot \(verb) \(article) \(recordName) in status '\(current)' "
                              + "(allowed from: \(step.from.joined(separator: ", ")))")
        }
        return step
    }
}

/// The fields and lifecycle of one record type. Every record also has `id`,
/// `created_at`, `updated_at` and, with a lifecycle, `status`.
public struct RecordSchema: Sendable {
    public let type: RecordType
    public private(set) var fields: [FieldDefinition] {
        didSet { index() }
    }
    public let lifecycle: LifecycleDescription?
    /// Fields worked out, never stored (a task's `overdue`): read and filtered, not set.
    public let derivedFields: [DerivedField]
    /// Rules over the record as a whole (an end not before its start), checked by
    /// `checkRules` on every write.
    public let rules: [RecordRule]
    /// Each field's place in `fields`: every value a script gives is looked up here.
    private var positions: [String: Int] = [:]
    /// The fields every create must give, and the stored fields no two records may
    /// share: worked out once, as every create checks them.
    public private(set) var requiredNames: [String] = []
    public private(set) var uniqueNames: [String] = []
    /// Whether the record keeps its own time zone (an event), which its times are read in.
    private var hasOwnTimeZone = false

    private mutating func index() {
        positions = Self.positions(fields)
        hasOwnTimeZone = positions["time_zone"] != nil
        requiredNames = fields.filter(\.required).map(\.name)
        uniqueNames = fields.filter { $0.unique && !$0.custom }.map(\.name)
    }

    private static func positions(_ fields: [FieldDefinition]) -> [String: Int] {
        Dictionary(fields.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Names every record has, which no field may take.
    public static let reservedNames: Set<String> = ["id", "created_at", "updated_at", "archived_at", "status", "type", "owner", "participant"]

    public init(
        _ type: RecordType, fields: [FieldDefinition], lifecycle: LifecycleDescription? = nil,
        derived: [DerivedField] = [], rules: [RecordRule] = []
    ) {
        self.type = type
        self.fields = fields
        self.lifecycle = lifecycle
        self.derivedFields = derived
        self.rules = rules
        index()
    }

    public func field(named name: String) -> FieldDefinition? { positions[name].map { fields[$0] } }

    public func derivedField(named name: String) -> DerivedField? { derivedFields.first { $0.name == name } }

    /// Refuses values of a whole record (`values`: what it holds after the write) that
    /// break one of its rules; on a change (`changed` given) only the rules that read a
    /// changed field, so that an old record is not refused for a field no one touched.
    public func checkRules(_ values: [String: FieldValue], changed: Set<String>? = nil) throws(DomainError) {
        for rule in rules {
            if let changed, !rule.fields.contains(where: changed.contains) { continue }
            if let refusal = rule.refusal(values, type.displayName) { throw refusal }
        }
    }

    /// The place of field `name` in `fields`.
    public func position(of name: String) -> Int? { positions[name] }

    /// Every name a script may read on such a record.
    public var readableNames: [String] {
        ["id", "created_at", "updated_at"] + (lifecycle == nil ? [] : ["status"]) + fields.map(\.name)
            + derivedFields.map(\.name)
    }

    /// Adds a field declared by the workspace. Custom fields hold plain values:
    /// string, integer, decimal, boolean, date, money, a choice, or a list of strings.
    public mutating func addCustomField(_ definition: FieldDefinition) throws(DomainError) {
        let name = definition.name
        // By hand, not a regular expression: comity.lua's fields are read at every start.
        let bytes = Array(name.utf8)
        guard let first = bytes.first, (0x61...0x7A).contains(first),
              bytes.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }) else {
            throw DomainError(.invalidValue, field: name,
                              "custom field name '\(name)' must be lower case letters, digits and '_', starting with a letter")
        }
        guard !Self.reservedNames.contains(name), field(named: name) == nil, derivedField(named: name) == nil else {
            throw DomainError(.invalidValue, field: name, "\(type.displayName) already has a field '\(name)'")
        }
        switch definition.type {
        case .string, .integer, .decimal, .boolean, .date, .money, .choice, .strings: break
        default:
            throw DomainError(.invalidValue, field: name,
                              "custom field '\(name)' cannot be of type \(definition.type) "
                              + "(allowed: string, integer, decimal, boolean, date, money, choice, list of strings)")
        }
        fields.append(FieldDefinition(name, definition.type, required: definition.required, unique: definition.unique,
                                      custom: true, personal: definition.personal, definition.summary))
    }

    /// Checks the fields given for a new record (`creating`) or for a change: unknown
    /// names, missing required fields and values of the wrong type are refused, each
    /// naming its field. Returns the values normalised.
    public func validate(_ values: [String: FieldValue], creating: Bool, timeZone: TimeZone = .gmt)
        throws(DomainError) -> [String: FieldValue]
    {
        try validatedEntries(values, creating: creating, timeZone: timeZone).values
    }

    /// A value as `validatedEntries` gives it: with its field's place in `fields`.
    public typealias Entry = (position: Int, name: String, value: FieldValue)

    /// `validate`, with each value's place in `fields` as well, so that a create finds
    /// its columns and orders its audit entry without looking every name up again.
    public func validatedEntries(_ values: [String: FieldValue], creating: Bool, timeZone: TimeZone = .gmt)
        throws(DomainError) -> (values: [String: FieldValue], entries: [Entry])
    {
        var timeZone = timeZone
        // A record with its own zone (an event) gives its local times in that zone.
        if hasOwnTimeZone, case .string(let identifier)? = values["time_zone"], let own = TimeZone(identifier: identifier) {
            timeZone = own
        }
        // Most values are already in their normal form: only those that are not are
        // replaced, so that a create does not build a second dictionary.
        var normalised = values
        var entries: [Entry] = []
        entries.reserveCapacity(values.count)
        do {
            // In the dictionary's order first (sorting is a tenth of a create); when a
            // value is refused, again in name order so that the same field is named
            // every time.
            for (name, value) in values {
                let (position, checked) = try checked(name, value, timeZone)
                if checked != value { normalised[name] = checked }
                entries.append((position, name, checked))
            }
        } catch {
            for name in values.keys.sorted() {
                if let value = values[name] { _ = try checked(name, value, timeZone) }
            }
            throw error
        }
        if creating {
            for name in requiredNames where normalised[name] == nil {
                let summary = field(named: name)?.summary ?? ""
                throw DomainError(.invalidValue, field: name, "\(type.displayName) needs '\(name)' (\(summary))")
            }
        }
        return (normalised, entries)
    }

    private func checked(_ name: String, _ value: FieldValue, _ timeZone: TimeZone) throws(DomainError) -> (Int, FieldValue) {
        guard let position = positions[name] else {
            throw unknownField(name)
        }
        let definition = fields[position]
        let checked = try definition.type.normalise(value, field: name, record: type.displayName, timeZone: timeZone)
        // A required text holds something: an empty name is as missing as no name, on a create and on a change.
        if definition.required, case .string(let text) = checked, text.allSatisfy(\.isWhitespace) {
            throw DomainError(.invalidValue, field: name, "\(type.displayName) needs '\(name)' (\(definition.summary)); it cannot be empty")
        }
        // Text of every kind (names, e-mails, choices, lists), whichever path wrote it.
        switch checked {
        case .string(let text):
            if let error = TextValidity.nulError(in: text, field: name, record: type.displayName) { throw error }
        case .strings(let list):
            for text in list {
                if let error = TextValidity.nulError(in: text, field: name, record: type.displayName) { throw error }
            }
        default: break
        }
        if definition.minimumItems > 0 {
            let count: Int
            switch checked {
            case .references(let list): count = list.count
            case .strings(let list): count = list.count
            default: count = 1
            }
            if count < definition.minimumItems {
                throw DomainError(.invalidValue, field: name,
                                  "\(type.displayName) field '\(name)' needs at least \(definition.minimumItems) items, got \(count)")
            }
        }
        return (position, checked)
    }

    /// The refusal of a field the type does not have, with the names it has as
    /// candidates for the engine's suggestion.
    public func unknownField(_ name: String) -> DomainError {
        DomainError(.invalidValue, field: name, unknownFieldMessage(name),
                    candidates: fields.map(\.name) + (lifecycle == nil ? [] : ["status"]) + derivedFields.map(\.name))
    }

    /// `Organisation has no field 'nmae'`; the engine adds a suggestion.
    public func unknownFieldMessage(_ name: String) -> String {
        if name == "status", lifecycle != nil {
            return "\(type.displayName) field 'status' changes only through its lifecycle steps"
        }
        if Self.reservedNames.contains(name) { return "\(type.displayName) field '\(name)' is kept by Comity" }
        if derivedField(named: name) != nil {
            return "\(type.displayName) field '\(name)' is derived (worked out from other fields); it cannot be set"
        }
        return "\(type.displayName) has no field '\(name)'"
    }
}
