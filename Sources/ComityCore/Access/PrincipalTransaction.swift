import Foundation

/// A transaction as one principal sees it (see `AccessPolicy`): every find, count, sum
/// and page is narrowed inside the store's SQL to the records it may see; a record it
/// may not see is absent (`get` returns nil, a reference to it is "does not exist", as
/// for a record that never was); a change outside its rights is refused
/// (`StoreError.Kind.forbidden`) before anything is written; personal fields show only
/// where `AccessPolicy.showsPersonalFields` says; every change is audited with its name.
/// Runs, the queue and the rest of the transaction are the workspace's, unchanged.
public final class PrincipalTransaction: StoreTransactionForwarding {
    public let forwarded: any StoreTransaction
    public let policy: AccessPolicy
    /// The personal fields of each type, to hide.
    private let personal: [RecordType: [String]]
    /// Whether records read leave out their links to records the principal may not see
    /// (`hidingLinks`), a batch of rows at a time: for what shows ids as they are (an
    /// export, the HTTP API). The Lua API shows such a link as nil by itself, and a find
    /// over a million rows need not pay for it.
    public var hidesLinks = false

    /// `schema` is the store's, with the workspace's custom fields (some may be personal).
    public init(_ transaction: any StoreTransaction, policy: AccessPolicy, schema: DomainSchema) {
        forwarded = transaction
        self.policy = policy
        var personal: [RecordType: [String]] = [:]
        for type in RecordType.allCases {
            let names = schema[type].fields.filter { $0.personal }.map { $0.name }
            if !names.isEmpty { personal[type] = names }
        }
        self.personal = personal
    }

    /// `transaction` as the person `named` (an id, an email or a name) sees it, as of
    /// `now` in `timeZone` (when shares end); `membersOnly` as `AccessPolicy.person(named:)` takes it.
    public convenience init(_ transaction: any StoreTransaction, actingAs named: String, now: Timestamp, timeZone: TimeZone,
                            schema: DomainSchema, membersOnly: Bool = false) throws {
        self.init(transaction, policy: try AccessPolicy.load(named: named, in: transaction, now: now, timeZone: timeZone,
                                                             membersOnly: membersOnly), schema: schema)
    }

    // MARK: Reading

    public func cursor(_ type: RecordType, _ query: RecordQuery) throws -> any RecordCursor {
        let inner = try forwarded.cursor(type, query.scopedTo(policy.read))
        if hidesLinks { return LinkHidingCursor(inner) { try self.hidingLinks($0.map(self.mask)) } }
        return MaskingCursor(inner) { self.mask($0) }
    }

    public func count(_ type: RecordType, _ query: RecordQuery) throws -> Int {
        try forwarded.count(type, query.scopedTo(policy.read))
    }

    // A link to a record the principal may not see is the group of no link in the SQL
    // (`RecordQuerySQL`), so grouped rows come as they are.
    public func count(_ type: RecordType, by groups: [String], _ query: RecordQuery) throws -> [(group: [FieldValue?], count: Int)] {
        try forwarded.count(type, by: groups, query.scopedTo(policy.read))
    }

    public func sum(_ type: RecordType, _ field: String, by groups: [String], _ query: RecordQuery) throws -> [MoneyTotal] {
        try forwarded.sum(type, field, by: groups, query.scopedTo(policy.read))
    }

    public func record(_ reference: RecordReference) throws -> Record? {
        guard let record = try visible(reference).map(mask) else { return nil }
        return hidesLinks ? try hidingLinks([record]).first : record
    }

    public func participants(of event: RecordReference) throws -> [(participant: RecordReference, role: String)] {
        guard try visible(event) != nil else { return [] }
        let all = try forwarded.participants(of: event)
        let shown = try visibleReferences(Set(all.map(\.participant)))
        return all.filter { shown.contains($0.participant) }
    }

    public func audit(of reference: RecordReference) throws -> [AuditEntry] {
        guard let record = try visible(reference) else { return [] }
        let entries = try forwarded.audit(of: reference)
        let personalShown = policy.showsPersonalFields(of: record)
        return entries.map { maskAudit($0, personalShown: personalShown) }
    }

    public func changes(byRun run: String) throws -> [AuditEntry] {
        let entries = try forwarded.changes(byRun: run)
        let shown = try visibleReferences(Set(entries.map(\.record)))
        return entries.filter { shown.contains($0.record) }.map { maskAudit($0, personalShown: false) }
    }

    public func events(byRun run: String) throws -> [DomainEvent] {
        try visibleEvents(try forwarded.events(byRun: run))
    }

