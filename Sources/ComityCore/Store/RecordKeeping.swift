import Foundation

/// The domain's rules for changing records, checked once above any store: a create's
/// fields against the schema and the record rules (dates in order, amounts not
/// negative, funder not recipient), references to records that exist and are of the
/// right type, unique values, lifecycle steps (which verb from which status, and the
/// fields that go with it), what an archived record refuses, participants' roles; and
/// which audit entries and domain events a change makes. What it decides to write, it
/// writes through `storage`, which only stores, fetches and appends.
///
/// A step or an update reads its record once: the record after the change is worked
/// out here, not read back. Inlinable, so that a store's create is specialised for it
/// (the bulk-write path makes no call through a witness table).
///
/// Its operations take the storage as a parameter rather than holding it: a store's
/// transaction is a value whose copy (one per call) cost a create hundreds of instructions.
public enum RecordKeeping {

    // MARK: Creating

    @inlinable public static func create<Storage: RecordStorage>(
        _ type: RecordType, _ fields: [String: FieldValue], context: ChangeContext, in storage: Storage
    ) throws -> Record {
        let recordSchema = storage.schema[type]
        var fields = fields
        let givenOwner = try RecordOwnership.owner(fields.removeValue(forKey: RecordOwnership.ownerField.name), record: type)
        let validated = try recordSchema.validatedEntries(fields, creating: true, timeZone: context.timeZone)
        let values = validated.values
        var ordered = validated.entries
        try recordSchema.checkRules(values)
        try checkReferences(values, recordSchema, storage)
        try checkUnique(values, recordSchema, excluding: nil, storage)
        let derivedOwner = try RecordOwnership.defaultOwner(type, values) { try storage.record($0) }
        if let givenOwner, givenOwner != derivedOwner { try checkOwner(givenOwner, type, storage) }
        let owner = givenOwner ?? derivedOwner
        let status = recordSchema.lifecycle?.initial
        let reference = try storage.insertRecord(type, values: values, entries: ordered, status: status, owner: owner, at: context.at)
        // The audit's JSON lists the values in the schema's order.
        ordered.sort { $0.position < $1.position }
        try storage.appendAudit(reference, .create, field: nil, old: nil, new: JSONText.object(ordered), context: context)
        // An owner the record's own fields do not imply is said: who gave the record away.
        if let givenOwner, givenOwner != derivedOwner {
            try storage.appendAudit(reference, .update, field: RecordOwnership.ownerField.name, old: nil,
                                    new: RecordReference(.organisation, givenOwner).description, context: context)
        }
        if storage.eventRecording.recordsCreation(of: type) {
            try recordEvent(DomainEvent.createdName(type), reference, fields: values, status: status, changes: [:], context, storage)
        }
        // Everything stored is known here: no need to read it back.
        return Record(reference: reference, fields: values, status: status, createdAt: context.at, updatedAt: context.at, owner: owner)
    }

    // MARK: Changing

    @inlinable public static func update<Storage: RecordStorage>(
        _ reference: RecordReference, _ changes: [String: FieldValue?], context: ChangeContext, in storage: Storage
    ) throws -> Record {
        let current = try require(reference, storage)
        try refuseArchived(current)
        let applied = try applyUpdate(current, changes, context: context, storage)
        // An update that changes nothing is no event.
        if !applied.changes.isEmpty, storage.eventRecording.recordsChange(of: reference.type) {
            try recordEvent(DomainEvent.updatedName(reference.type), reference, fields: applied.after.fields,
                            status: applied.after.status, changes: applied.changes, context, storage)
        }
        return applied.after
    }

