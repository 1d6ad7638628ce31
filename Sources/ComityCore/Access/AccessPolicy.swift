/// What one principal (a person who signs in) may see and change, compiled from its
/// memberships, the networks its organisations belong to and the shares that reach
/// them (see `AccessRole`, `RecordShare`). The workspace itself (the command line,
/// cron, workers) has no policy: it sees and changes everything.
///
/// A principal sees:
/// - records owned by its organisations; as a coordinator, also those of every
///   organisation in its organisations' networks, and records that belong to none;
/// - records its organisations take part in: grants they receive or give, applications they
///   make, events they organise or attend, partnerships they are members of, their
///   own organisation records, those of their networks and of organisations that share
///   records with them, their colleagues, and tasks assigned to the principal;
/// - records shared with one of its organisations or networks (until the share ends).
///
/// It changes records owned by organisations in which it is an editor (or whose
/// networks it coordinates), records shared with it to edit where it is an editor, its
/// own person record and tasks assigned to it.
public struct AccessPolicy: Sendable {
    public let person: RecordReference
    /// How errors and the audit name the principal: `Elena Topoleva (editor, Agency for Social Information)`.
    public let name: String
    public let memberships: [Membership]
    public let read: AccessScope
    public let edit: AccessScope
    /// Organisations whose records it may create, or give as a record's owner.
    public let creatableOwners: Set<Int64>
    /// Coordinators may create records that belong to no organisation, and see those there are.
    public let coordinates: Bool
    /// Where its new records go when not given an owner: the first organisation it edits for.
    public let defaultOwner: Int64?
    /// Organisations whose members and shares it manages.
    public let administers: Set<Int64>
    /// For each type, owners whose records it changes whole (owned, coordinated, or
    /// shared to edit without narrowing): their personal fields show.
    private let wholeEditOwners: [RecordType: Set<Int64>]