    public func events(since id: Int64) throws -> [(id: Int64, event: DomainEvent)] {
        let all = try forwarded.events(since: id)
        let shown = try visibleEvents(all.map(\.event))
        return shown.map { ($0.id, $0) }
    }

    public func event(id: Int64) throws -> DomainEvent? {
        guard let event = try forwarded.event(id: id) else { return nil }
        return try visibleEvents([event]).first
    }

    /// Records as the principal is shown them whole: links (and the owner) to records it
    /// may not see left out, as the Lua API shows them (nil). One query per linked type.
    public func hidingLinks(_ records: [Record]) throws -> [Record] {
        var linked = Set<RecordReference>()
        for record in records {
            if let owner = record.owner { linked.insert(RecordReference(.organisation, owner)) }
            for value in record.fields.values {
                switch value {
                case .reference(let target): linked.insert(target)
                case .references(let list): linked.formUnion(list)
                default: break
                }
            }
        }
        guard !linked.isEmpty else { return records }
        let hidden = linked.subtracting(try visibleReferences(linked))
        guard !hidden.isEmpty else { return records }
        return records.map { record in
            var shown = record
            if let owner = record.owner, hidden.contains(RecordReference(.organisation, owner)) { shown.owner = nil }
            for (name, value) in record.fields {
                switch value {
                case .reference(let target) where hidden.contains(target): shown.fields[name] = nil
                case .references(let list) where list.contains(where: hidden.contains):
                    let kept = list.filter { !hidden.contains($0) }
                    shown.fields[name] = kept.isEmpty ? nil : .references(kept)
                default: break
                }
            }
            return shown
        }
    }

    // MARK: Changing

    public func create(_ type: RecordType, _ fields: [String: FieldValue], context: ChangeContext) throws -> Record {
        var fields = fields
        let ownerName = RecordOwnership.ownerField.name
        let owner: Int64?
        if let given = try RecordOwnership.owner(fields[ownerName], record: type) {
            owner = given
        } else if let derived = try RecordOwnership.defaultOwner(type, fields, lookup: { try forwarded.record($0) }),
                  policy.creatableOwners.contains(derived) {
            owner = derived
        } else if policy.coordinates {
            owner = nil
        } else {
            owner = policy.defaultOwner
        }
        let allowed = owner.map { policy.creatableOwners.contains($0) } ?? policy.coordinates
        guard allowed else {
            if let owner {
                throw StoreError(.forbidden, "\(policy.name) may not create \(type.collection) of \(try ownerText(owner))")
            }
            throw StoreError(.forbidden, "\(policy.name) may not create \(type.collection): no organisation it edits for")
        }
        fields[ownerName] = owner.map { .reference(RecordReference(.organisation, $0)) }
        return try shown(try withoutHiddenHolders {
            try forwarded.inSavepoint {
                let record = try forwarded.create(type, fields, context: principal(context))
                try requireVisibleReferences(type, record.fields, among: nil)
                return record
            }
        })
    }

    public func update(_ reference: RecordReference, _ changes: [String: FieldValue?], context: ChangeContext) throws -> Record {
        try requireChangeable(reference)
        if reference.type == .person { try requireIdentityKept(reference, changes) }
        if let given = changes[RecordOwnership.ownerField.name] { try requireOwnerChange(reference, to: given) }
        return try shown(try withoutHiddenHolders {
            try forwarded.inSavepoint {
                let record = try forwarded.update(reference, changes, context: principal(context))
                try requireVisibleReferences(reference.type, record.fields, among: Set(changes.keys))
                return record
            }
        })
    }

    public func step(_ reference: RecordReference, _ verb: String, _ fields: [String: FieldValue], context: ChangeContext) throws -> Record {
        try requireChangeable(reference)
        // A step's fields are an update's: an owner among them is checked as one.
        if let given = fields[RecordOwnership.ownerField.name] { try requireOwnerChange(reference, to: given) }
        return try shown(try forwarded.inSavepoint {
            let record = try forwarded.step(reference, verb, fields, context: principal(context))
            try requireVisibleReferences(reference.type, record.fields, among: Set(fields.keys))
            return record
        })
    }

    public func addParticipant(_ event: RecordReference, _ participant: RecordReference, role: String, context: ChangeContext) throws {
        try requireChangeable(event)
        guard try visible(participant) != nil else { throw StoreError(.notFound, StoreError.missingText(participant)) }
        try forwarded.addParticipant(event, participant, role: role, context: principal(context))
    }

    public func archive(_ reference: RecordReference, context: ChangeContext) throws -> Record {
        try requireChangeable(reference)
        return try shown(try forwarded.archive(reference, context: principal(context)))
    }