    /// Writes and audits the fields of `changes` that differ from `current` (read and
    /// found not archived by the caller); returns the record after, and what changed
    /// (nothing when no value differs).
    @inlinable static func applyUpdate<Storage: RecordStorage>(
        _ current: Record, _ changes: [String: FieldValue?], context: ChangeContext, _ storage: Storage
    ) throws -> (after: Record, changes: [String: FieldChange]) {
        var current = current
        var changes = changes
        let reference = current.reference
        let recordSchema = storage.schema[reference.type]
        var ownerChange: [String: FieldChange] = [:]
        if let given = changes.removeValue(forKey: RecordOwnership.ownerField.name) {
            let owner = try RecordOwnership.owner(given, record: reference.type)
            if owner != current.owner {
                if let owner { try checkOwner(owner, reference.type, storage) }
                try storage.updateOwner(reference, to: owner, at: context.at)
                try storage.appendAudit(reference, .update, field: RecordOwnership.ownerField.name,
                                        old: current.owner.map { RecordReference(.organisation, $0).description },
                                        new: owner.map { RecordReference(.organisation, $0).description }, context: context)
                ownerChange[RecordOwnership.ownerField.name] = FieldChange(
                    old: current.owner.map { .reference(RecordReference(.organisation, $0)) },
                    new: owner.map { .reference(RecordReference(.organisation, $0)) })
                current.owner = owner
                current.updatedAt = context.at
            }
        }
        for (name, value) in changes where value == nil {
            guard let definition = recordSchema.field(named: name) else {
                throw recordSchema.unknownField(name)
            }
            if definition.required {
                throw DomainError(.invalidValue, field: name,
                                  "\(reference.type.displayName) field '\(name)' is required; it can be changed but not cleared")
            }
        }
        var zone = context.timeZone
        // Local times of a record with its own zone (an event) are in that zone.
        if case .string(let identifier)? = current.fields["time_zone"], let own = TimeZone(identifier: identifier) { zone = own }
        let given = try recordSchema.validate(changes.compactMapValues { $0 }, creating: false, timeZone: zone)
        var next = current.fields
        for (name, value) in changes { next[name] = value == nil ? nil : given[name] }
        let changed = recordSchema.fields.filter { next[$0.name] != current.fields[$0.name] }
        guard !changed.isEmpty else { return (current, ownerChange) }
        try recordSchema.checkRules(next, changed: Set(changed.map(\.name)))
        try checkReferences(given, recordSchema, storage)
        try checkUnique(given, recordSchema, excluding: reference.id, storage)
        try storage.updateRecord(reference, changed: changed, fields: next, at: context.at)
        var fieldChanges = ownerChange
        for definition in changed {
            try storage.appendAudit(reference, .update, field: definition.name, old: current.fields[definition.name]?.description,
                                    new: next[definition.name]?.description, context: context)
            fieldChanges[definition.name] = FieldChange(old: current.fields[definition.name], new: next[definition.name])
        }
        var after = current
        after.fields = next
        after.updatedAt = context.at
        return (after, fieldChanges)
    }

    @inlinable public static func step<Storage: RecordStorage>(
        _ reference: RecordReference, _ verb: String, _ fields: [String: FieldValue], context: ChangeContext, in storage: Storage
    ) throws -> Record {
        let current = try require(reference, storage)
        try refuseArchived(current)
        guard let lifecycle = storage.schema[reference.type].lifecycle, let status = current.status else {
            throw DomainError(.illegalStep, "\(reference.type.displayName) has no lifecycle")
        }
        let step = try lifecycle.step(verb, from: status)
        // The step's fields (a dismissal's reason) are part of the step: one event says both.
        var after = current
        var changes: [String: FieldChange] = [:]
        if !fields.isEmpty {
            (after, changes) = try applyUpdate(current, fields.mapValues { Optional($0) }, context: context, storage)
        }
        try storage.updateStatus(reference, to: step.to, at: context.at)
        try storage.appendAudit(reference, .step, field: "status", old: status, new: step.to, context: context)
        if step.to != status { changes["status"] = FieldChange(old: .string(status), new: .string(step.to)) }
        after.status = step.to
        after.updatedAt = context.at
        try recordEvent(step.event, reference, fields: after.fields, status: after.status, changes: changes, context, storage)
        // A step changes the record too: `TYPE.updated` listeners hear of it, after the step's own event.
        if !changes.isEmpty, storage.eventRecording.recordsChange(of: reference.type) {
            try recordEvent(DomainEvent.updatedName(reference.type), reference, fields: after.fields, status: after.status,
                            changes: changes, context, storage)
        }
        return after
    }

