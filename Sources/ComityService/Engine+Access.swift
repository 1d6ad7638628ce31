import ComityCore
import Foundation
import HumanReadable

/// Who may see what (see `AccessPolicy`): memberships, networks and shares, changed
/// as the workspace (each change audited), and a person's view.
extension Engine {
    private func accessContext() -> ChangeContext {
        ChangeContext(run: nil, at: Timestamp(Date()), timeZone: workspace.timeZone)
    }

    /// Gives a person a role in an organisation (replacing the one they had there);
    /// returns their names as found.
    public func addMember(person: String, organisation: String, role: AccessRole) throws -> (person: String, organisation: String) {
        try store.write(commit: true) { tx in
            let member = try AccessPolicy.person(named: person, in: tx)
            let org = try Self.organisation(named: organisation, in: tx)
            try tx.saveMembership(Membership(person: member.id, organisation: org.id, role: role), context: accessContext())
            return (Self.name(member), Self.name(org))
        }
    }

    public func removeMember(person: String, organisation: String) throws {
        try store.write(commit: true) { tx in
            let member = try AccessPolicy.person(named: person, in: tx)
            let org = try Self.organisation(named: organisation, in: tx)
            guard try tx.removeMembership(person: member.id, organisation: org.id, context: accessContext()) else {
                throw EngineError.failed("\(Self.name(member)) is not a member of \(Self.name(org)) (see `comity access members`)")
            }
        }
    }

    /// Every membership, with the names of the person and the organisation (and their ids: names repeat).
    public func members() throws -> [(membership: Membership, person: String, organisation: String)] {
        try store.read { tx in
            try tx.memberships().map { membership in
                (membership, try Self.name(of: RecordReference(.person, membership.person), in: tx),
                 try Self.name(of: RecordReference(.organisation, membership.organisation), in: tx))
            }
        }
    }

    /// Adds organisations to a network (made by its first member); returns the names of those added.
    public func addToNetwork(_ network: String, organisations: [String]) throws -> [String] {
        try store.write(commit: true) { tx in
            var added: [String] = []
            for text in organisations {
                let org = try Self.organisation(named: text, in: tx)
                if try tx.addNetworkMember(NetworkMember(network: network, organisation: org.id), context: accessContext()) {
                    added.append(Self.name(org))
                }
            }
            return added
        }
    }

    public func removeFromNetwork(_ network: String, organisation: String) throws {
        try store.write(commit: true) { tx in
            let org = try Self.organisation(named: organisation, in: tx)
            guard try tx.removeNetworkMember(NetworkMember(network: network, organisation: org.id), context: accessContext()) else {
                let networks = Set(try tx.networkMembers().map(\.network))
                if !networks.contains(network), let near = NameSuggestion.closest(to: network, among: networks.sorted()) {
                    throw EngineError.failed("no network named '\(network)' (did you mean '\(near)'?)")
                }
                throw EngineError.failed("\(Self.name(org)) is not in network '\(network)' (see `comity access networks`)")
            }
        }
    }

    /// Every network with its organisations' names.
    public func networks() throws -> [(network: String, organisations: [String])] {
        try store.read { tx in
            let members = try tx.networkMembers()
            return try Dictionary(grouping: members, by: \.network).sorted { $0.key < $1.key }.map { network, members in
                (network, try members.map { try Self.name(of: RecordReference(.organisation, $0.organisation), in: tx) })
            }
        }
    }

    /// Shares an organisation's records of a type with an organisation or, when
    /// `withNetwork`, a network; narrowed by `field` = `value` when given.
    public func share(
        owner: String, type: RecordType, with grantee: String, withNetwork: Bool, field: String?, value: String?,
        access: RecordShare.Access, until: CalendarDate?
    ) throws -> ShareListing {
        try store.write(commit: true) { tx in
            let org = try Self.organisation(named: owner, in: tx)
            let to: RecordShare.Grantee
            if withNetwork {
                let networks = Set(try tx.networkMembers().map(\.network))
                guard networks.contains(grantee) else {
                    if let near = NameSuggestion.closest(to: grantee, among: networks.sorted()) {
                        throw EngineError.failed("no network named '\(grantee)' (did you mean '\(near)'?)")
                    }
                    throw EngineError.failed("no network named '\(grantee)' (make it with `comity access add-to-network \(grantee) ORGANISATION...`)")
                }
                to = .network(grantee)
            } else {
                let with = try Self.organisation(named: grantee, in: tx)
                guard with.id != org.id else {
                    throw EngineError.usage("--with names \(Self.name(org)) itself: its members see its records already")
                }
                to = .organisation(with.id)
            }
            if let until, until < (try CalendarDate(parsing: String(Timestamp(Date()).formatted(in: workspace.timeZone).prefix(10)))) {
                throw EngineError.usage("--until \(until) is past: the share would end before it starts")
            }
            var share = RecordShare(owner: org.id, recordType: type, field: field, value: value, grantee: to, access: access, until: until)
            do {
                share.id = try tx.saveShare(share, context: accessContext())
            } catch let error as DomainError where field != nil {
                throw EngineError.usage("--where \(field ?? "")=\(value ?? ""): \(error.message)")
            }
            return try Self.listing(share, in: tx)
        }
    }