    public func restore(_ reference: RecordReference, context: ChangeContext) throws -> Record {
        try requireChangeable(reference)
        return try shown(try forwarded.restore(reference, context: principal(context)))
    }

    // MARK: Access

    public func memberships() throws -> [Membership] {
        try forwarded.memberships().filter { $0.person == policy.person.id || policy.administers.contains($0.organisation) }
    }

    public func networkMembers() throws -> [NetworkMember] { try forwarded.networkMembers() }

    public func shares() throws -> [RecordShare] {
        try forwarded.shares().filter { policy.administers.contains($0.owner) }
    }

    public func saveMembership(_ membership: Membership, context: ChangeContext) throws {
        try requireAdministers(membership.organisation, "change the members of")
        try forwarded.saveMembership(membership, context: principal(context))
    }

    public func removeMembership(person: Int64, organisation: Int64, context: ChangeContext) throws -> Bool {
        try requireAdministers(organisation, "change the members of")
        return try forwarded.removeMembership(person: person, organisation: organisation, context: principal(context))
    }

    /// Erasing a person's data is the workspace's (`comity people forget`), never a principal's.
    public func forget(_ person: RecordReference, context: ChangeContext) throws -> ForgottenData {
        throw StoreError(.forbidden, "\(policy.name) may not erase a person's data: the workspace does (comity people forget)")
    }

    public func addNetworkMember(_ member: NetworkMember, context: ChangeContext) throws -> Bool {
        throw StoreError(.forbidden, "\(policy.name) may not change networks: the workspace does (comity access networks)")
    }

    public func removeNetworkMember(_ member: NetworkMember, context: ChangeContext) throws -> Bool {
        throw StoreError(.forbidden, "\(policy.name) may not change networks: the workspace does (comity access networks)")
    }

    public func saveShare(_ share: RecordShare, context: ChangeContext) throws -> Int64 {
        try requireAdministers(share.owner, "share the records of")
        return try forwarded.saveShare(share, context: principal(context))
    }

    public func removeShare(id: Int64, context: ChangeContext) throws -> Bool {
        guard let share = try forwarded.shares().first(where: { $0.id == id }) else { return false }
        try requireAdministers(share.owner, "end the shares of")
        return try forwarded.removeShare(id: id, context: principal(context))
    }

    // MARK: Rules

