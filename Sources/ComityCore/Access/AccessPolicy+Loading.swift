import Foundation
import HumanReadable

extension AccessPolicy {
    /// The person `text` names: an id (`7`, `person#7`), an email (whatever its case) or
    /// a name. A name or an email names whoever acts by it: a member (someone with a
    /// membership) before anyone else who has it, so that a person made or renamed
    /// after a member cannot be taken for them; a member archived is said, not passed
    /// over for someone else of that name. `membersOnly`: a name or an email names a
    /// member or no one, for a `run_as` written in a script or comity.lua, which a person
    /// made later under that name must not take up.
    public static func person(named text: String, in transaction: any StoreTransaction, membersOnly: Bool = false) throws -> Record {
        let given = text.trimmingBlanks()
        let digits = given.hasPrefix("person#") ? String(given.dropFirst("person#".count)) : given
        if let id = Int64(digits), id > 0 {
            guard let person = try transaction.record(RecordReference(.person, id)) else {
                throw StoreError(.notFound, "no person with id \(id) (give a person's id, email or name)")
            }
            return person
        }
        let field = given.contains("@") ? "email" : "name"
        var found: [Record] = []
        // An email whatever its case (as mail is delivered); a name as it is written.
        let filter = field == "email" ? RecordQuery.Filter(field, .contains, .string(given)) : RecordQuery.Filter(field, .equal, .string(given))
        try transaction.forEach(.person, RecordQuery(filters: [filter], includeArchived: true)) { person in
            if field == "name" || person.fields["email"]?.description.lowercased() == given.lowercased() { found.append(person) }
            return found.count < 50
        }
        let members = Set(try transaction.memberships().map(\.person))
        let named = found.filter { members.contains($0.id) }
        if membersOnly, named.isEmpty {
            throw StoreError(.notFound, "no member whose \(field) is '\(given)' (a run_as names a member: `comity access add-member`; or give the person's id)")
        }
        let candidates = named.isEmpty ? found.filter { $0.archivedAt == nil } : named
        guard let first = candidates.first else {
            if let archived = found.first {
                throw StoreError(.notFound, "person \(archived.id) (\(field) '\(given)') is archived: restore them, or give another person")
            }
            throw StoreError(.notFound, "no person whose \(field) is '\(given)' (give a person's id, email or name)")
        }
        guard candidates.count == 1 else {
            throw DomainError(.invalidValue, field: "person",
                              "several \(named.isEmpty ? "people" : "members") have the \(field) '\(given)' (ids \(candidates.map { String($0.id) }.joined(separator: ", "))); give the id")
        }
        guard first.archivedAt == nil else {
            throw StoreError(.notFound, "person \(first.id) (\(field) '\(given)') is archived: restore them, or give another person")
        }
        return first
    }

    /// The policy of the person `text` names (see `person(named:in:)`), as of `now` in
    /// `timeZone` (a share's last day ends at midnight there).
    public static func load(
        named text: String, in transaction: any StoreTransaction, now: Timestamp, timeZone: TimeZone, membersOnly: Bool = false
    ) throws -> AccessPolicy {
        try load(for: try person(named: text, in: transaction, membersOnly: membersOnly), in: transaction, now: now, timeZone: timeZone)
    }

    public static func load(for person: Record, in transaction: any StoreTransaction, now: Timestamp, timeZone: TimeZone) throws -> AccessPolicy {
        let memberships = try transaction.memberships().filter { $0.person == person.id }
        var names: [Int64: String] = [:]
        for membership in memberships {
            if case .string(let name)? = try transaction.record(RecordReference(.organisation, membership.organisation))?.fields["name"] {
                names[membership.organisation] = name
            }
        }
        let today = try CalendarDate(parsing: String(now.formatted(in: timeZone).prefix(10)), field: "today")
        var personName = "person#\(person.id)"
        if case .string(let name)? = person.fields["name"] { personName = name }
        return AccessPolicy(person: person.reference, personName: personName, memberships: memberships,
                            networks: try transaction.networkMembers(), shares: try transaction.shares(), today: today,
                            organisationNames: names)
    }
}

extension AccessPolicy {
    /// The principals (people with a membership) among `addresses` who may not see
    /// `record`, by the name errors give them: a message about a record goes to no one who
    /// may not see it. People without a membership are not principals (a contact outside
    /// the network) and are not asked about.
    public static func principals(
        among addresses: [String], whoMayNotSee record: RecordReference, in transaction: any StoreTransaction, now: Timestamp,
        timeZone: TimeZone
    ) throws -> [String] {
        let members = Set(try transaction.memberships().map(\.person))
        guard !members.isEmpty else { return [] }
        var blind: [String] = []
        for address in Set(addresses.map { $0.lowercased() }).sorted() {
            var people: [Record] = []
            try transaction.forEach(.person, RecordQuery(filters: [RecordQuery.Filter("email", .contains, .string(address))], includeArchived: true)) {
                if members.contains($0.id), $0.fields["email"]?.description.lowercased() == address { people.append($0) }
                return true
            }
            for person in people {
                let policy = try load(for: person, in: transaction, now: now, timeZone: timeZone)
                if try PrincipalTransaction(transaction, policy: policy, schema: .standard).record(record) == nil { blind.append(policy.name) }
            }
        }
        return blind
    }
}
