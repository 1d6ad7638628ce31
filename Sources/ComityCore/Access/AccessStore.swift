/// Who may see what: the memberships of people in organisations, the networks
/// organisations form, and the shares of records (see `AccessPolicy`). Every change is
/// audited on the record it concerns (the person, the network's organisation, the
/// share's owner), as action `access`, with the principal that made it.
public protocol AccessStore {
    /// Every membership, by person and organisation.
    func memberships() throws -> [Membership]
    /// Gives a person a role in an organisation, replacing the role they had there.
    func saveMembership(_ membership: Membership, context: ChangeContext) throws
    /// Ends a membership; false when there was none.
    func removeMembership(person: Int64, organisation: Int64, context: ChangeContext) throws -> Bool
    /// Every network's organisations, by network and organisation.
    func networkMembers() throws -> [NetworkMember]
    /// Adds an organisation to a network (a network is there while it has one); false when it was in it.
    func addNetworkMember(_ member: NetworkMember, context: ChangeContext) throws -> Bool
    func removeNetworkMember(_ member: NetworkMember, context: ChangeContext) throws -> Bool
    /// Every share, by id.
    func shares() throws -> [RecordShare]
    /// Keeps a new share; returns its id.
    func saveShare(_ share: RecordShare, context: ChangeContext) throws -> Int64
    /// Ends a share; false when none has that id.
    func removeShare(id: Int64, context: ChangeContext) throws -> Bool
}

/// What a store keeps of access, below every rule: rows, and nothing checked.
public protocol AccessStorage {
    func membershipRows() throws -> [Membership]
    /// Inserts or replaces the row of (person, organisation).
    func writeMembership(_ membership: Membership) throws
    func deleteMembership(person: Int64, organisation: Int64) throws -> Bool
    func networkRows() throws -> [NetworkMember]
    func insertNetworkMember(_ member: NetworkMember) throws -> Bool
    func deleteNetworkMember(_ member: NetworkMember) throws -> Bool
    func shareRows() throws -> [RecordShare]
    func insertShare(_ share: RecordShare) throws -> Int64
    func deleteShare(id: Int64) throws -> Bool
}

/// The rules of access changes, above any store: the person and organisations must
/// exist, a share's narrowing field must be one of its type's, and each change is audited.
extension AccessStore where Self: AccessStorage & RecordStorage {
    public func memberships() throws -> [Membership] { try membershipRows() }
    public func networkMembers() throws -> [NetworkMember] { try networkRows() }
    public func shares() throws -> [RecordShare] { try shareRows() }

    public func saveMembership(_ membership: Membership, context: ChangeContext) throws {
        let person = RecordReference(.person, membership.person)
        let organisation = RecordReference(.organisation, membership.organisation)
        try requireAccessTarget(person, field: "person")
        try requireAccessTarget(organisation, field: "organisation")
        let old = try membershipRows().first { $0.person == membership.person && $0.organisation == membership.organisation }
        guard old?.role != membership.role else { return }
        try writeMembership(membership)
        try appendAudit(person, .access, field: "membership", old: old.map { "\($0.role) of \(organisation)" },
                        new: "\(membership.role) of \(organisation)", context: context)
    }

    public func removeMembership(person: Int64, organisation: Int64, context: ChangeContext) throws -> Bool {
        let old = try membershipRows().first { $0.person == person && $0.organisation == organisation }
        guard let old, try deleteMembership(person: person, organisation: organisation) else { return false }
        try appendAudit(RecordReference(.person, person), .access, field: "membership",
                        old: "\(old.role) of \(RecordReference(.organisation, organisation))", new: nil, context: context)
        return true
    }

    public func addNetworkMember(_ member: NetworkMember, context: ChangeContext) throws -> Bool {
        try NetworkMember.checkName(member.network)
        let organisation = RecordReference(.organisation, member.organisation)
        try requireAccessTarget(organisation, field: "organisation")
        guard try insertNetworkMember(member) else { return false }
        try appendAudit(organisation, .access, field: "network", old: nil, new: member.network, context: context)
        return true
    }

    public func removeNetworkMember(_ member: NetworkMember, context: ChangeContext) throws -> Bool {
        guard try deleteNetworkMember(member) else { return false }
        try appendAudit(RecordReference(.organisation, member.organisation), .access, field: "network", old: member.network,
                        new: nil, context: context)
        return true
    }

    public func saveShare(_ share: RecordShare, context: ChangeContext) throws -> Int64 {
        let owner = RecordReference(.organisation, share.owner)
        try requireAccessTarget(owner, field: "owner")
        switch share.grantee {
        case .organisation(let id): try requireAccessTarget(RecordReference(.organisation, id), field: "with")
        case .network(let name): try NetworkMember.checkName(name)
        }
        if let field = share.field {
            let recordSchema = schema[share.recordType]
            let lifecycle = field == "status" && recordSchema.lifecycle != nil
            guard lifecycle || recordSchema.field(named: field) != nil else { throw recordSchema.unknownField(field) }
            guard let value = share.value else {
                throw DomainError(.invalidValue, field: field, "a share narrowed by '\(field)' needs the value it must hold")
            }
            // Checked here, so that no principal's query fails on it later.
            if lifecycle {
                guard recordSchema.lifecycle?.statuses.contains(value) == true else {
                    throw DomainError(.invalidValue, field: "status",
                                      "invalid \(share.recordType.rawValue) status '\(value)' (allowed: \(recordSchema.lifecycle?.statuses.joined(separator: ", ") ?? ""))")
                }
            } else if let definition = recordSchema.field(named: field) {
                switch definition.type {
                case .strings, .references, .anyReference, .money:
                    if case .strings = definition.type { break }
                    throw DomainError(.invalidValue, field: field,
                                      "a share cannot be narrowed by \(share.recordType.displayName) field '\(field)' (\(definition.type)); use a text, choice or list-of-text field, or status")
                default:
                    _ = try definition.type.normalise(.string(value), field: field, record: share.recordType.displayName)
                }
            }
        }
        var kept = share
        kept.id = try insertShare(share)
        try appendAudit(owner, .access, field: "share", old: nil, new: "share \(kept.id): \(kept.description)", context: context)
        return kept.id
    }

    public func removeShare(id: Int64, context: ChangeContext) throws -> Bool {
        guard let share = try shareRows().first(where: { $0.id == id }), try deleteShare(id: id) else { return false }
        try appendAudit(RecordReference(.organisation, share.owner), .access, field: "share",
                        old: "share \(id): \(share.description)", new: nil, context: context)
        return true
    }

    private func requireAccessTarget(_ reference: RecordReference, field: String) throws {
        guard try exists(reference) else {
            throw DomainError(.invalidValue, field: field, StoreError.missingText(reference))
        }
    }
}