    /// A duplicate value said without the record that holds it, when the principal may
    /// not see that record (the value being taken is all it learns).
    private func withoutHiddenHolders<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as StoreError where error.kind == .duplicate {
            if let holder = error.holder, let neutral = error.messageWithoutHolder, try visible(holder) == nil {
                error.message = neutral
                error.holder = nil
            }
            throw error
        }
    }

    private func principal(_ context: ChangeContext) -> ChangeContext {
        var context = context
        context.principal = policy.name
        return context
    }

    private func byID(_ reference: RecordReference, _ scope: AccessScope) -> RecordQuery {
        RecordQuery(filters: [RecordQuery.Filter("id", .equal, .integer(reference.id))], limit: 1, includeArchived: true)
            .scopedTo(scope)
    }

    /// The record as stored (personal fields and all), if the principal may see it.
    private func visible(_ reference: RecordReference) throws -> Record? {
        let records = try forwarded.cursor(reference.type, byID(reference, policy.read))
        defer { records.close() }
        return try records.next()
    }

    /// Of `references`, those the principal may see: one query per type.
    private func visibleReferences(_ references: Set<RecordReference>) throws -> Set<RecordReference> {
        var shown = Set<RecordReference>()
        for (type, group) in Dictionary(grouping: references, by: \.type) {
            // In slices: a run's changes may name a hundred thousand records, past what one statement takes.
            for start in stride(from: 0, to: group.count, by: 500) {
                let slice = group[start..<min(start + 500, group.count)]
                let query = RecordQuery(filters: [RecordQuery.Filter("id", operand: .anyOf(slice.map { .integer($0.id) }))],
                                        includeArchived: true).scopedTo(policy.read)
                try forwarded.forEach(type, query) { record in
                    shown.insert(record.reference)
                    return true
                }
            }
        }
        return shown
    }

    /// A record the principal may change, or the error that says why not: "does not
    /// exist" for one it may not see (as for a record that never was), else who may not
    /// change whose records.
    private func requireChangeable(_ reference: RecordReference) throws {
        guard let record = try visible(reference) else { throw StoreError(.notFound, StoreError.missingText(reference)) }
        guard try forwarded.count(reference.type, byID(reference, policy.edit)) == 1 else {
            if reference.type == .organisation, record.owner == nil, case .string(let name)? = record.fields["name"] {
                throw StoreError(.forbidden, "\(policy.name) may not change the organisation \(name)")
            }
            throw StoreError(.forbidden, "\(policy.name) may not change \(reference.type.collection) of \(try ownerText(record.owner))")
        }
    }

    /// A record may be given only to an organisation the principal edits for (or, as a
    /// coordinator, to none), and only by one who edits for its owner now: a share to edit
    /// it does not reach that far. An organisation it does not see is refused as one it
    /// may not give to, whether it exists or not.
    private func requireOwnerChange(_ reference: RecordReference, to given: FieldValue?) throws {
        let owner = try RecordOwnership.owner(given, record: reference.type)
        guard owner.map({ policy.creatableOwners.contains($0) }) ?? policy.coordinates else {
            throw StoreError(.forbidden, "\(policy.name) may not give \(reference.type.collection) to \(try ownerText(owner))")
        }
        let current = try visible(reference)?.owner
        guard current.map({ policy.creatableOwners.contains($0) }) ?? policy.coordinates else {
            throw StoreError(.forbidden, "\(policy.name) may not give away \(reference.type.collection) of \(try ownerText(current))")
        }
    }

    private func requireAdministers(_ organisation: Int64, _ what: String) throws {
        guard policy.administers.contains(organisation) else {
            throw StoreError(.forbidden, "\(policy.name) may not \(what) \(try ownerText(organisation)): only its admins may")
        }
    }

    /// An owner as an error names it: its name when the principal may see it, else
    /// neither name nor id.
    private func ownerText(_ organisation: Int64?) throws -> String {
        guard let organisation else { return "no organisation" }
        if case .string(let name)? = try visible(RecordReference(.organisation, organisation))?.fields["name"] { return name }
        return "another organisation"
    }

    /// Every record a change's fields (those named in `among`, or all) refer to must be
    /// one the principal may see: otherwise it is "does not exist", as for a record
    /// that never was, and the change is undone.
    private func requireVisibleReferences(_ type: RecordType, _ fields: [String: FieldValue], among names: Set<String>?) throws {
        for (name, value) in fields where names?.contains(name) ?? true {
            let targets: [RecordReference]
            switch value {
            case .reference(let target): targets = [target]
            case .references(let list): targets = list
            default: continue
            }
            let shown = try visibleReferences(Set(targets))
            if let hidden = targets.first(where: { !shown.contains($0) }) {
                throw DomainError(.invalidValue, field: name, "\(type.displayName) field '\(name)': \(StoreError.missingText(hidden))")
            }
        }
    }

    /// A member's name and email say who acts as whom (`run_as`, `--as`): a principal may
    /// not change them, its own included, or one person could pass for another. The
    /// workspace changes them.
    private func requireIdentityKept(_ reference: RecordReference, _ changes: [String: FieldValue?]) throws {
        let identity = ["name", "email"].filter { changes.keys.contains($0) }
        guard !identity.isEmpty, try forwarded.memberships().contains(where: { $0.person == reference.id }),
              let current = try forwarded.record(reference) else { return }
        let changed = identity.filter { (changes[$0] ?? nil) != current.fields[$0] }
        guard !changed.isEmpty else { return }
        let who = current.fields["name"].map { "\($0)" } ?? reference.description
        throw StoreError(.forbidden, "\(policy.name) may not change the \(changed.joined(separator: " or ")) of \(who), a member: "
                         + "a member's name and email say who acts as whom, and only the workspace changes them")
    }

    /// A record written, as the principal is shown it.
    private func shown(_ record: Record) throws -> Record {
        let masked = mask(record)
        return hidesLinks ? try hidingLinks([masked]).first ?? masked : masked
    }

    private func mask(_ record: Record) -> Record {
        guard let names = personal[record.type], !policy.showsPersonalFields(of: record) else { return record }
        var masked = record
        for name in names { masked.fields[name] = nil }
        return masked
    }

    private func maskAudit(_ entry: AuditEntry, personalShown: Bool) -> AuditEntry {
        // A link's old or new value, a list's, or a creation's JSON may name records the
        // principal may not see: each such name goes, whatever else the text holds.
        let old = entry.oldValue.map(hidingReferences), new = entry.newValue.map(hidingReferences)
        if old != entry.oldValue || new != entry.newValue {
            return maskAudit(AuditEntry(record: entry.record, action: entry.action, field: entry.field, oldValue: old,
                                        newValue: new, run: entry.run, at: entry.at, principal: entry.principal),
                             personalShown: personalShown)
        }
        guard !personalShown, let names = personal[entry.record.type] else { return entry }
        if let field = entry.field, names.contains(field) {
            return AuditEntry(record: entry.record, action: entry.action, field: field, oldValue: entry.oldValue.map { _ in "(personal)" },
                              newValue: entry.newValue.map { _ in "(personal)" }, run: entry.run, at: entry.at, principal: entry.principal)
        }
        // A creation's values are JSON: the whole text goes, as a member cannot be cut out safely here.
        if entry.field == nil, entry.action == .create {
            return AuditEntry(record: entry.record, action: entry.action, field: nil, oldValue: nil, newValue: "(holds personal data)",
                              run: entry.run, at: entry.at, principal: entry.principal)
        }
        return entry
    }

    /// An audit text with each reference in it (`organisation#5`) to a record the
    /// principal may not see said as `(not visible)`.
    private func hidingReferences(in text: String) -> String {
        guard text.contains("#") else { return text }
        return text.replacing(#/([a-z_]+)#([0-9]+)/#) { match in
            let name = String(match.output.0)
            guard let type = RecordType(rawValue: String(match.output.1)), let id = Int64(match.output.2) else { return name }
            return (try? visible(RecordReference(type, id))) == nil ? "(not visible)" : name
        }
    }

    /// Events about records the principal may see, with personal fields masked as the records are.
    private func visibleEvents(_ events: [DomainEvent]) throws -> [DomainEvent] {
        let shown = try visibleReferences(Set(events.map(\.record)))
        let kept = events.filter { shown.contains($0.record) }
        // What an event's data links to, as a record read now would show it (`ctx.trigger`).
        var linked = Set<RecordReference>()
        for event in kept {
            for value in event.fields.values { linked.formUnion(Self.references(in: value)) }
            for change in event.changes.values {
                for value in [change.old, change.new].compactMap({ $0 }) { linked.formUnion(Self.references(in: value)) }
            }
        }
        let hidden = linked.isEmpty ? [] : linked.subtracting(try visibleReferences(linked))
        return try kept.map { event in
            var fields = event.fields.compactMapValues { Self.value($0, hiding: hidden) }
            var changes = event.changes.mapValues {
                FieldChange(old: $0.old.flatMap { Self.value($0, hiding: hidden) }, new: $0.new.flatMap { Self.value($0, hiding: hidden) })
            }
            if let names = personal[event.record.type], let record = try visible(event.record), !policy.showsPersonalFields(of: record) {
                for name in names {
                    fields[name] = nil
                    changes[name] = nil
                }
            }
            guard fields != event.fields || changes != event.changes else { return event }
            return DomainEvent(id: event.id, name: event.name, record: event.record, run: event.run, at: event.at,
                               fields: fields, changes: changes)
        }
    }

    private static func references(in value: FieldValue) -> [RecordReference] {
        switch value {
        case .reference(let target): [target]
        case .references(let list): list
        default: []
        }
    }

    /// A value with its links to `hidden` records left out (nil when nothing is left).
    private static func value(_ value: FieldValue, hiding hidden: Set<RecordReference>) -> FieldValue? {
        switch value {
        case .reference(let target) where hidden.contains(target): return nil
        case .references(let list) where list.contains(where: hidden.contains):
            let kept = list.filter { !hidden.contains($0) }
            return kept.isEmpty ? nil : .references(kept)
        default: return value
        }
    }

    /// Records a batch at a time, each batch shown through `show` (one visibility query per linked type).
    private final class LinkHidingCursor: RecordCursor {
        let inner: any RecordCursor
        let show: ([Record]) throws -> [Record]
        var batch: [Record] = []
        var position = 0
        init(_ inner: any RecordCursor, _ show: @escaping ([Record]) throws -> [Record]) {
            self.inner = inner
            self.show = show
        }
        func next() throws -> Record? {
            if position == batch.count {
                var read: [Record] = []
                while read.count < 256, let record = try inner.next() { read.append(record) }
                batch = try show(read)
                position = 0
            }
            guard position < batch.count else { return nil }
            defer { position += 1 }
            return batch[position]
        }
        func close() { inner.close() }
    }

    private final class MaskingCursor: RecordCursor {
        let inner: any RecordCursor
        let mask: (Record) -> Record
        init(_ inner: any RecordCursor, _ mask: @escaping (Record) -> Record) {
            self.inner = inner
            self.mask = mask
        }
        func next() throws -> Record? { try inner.next().map(mask) }
        func close() { inner.close() }
    }
}

extension RecordQuery {
    /// The same query, narrowed to a principal's scope.
    public func scopedTo(_ scope: AccessScope) -> RecordQuery {
        var query = self
        query.access = scope
        return query
    }
}
