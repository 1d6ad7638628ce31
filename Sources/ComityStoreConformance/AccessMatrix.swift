import ComityCore
import Foundation

/// The access matrix's world: four organisations in two networks, six people of every
/// role (and one of none), records of every type with and without shares, and personal
/// fields (people's emails). Which principal sees and changes which record is written
/// out by hand in `AccessPolicyCases`, not worked out from the policy.
///
/// - networks: north = {A (an NGO), B (an NGO)}, south = {C (a civic chamber), F (a foundation)}
/// - viewerA (viewer of A), editorA (editor of A), editorB (editor of B),
///   coordinatorC (coordinator of C), adminF (admin of F), outsider (no membership)
/// - grants: g1 F→A "civil" 100, g2 F→C "culture" 200, g3 F→B "culture" 300, g4 A→C "civil" 400 (RUB)
/// - shares: F's grants where programme = civil with north (read); C's applications with
///   A (edit); F's grants with B, ended 2020-12-31
/// - tasks: t1 assigned to editorB (so B's, as its assignee's organisation), t2 F's
public struct AccessMatrix {
    public let store: any Store
    public let organisations: [String: RecordReference]
    public let people: [String: RecordReference]
    public let records: [String: RecordReference]

    public static let principals = ["viewerA", "editorA", "editorB", "coordinatorC", "adminF", "outsider"]

    init(_ factory: any StoreFactory) throws {
        try self.init(store: try factory.newStore())
    }

    /// The matrix's world written into `store` (an empty one: a workspace's, served).
    public init(store: any Store) throws {
        self.store = store
        (organisations, people, records) = try store.write(commit: true) { tx in
            func org(_ name: String) throws -> RecordReference {
                try tx.create(.organisation, ["name": .string(name)], context: context).reference
            }
            let orgs = ["A": try org("Agency for Social Information"), "B": try org("Tetradka Druzhby"),
                        "C": try org("Civic Chamber"), "F": try org("Presidential Grants Foundation")]
            func ref(_ key: String) -> FieldValue { .reference(orgs[key] ?? RecordReference(.organisation, 0)) }
            var people: [String: RecordReference] = [:]
            let places: [(String, String?, AccessRole?)] = [
                ("viewerA", "A", .viewer), ("editorA", "A", .editor), ("editorB", "B", .editor),
                ("coordinatorC", "C", .coordinator), ("adminF", "F", .admin), ("outsider", nil, nil),
            ]
            for (name, place, role) in places {
                var fields: [String: FieldValue] = ["name": .string(name), "email": .string("\(name.lowercased())@example.org")]
                if let place { fields["organisation"] = ref(place) }
                let person = try tx.create(.person, fields, context: context).reference
                people[name] = person
                if let place, let role, let organisation = orgs[place] {
                    try tx.saveMembership(Membership(person: person.id, organisation: organisation.id, role: role), context: context)
                }
            }
            for (network, members) in [("north", ["A", "B"]), ("south", ["C", "F"])] {
                for member in members {
                    _ = try tx.addNetworkMember(NetworkMember(network: network, organisation: orgs[member]?.id ?? 0), context: context)
                }
            }
            var records: [String: RecordReference] = [:]
            for (key, funder, recipient, programme, amount) in [("g1", "F", "A", "civil", 100), ("g2", "F", "C", "culture", 200),
                                                                 ("g3", "F", "B", "culture", 300), ("g4", "A", "C", "civil", 400)] {
                records[key] = try tx.create(.grant, [
                    "title": .string(key), "funder": ref(funder), "recipient": ref(recipient), "programme": .string(programme),
                    "amount_awarded": .money(Money(minorUnits: Int64(amount) * 100, currency: rub)),
                ], context: context).reference
            }
            records["app1"] = try tx.create(.application, ["applicant": ref("B"), "summary": .string("app1")], context: context).reference
            records["app2"] = try tx.create(.application, ["applicant": ref("C"), "summary": .string("app2")], context: context).reference
            records["ev1"] = try tx.create(.event, [
                "title": .string("ev1"), "starts_at": .time(morning), "organisers": .references([orgs["A"]].compactMap { $0 }),
            ], context: context).reference
            let ev2 = try tx.create(.event, [
                "title": .string("ev2"), "starts_at": .time(morning), "organisers": .references([orgs["C"]].compactMap { $0 }),
            ], context: context).reference
            try tx.addParticipant(ev2, orgs["B"] ?? ev2, role: "attendee", context: context)
            records["ev2"] = ev2
            records["pa1"] = try tx.create(.partnership, [
                "members": .references([orgs["A"], orgs["C"]].compactMap { $0 }), "purpose": .string("pa1"),
            ], context: context).reference
            records["t1"] = try tx.create(.task, [
                "title": .string("t1"), "assignee": .reference(people["editorB"] ?? RecordReference(.person, 0)),
            ], context: context).reference
            records["t2"] = try tx.create(.task, ["title": .string("t2"), "owner": ref("F")], context: context).reference
            let owner = orgs["F"]?.id ?? 0
            _ = try tx.saveShare(RecordShare(owner: owner, recordType: .grant, field: "programme", value: "civil",
                                             grantee: .network("north"), access: .read), context: context)
            _ = try tx.saveShare(RecordShare(owner: orgs["C"]?.id ?? 0, recordType: .application,
                                             grantee: .organisation(orgs["A"]?.id ?? 0), access: .edit), context: context)
            _ = try tx.saveShare(RecordShare(owner: owner, recordType: .grant, grantee: .organisation(orgs["B"]?.id ?? 0),
                                             access: .read, until: try CalendarDate(parsing: "2020-12-31")), context: context)
            return (orgs, people, records)
        }
    }

    /// Every record by its key: the organisations (A, B, C, F), the people by name, and the rest.
    public var all: [String: RecordReference] {
        organisations.merging(people) { a, _ in a }.merging(records) { a, _ in a }
    }

    /// Runs `body` in a transaction (rolled back) as the principal named.
    @discardableResult
    func asPrincipal<T>(_ name: String, _ body: (PrincipalTransaction) throws -> T) throws -> T {
        try store.write(commit: false) { tx in
            guard let person = people[name], let record = try tx.record(person) else {
                throw StoreError(.notFound, "no principal \(name) in the matrix")
            }
            let policy = try AccessPolicy.load(for: record, in: tx, now: morning, timeZone: .gmt)
            return try body(PrincipalTransaction(tx, policy: policy, schema: .standard))
        }
    }

    /// The key of a record.
    public func key(_ reference: RecordReference) -> String {
        all.first { $0.value == reference }?.key ?? reference.description
    }
}