    @inlinable public static func addParticipant<Storage: RecordStorage>(
        _ event: RecordReference, _ participant: RecordReference, role: String, context: ChangeContext, in storage: Storage
    ) throws {
        guard event.type == .event else {
            throw DomainError(.invalidValue, field: "event", "participants belong to events, not to a \(event.type.rawValue)")
        }
        guard participant.type == .organisation || participant.type == .person else {
            throw DomainError(.invalidValue, field: "participant",
                              "an event's participant is an organisation or a person, not \(participant.type == .event ? "an" : "a") \(participant.type.rawValue)")
        }
        guard DomainSchema.participantRoles.contains(role) else {
            throw DomainError(.invalidValue, field: "role",
                              "invalid role '\(role)' (allowed: \(DomainSchema.participantRoles.joined(separator: ", ")))")
        }
        let record = try require(event, storage)
        try refuseArchived(record)
        guard try storage.exists(participant) else { throw StoreError(.notFound, StoreError.missingText(participant)) }
        guard try !storage.hasParticipant(event, participant, role: role) else { return }
        try storage.insertParticipant(event, participant, role: role)
        // A change of the event: a client that syncs by updated_at sees it.
        try storage.updateRecord(event, changed: [], fields: record.fields, at: context.at)
        try storage.appendAudit(event, .update, field: "participants", old: nil, new: "\(participant) as \(role)", context: context)
    }

    @inlinable public static func archive<Storage: RecordStorage>(
        _ reference: RecordReference, context: ChangeContext, in storage: Storage
    ) throws -> Record {
        try setArchived(reference, true, context, storage)
    }

    @inlinable public static func restore<Storage: RecordStorage>(
        _ reference: RecordReference, context: ChangeContext, in storage: Storage
    ) throws -> Record {
        try setArchived(reference, false, context, storage)
    }

    /// Archives or restores; a record already so is returned as it is. The change is
    /// recorded as `TYPE.updated` (with `archived` changed) when listened to: a
    /// record's `archived` is read as a field.
    @inlinable static func setArchived<Storage: RecordStorage>(
        _ reference: RecordReference, _ archived: Bool, _ context: ChangeContext, _ storage: Storage
    ) throws -> Record {
        var record = try require(reference, storage)
        guard (record.archivedAt != nil) != archived else { return record }
        record.archivedAt = archived ? context.at : nil
        record.updatedAt = context.at
        try storage.updateArchived(reference, archivedAt: record.archivedAt, at: context.at)
        try storage.appendAudit(reference, archived ? .archive : .restore, field: nil, old: nil, new: nil, context: context)
        if storage.eventRecording.recordsChange(of: reference.type) {
            try recordEvent(DomainEvent.updatedName(reference.type), reference, fields: record.fields, status: record.status,
                            changes: ["archived": FieldChange(old: .boolean(!archived), new: .boolean(archived))], context, storage)
        }
        return record
    }

    // MARK: Rules

    @inlinable static func require<Storage: RecordStorage>(_ reference: RecordReference, _ storage: Storage) throws -> Record {
        guard let record = try storage.record(reference) else {
            throw StoreError(.notFound, StoreError.missingText(reference))
        }
        return record
    }

    /// An owner given on create or update must be an organisation that exists.
    @inlinable static func checkOwner<Storage: RecordStorage>(_ owner: Int64, _ type: RecordType, _ storage: Storage) throws {
        let organisation = RecordReference(.organisation, owner)
        if try !storage.exists(organisation) {
            throw DomainError(.invalidValue, field: RecordOwnership.ownerField.name,
                              "\(type.displayName) field 'owner': \(StoreError.missingText(organisation))")
        }
    }

