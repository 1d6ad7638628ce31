import ComityCore

/// The rows of the access tables as both SQL stores keep them (see `StorageLayout`):
/// a share's grantee is one of two columns, its end a day's text.
public enum AccessRowCoding {
    /// The columns of `access_shares` after `id`, in the order `shareValues` gives them.
    public static let shareColumns = "owner, record_type, field, value, grantee_organisation, grantee_network, access, until"

    public static func shareValues(_ share: RecordShare) -> [SQLValue] {
        var values: [SQLValue] = [.integer(share.owner), .text(share.recordType.rawValue), share.field.sqlValue, share.value.sqlValue]
        switch share.grantee {
        case .organisation(let id): values += [.integer(id), .null]
        case .network(let name): values += [.null, .text(name)]
        }
        return values + [.text(share.access.rawValue), share.until.map { .text($0.description) } ?? .null]
    }

    /// A share from its row's values (`id` then `shareColumns`); nil for a row this
    /// Comity cannot read (a record type or access it does not know), which then grants nothing.
    public static func share(_ values: [SQLValue]) -> RecordShare? {
        guard values.count == 9, let id = values[0].integer, let owner = values[1].integer,
              let type = values[2].text.flatMap(RecordType.init(rawValue:)),
              let access = values[7].text.flatMap(RecordShare.Access.init(rawValue:)) else { return nil }
        let grantee: RecordShare.Grantee
        if let organisation = values[5].integer {
            grantee = .organisation(organisation)
        } else if let network = values[6].text {
            grantee = .network(network)
        } else {
            return nil
        }
        let until = values[8].text.flatMap { try? CalendarDate(parsing: $0) }
        return RecordShare(id: id, owner: owner, recordType: type, field: values[3].text, value: values[4].text,
                           grantee: grantee, access: access, until: until)
    }

    public static func membership(person: Int64?, organisation: Int64?, role: String?) -> Membership? {
        guard let person, let organisation, let role = role.flatMap(AccessRole.init(rawValue:)) else { return nil }
        return Membership(person: person, organisation: organisation, role: role)
    }
}