    /// `organisationNames` names the organisations of `memberships`, for `name`.
    public init(
        person: RecordReference, personName: String, memberships: [Membership], networks: [NetworkMember],
        shares: [RecordShare], today: CalendarDate, organisationNames: [Int64: String]
    ) {
        self.person = person
        self.memberships = memberships
        let mine = Set(memberships.map(\.organisation))
        let editing = Set(memberships.filter { $0.role >= .editor }.map(\.organisation))
        var networksOf: [Int64: Set<String>] = [:]
        var membersOf: [String: Set<Int64>] = [:]
        for member in networks {
            networksOf[member.organisation, default: []].insert(member.network)
            membersOf[member.network, default: []].insert(member.organisation)
        }
        func networkmates(_ organisation: Int64) -> Set<Int64> {
            (networksOf[organisation] ?? []).reduce(into: [organisation]) { $0.formUnion(membersOf[$1] ?? []) }
        }
        var coordinated = Set<Int64>()
        for membership in memberships where membership.role >= .coordinator {
            coordinated.formUnion(networkmates(membership.organisation))
        }
        let myNetworks = mine.reduce(into: Set<String>()) { $0.formUnion(networksOf[$1] ?? []) }
        let neighbours = mine.reduce(into: Set<Int64>()) { $0.formUnion(networkmates($1)) }
        let readOwners = mine.union(coordinated)
        let editOwners = editing.union(coordinated)
        coordinates = !coordinated.isEmpty
        creatableOwners = editOwners
        defaultOwner = memberships.first { $0.role >= .editor }?.organisation
        administers = Set(memberships.filter { $0.role == .admin }.map(\.organisation))

        /// The organisations of `memberships` that a share reaches, with the best role the principal has in them.
        func reach(_ share: RecordShare) -> AccessRole? {
            let reached: [Membership]
            switch share.grantee {
            case .organisation(let id): reached = memberships.filter { $0.organisation == id }
            case .network(let name):
                guard myNetworks.contains(name) else { return nil }
                reached = memberships.filter { membersOf[name]?.contains($0.organisation) == true }
            }
            return reached.map(\.role).max()
        }

        let sharers = Set(shares.filter { $0.holds(on: today) && reach($0) != nil }.map(\.owner))
        func anyOf(_ field: String, _ ids: Set<Int64>) -> [RecordQuery.Filter] {
            [RecordQuery.Filter(field, operand: .anyOf(ids.sorted().map { .integer($0) }))]
        }
        let owner = RecordOwnership.ownerField.name
        let me = [RecordQuery.Filter("id", .equal, .integer(person.id))]
        var read: [RecordType: [[RecordQuery.Filter]]] = [:]
        var edit: [RecordType: [[RecordQuery.Filter]]] = [:]
        var whole: [RecordType: Set<Int64>] = [:]
        for type in RecordType.allCases {
            var sees: [[RecordQuery.Filter]] = []
            var changes: [[RecordQuery.Filter]] = []
            // A share of all of an owner's records of the type joins the owners' list: one
            // `owner IN (...)` for them all rather than a condition per share, for every row.
            var sharedWhole = Set<Int64>()
            var editedWhole = Set<Int64>()
            var narrowed: [(filters: [RecordQuery.Filter], edit: Bool)] = []
            for share in shares where share.recordType == type && share.holds(on: today) {
                guard let role = reach(share) else { continue }
                let edits = share.access == .edit && role >= .editor
                if share.field == nil {
                    sharedWhole.insert(share.owner)
                    if edits { editedWhole.insert(share.owner) }
                } else {
                    narrowed.append((share.filters, edits))
                }
            }
            if !readOwners.union(sharedWhole).isEmpty { sees.append(anyOf(owner, readOwners.union(sharedWhole))) }
            if !editOwners.union(editedWhole).isEmpty { changes.append(anyOf(owner, editOwners.union(editedWhole))) }
            // An organisation without an owner is its own (seen through its id below), not nobody's.
            if coordinates, type != .organisation {
                sees.append([RecordQuery.Filter(owner, .equal, nil)])
                changes.append([RecordQuery.Filter(owner, .equal, nil)])
            }
            whole[type] = editOwners.union(editedWhole)
            if !mine.isEmpty {
                switch type {
                case .organisation:
                    // Its organisations and their networks', and those that share records with it.
                    sees.append(anyOf("id", neighbours.union(sharers)))
                    if !editOwners.isEmpty { changes.append(anyOf("id", editOwners)) }
                case .person:
                    sees.append(anyOf("organisation", mine))
                case .grant:
                    sees.append(anyOf("recipient", mine))
                    // A grant someone records from a funder is seen by the funder, whoever owns it.
                    sees.append(anyOf("funder", mine))
                case .application:
                    sees.append(anyOf("applicant", mine))
                case .event:
                    sees.append(anyOf("organisers", mine))
                    sees.append([RecordQuery.Filter("participant", operand: .anyOf(mine.sorted().map { .reference(RecordReference(.organisation, $0)) }))])
                case .partnership:
                    sees.append(anyOf("members", mine))
                case .task:
                    break
                }
            }
            switch type {
            case .person:
                sees.append(me)
                changes.append(me)
            case .task:
                sees.append([RecordQuery.Filter("assignee", .equal, .integer(person.id))])
                changes.append([RecordQuery.Filter("assignee", .equal, .integer(person.id))])
            case .event:
                sees.append([RecordQuery.Filter("participant", .equal, .reference(person))])
            default:
                break
            }
            for share in narrowed {
                sees.append(share.filters)
                if share.edit { changes.append(share.filters) }
            }
            read[type] = sees
            edit[type] = changes
        }
        var personal: [RecordType: [[RecordQuery.Filter]]] = [:]
        for type in RecordType.allCases {
            var shown: [[RecordQuery.Filter]] = []
            if type == .person { shown.append(me) }
            if let owners = whole[type], !owners.isEmpty { shown.append(anyOf(owner, owners)) }
            if coordinates { shown.append([RecordQuery.Filter(owner, .equal, nil)]) }
            if type == .organisation, !editOwners.isEmpty {
                shown.append([RecordQuery.Filter(owner, .equal, nil)] + anyOf("id", editOwners))
            }
            personal[type] = shown
        }
        self.read = AccessScope(groups: read, personal: personal)
        self.edit = AccessScope(groups: edit, personal: personal)
        wholeEditOwners = whole

        let first = memberships.max { $0.role < $1.role }
        let place = first.map { "\($0.role), \(organisationNames[$0.organisation] ?? "organisation#\($0.organisation)")" } ?? "no organisation"
        name = "\(personName) (\(place))"
    }

    /// Whether a record's personal fields (a person's email) show to the principal: it
    /// changes the record's owner's records whole, or it is the person.
    public func showsPersonalFields(of record: Record) -> Bool {
        // As `read.personal` says in SQL.
        if record.type == .person, record.id == person.id { return true }
        if record.type == .organisation, record.owner == nil { return creatableOwners.contains(record.id) || coordinates }
        guard let owner = record.owner else { return coordinates }
        return wholeEditOwners[record.type]?.contains(owner) == true
    }

    /// The role it has in an organisation, if any.
    public func role(in organisation: Int64) -> AccessRole? {
        memberships.filter { $0.organisation == organisation }.map(\.role).max()
    }
}