    @inlinable static func refuseArchived(_ record: Record) throws {
        if record.archivedAt != nil {
            throw DomainError(.illegalStep, "\(record.reference) is archived; restore it before changing it")
        }
    }

    /// Every referenced record must exist (and be of the declared type, which the
    /// schema's validation made sure of).
    @inlinable static func checkReferences<Storage: RecordStorage>(
        _ values: [String: FieldValue], _ recordSchema: RecordSchema, _ storage: Storage
    ) throws {
        for (name, value) in values {
            let targets: [RecordReference]
            switch value {
            case .reference(let r): targets = [r]
            case .references(let list): targets = list
            default: continue
            }
            for target in targets {
                if try !storage.exists(target) {
                    throw DomainError(.invalidValue, field: name,
                                      "\(recordSchema.type.displayName) field '\(name)': \(StoreError.missingText(target))")
                }
            }
        }
    }

    @inlinable static func checkUnique<Storage: RecordStorage>(
        _ values: [String: FieldValue], _ recordSchema: RecordSchema, excluding id: Int64?, _ storage: Storage
    ) throws {
        for name in recordSchema.uniqueNames {
            guard let value = values[name] else { continue }
            if let other = try storage.recordID(recordSchema.type, where: name, is: value, excluding: id) {
                var error = StoreError(.duplicate,
                                       "\(recordSchema.type.rawValue)#\(other) already has \(name) '\(value)'; \(name)s are unique")
                error.holder = RecordReference(recordSchema.type, other)
                error.messageWithoutHolder = "another \(recordSchema.type.rawValue) has \(name) '\(value)' already; \(name)s are unique"
                throw error
            }
        }
    }

    /// A domain event with its data: the record's fields as of the event (and its
    /// status), and what changed.
    @inlinable static func recordEvent<Storage: RecordStorage>(
        _ name: String, _ reference: RecordReference, fields: [String: FieldValue], status: String?,
        changes: [String: FieldChange], _ context: ChangeContext, _ storage: Storage
    ) throws {
        var snapshot = fields
        if let status { snapshot["status"] = .string(status) }
        try storage.appendEvent(name, reference, fields: snapshot, changes: changes, context: context)
    }
}

/// A store's record operations, from the domain's rules over its storage: a store that
/// implements `RecordStorage` implements these by doing nothing more.
extension RecordTransaction where Self: RecordStorage {
    @inlinable public func create(_ type: RecordType, _ fields: [String: FieldValue], context: ChangeContext) throws -> Record {
        try RecordKeeping.create(type, fields, context: context, in: self)
    }
    @inlinable public func update(_ reference: RecordReference, _ changes: [String: FieldValue?], context: ChangeContext) throws -> Record {
        try RecordKeeping.update(reference, changes, context: context, in: self)
    }
    @inlinable public func step(_ reference: RecordReference, _ verb: String, _ fields: [String: FieldValue], context: ChangeContext) throws -> Record {
        try RecordKeeping.step(reference, verb, fields, context: context, in: self)
    }
    @inlinable public func addParticipant(_ event: RecordReference, _ participant: RecordReference, role: String, context: ChangeContext) throws {
        try RecordKeeping.addParticipant(event, participant, role: role, context: context, in: self)
    }
    @inlinable public func archive(_ reference: RecordReference, context: ChangeContext) throws -> Record {
        try RecordKeeping.archive(reference, context: context, in: self)
    }
    @inlinable public func restore(_ reference: RecordReference, context: ChangeContext) throws -> Record {
        try RecordKeeping.restore(reference, context: context, in: self)
    }
    /// Told to the storage, which `RecordKeeping` asks on each create and change.
    @inlinable public func recordEvents(_ recording: EventRecording) { eventRecording.value = recording }
}
