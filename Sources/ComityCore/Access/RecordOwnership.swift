/// Every record belongs to an organisation, its owner: whose members see and change it
/// (see `AccessPolicy`). Given on create (`owner = org`) or, when not, taken from the
/// record itself: a grant is its funder's, an application its applicant's, a person
/// their organisation's, a partnership its facilitator's, an event its first
/// organiser's, a task that of the record it is about (or, about none, its assignee's
/// organisation's), so that a follow-up about a record is seen where the record is. An
/// organisation without an owner is its own; any other record without one belongs to
/// no organisation (coordinators' and the workspace's only).
public enum RecordOwnership {
    /// `owner`, which every record type has beside its schema's fields: kept in a
    /// column of each record table, filtered and ordered by as a field.
    public static let ownerField = FieldDefinition(
        "owner", .reference(.organisation), indexed: true,
        "The organisation the record belongs to: whose members see and change it (see Who may see what).")

    /// The field whose organisation owns a record that is created without an owner.
    public static func defaultOwnerField(_ type: RecordType) -> String? {
        switch type {
        case .grant: "funder"
        case .application: "applicant"
        case .person: "organisation"
        case .partnership: "facilitator"
        case .event: "organisers"
        case .organisation, .task: nil
        }
    }

    /// The owner a new record gets when none is given; `lookup` reads the records a
    /// task's owner comes from (the one it is about, its assignee).
    @inlinable
    public static func defaultOwner(
        _ type: RecordType, _ values: [String: FieldValue], lookup: (RecordReference) throws -> Record?
    ) throws -> Int64? {
        if type == .task {
            if case .reference(let about)? = values["about"] {
                return about.type == .organisation ? about.id : try lookup(about)?.owner
            }
            switch values["assignee"] {
            case .reference(let person)?: return try lookup(person)?.owner
            case .integer(let id)?: return try lookup(RecordReference(.person, id))?.owner
            default: return nil
            }
        }
        guard let field = defaultOwnerField(type) else { return nil }
        switch values[field] {
        case .integer(let id)?: return id
        case .reference(let organisation)?: return organisation.id
        case .references(let list)?: return list.first?.id
        default: return nil
        }
    }

    /// The organisation an `owner` value names (an id or an organisation), checked to
    /// be one; nil for no owner.
    public static func owner(_ value: FieldValue?, record type: RecordType) throws -> Int64? {
        switch value {
        case nil: return nil
        case .integer(let id)?: return id
        case .reference(let target)? where target.type == .organisation: return target.id
        case let other?:
            throw DomainError(.invalidValue, field: ownerField.name,
                              "\(type.displayName) field 'owner' must be an organisation (or its id), got \(other.kindName)")
        }
    }
}
