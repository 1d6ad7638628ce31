/// `comity people forget`: a person's personal fields erased everywhere the store keeps
/// them (their record, the audit's values, events' data, messages not yet sent), with an
/// audit entry that says it was done, and by whom.
public protocol PersonalDataStore {
    /// Erases the personal fields of `person` (see `FieldDefinition.personal`); what was
    /// erased, and where.
    func forget(_ person: RecordReference, context: ChangeContext) throws -> ForgottenData
}

/// What `forget` erased.
public struct ForgottenData: Sendable, Equatable {
    /// The personal fields that held a value on the record.
    public let fields: [String]
    public let auditEntries: Int
    public let events: Int
    public let unsentMessages: Int

    public init(fields: [String], auditEntries: Int, events: Int, unsentMessages: Int) {
        self.fields = fields
        self.auditEntries = auditEntries
        self.events = events
        self.unsentMessages = unsentMessages
    }

    /// What stands in an erased value's place.
    public static let erased = "(erased)"
}

/// What a store does to erase, below the rules: rows rewritten, nothing decided.
public protocol PersonalDataStorage {
    /// Replaces the old and new values of the audit's changes to `fields` of `record`
    /// with `replacement`, and drops those fields from its creation's values; how many
    /// entries changed.
    func eraseAudit(of record: RecordReference, fields: [String], replacement: String) throws -> Int
    /// Drops `fields` from the data of the events about `record` (its fields and its
    /// changes); how many events changed.
    func eraseEventData(of record: RecordReference, fields: [String]) throws -> Int
    /// Replaces each of `values` with `replacement` in the subject, text and HTML of the
    /// messages not sent (queued or held); how many messages changed.
    func eraseFromUnsentMessages(_ values: [String], replacement: String) throws -> Int
}

extension PersonalDataStore where Self: PersonalDataStorage & RecordStorage {
    public func forget(_ person: RecordReference, context: ChangeContext) throws -> ForgottenData {
        guard person.type == .person else {
            throw DomainError(.invalidValue, field: "person", "only a person's data is forgotten, not \(person.type.article) \(person.type.rawValue)'s")
        }
        guard let record = try self.record(person) else { throw StoreError(.notFound, StoreError.missingText(person)) }
        let personal = schema[.person].fields.filter(\.personal)
        let held = personal.filter { record.fields[$0.name] != nil }
        let names = personal.map(\.name)
        // Every value a personal field held, as text: what a message's body may quote.
        let values = held.compactMap { definition -> String? in
            guard let value = record.fields[definition.name] else { return nil }
            if case .string(let text) = value { return text }
            return value.description
        }.filter { !$0.isEmpty }
        if !held.isEmpty {
            var fields = record.fields
            for definition in held { fields[definition.name] = nil }
            try updateRecord(person, changed: held, fields: fields, at: context.at)
        }
        let audit = try eraseAudit(of: person, fields: names, replacement: ForgottenData.erased)
        let events = try eraseEventData(of: person, fields: names)
        let messages = values.isEmpty ? 0 : try eraseFromUnsentMessages(values, replacement: ForgottenData.erased)
        try appendAudit(person, .erase, field: nil, old: nil,
                        new: "personal data erased: " + (held.isEmpty ? "none held" : held.map(\.name).joined(separator: ", ")), context: context)
        return ForgottenData(fields: held.map(\.name), auditEntries: audit, events: events, unsentMessages: messages)
    }
}