    public func unshare(id: Int64) throws {
        try store.write(commit: true) { tx in
            guard try tx.removeShare(id: id, context: accessContext()) else {
                throw EngineError.failed("no share with id \(id) (see `comity access shares`)")
            }
        }
    }

    public func shares() throws -> [ShareListing] {
        try store.read { tx in try tx.shares().map { try Self.listing($0, in: tx) } }
    }

    /// What a person sees and may change, counted by type inside the store (as their runs would).
    public func accessView(of person: String) throws -> AccessView {
        try store.read { tx in
            let policy = try AccessPolicy.load(named: person, in: tx, now: Timestamp(Date()), timeZone: workspace.timeZone)
            let rows = try RecordType.allCases.map { type in
                AccessView.Row(type: type, visible: try tx.count(type, RecordQuery().scopedTo(policy.read)),
                               changeable: try tx.count(type, RecordQuery().scopedTo(policy.edit)), total: try tx.count(type, RecordQuery()))
            }
            return AccessView(principal: policy.name, rows: rows)
        }
    }

    /// `transaction` as the person with id `person` sees it (see `PrincipalTransaction`);
    /// the transaction itself for the workspace (nil).
    public func scoped(_ transaction: any StoreTransaction, as person: Int64?, at now: Timestamp = Timestamp(Date())) throws -> any StoreTransaction {
        guard let person else { return transaction }
        guard let record = try transaction.record(RecordReference(.person, person)) else {
            throw StoreError(.forbidden, "the person this token acts as (person#\(person)) is not there any more")
        }
        let policy = try AccessPolicy.load(for: record, in: transaction, now: now, timeZone: workspace.timeZone)
        let scoped = PrincipalTransaction(transaction, policy: policy, schema: store.schema)
        // The API shows ids as they are: links to records the person may not see go.
        scoped.hidesLinks = true
        return scoped
    }

    /// The store as `person` (an id, an email or a name) sees it, checked to name one;
    /// the store itself for nil.
    public func store(actingAs person: String?) throws -> any Store {
        guard let person else { return store }
        _ = try store.read { try AccessPolicy.person(named: person, in: $0) }
        return PrincipalStore(store, person: person, timeZone: workspace.timeZone)
    }

    // MARK: Names

    /// An organisation by id (`7`, `organisation#7`), identifier (`GB-CHC-1090095`) or exact name.
    static func organisation(named text: String, in tx: any StoreTransaction) throws -> Record {
        let given = text.trimmingBlanks()
        let digits = given.hasPrefix("organisation#") ? String(given.dropFirst("organisation#".count)) : given
        if let id = Int64(digits), id > 0 {
            guard let org = try tx.record(RecordReference(.organisation, id)) else {
                throw EngineError.failed("no organisation with id \(id)")
            }
            return org
        }
        if let org = try? tx.record(.organisation, where: "identifier", is: .string(given)) { return org }
        var found: [Record] = []
        try tx.forEach(.organisation, RecordQuery(filters: [RecordQuery.Filter("name", .equal, .string(given))], limit: 3, includeArchived: true)) {
            found.append($0)
            return true
        }
        guard let first = found.first else {
            throw EngineError.failed("no organisation with the id, identifier or name '\(given)'")
        }
        guard found.count == 1 else {
            throw EngineError.failed("several organisations are named '\(given)' (ids \(found.map { String($0.id) }.joined(separator: ", "))); give the id")
        }
        return first
    }

    static func name(_ record: Record) -> String {
        if case .string(let name)? = record.fields["name"] { return name }
        return record.reference.description
    }

    static func name(of reference: RecordReference, in tx: any StoreTransaction) throws -> String {
        try tx.record(reference).map(name) ?? reference.description
    }

    private static func listing(_ share: RecordShare, in tx: any StoreTransaction) throws -> ShareListing {
        let grantee: String
        switch share.grantee {
        case .organisation(let id): grantee = try name(of: RecordReference(.organisation, id), in: tx)
        case .network(let network): grantee = "network \(network)"
        }
        return ShareListing(share: share, ownerName: try name(of: RecordReference(.organisation, share.owner), in: tx), granteeName: grantee)
    }
}
