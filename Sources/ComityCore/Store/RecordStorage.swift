/// What a store does with records, below every domain rule: it stores a record's row
/// with its links, fetches rows, says whether a row exists or holds a value, and
/// appends audit entries and domain events. It decides nothing: which steps are
/// allowed, what an archived record refuses, which references and values are valid,
/// and which audit entries and events a change makes are `RecordKeeping`'s, above it.
public protocol RecordStorage {
    var schema: DomainSchema { get }
    /// Which creations and changes are recorded as events (`recordEvents`).
    var eventRecording: EventRecordingSetting { get }

    /// Stores a new record: `values` are validated already, `entries` the same values
    /// with their places among the schema's fields. Returns its reference (a new id).
    func insertRecord(
        _ type: RecordType, values: [String: FieldValue], entries: [RecordSchema.Entry], status: String?, owner: Int64?, at: Timestamp
    ) throws -> RecordReference
    /// Writes a record's owner (see `RecordOwnership`) and its update time.
    func updateOwner(_ reference: RecordReference, to owner: Int64?, at: Timestamp) throws
    /// Writes the fields `changed` of a record, whose fields after the change are
    /// `fields` (all of them: a store may keep several in one column), and its update time.
    func updateRecord(_ reference: RecordReference, changed: [FieldDefinition], fields: [String: FieldValue], at: Timestamp) throws
    /// Writes a record's lifecycle status and its update time.
    func updateStatus(_ reference: RecordReference, to status: String, at: Timestamp) throws
    /// Archives (`archivedAt` set) or restores (nil) a record, at `at`.
    func updateArchived(_ reference: RecordReference, archivedAt: Timestamp?, at: Timestamp) throws

    /// The record, archived or not; nil when there is none with that id.
    func record(_ reference: RecordReference) throws -> Record?
    /// Whether a record of that type and id is stored, archived or not.
    func exists(_ reference: RecordReference) throws -> Bool
    /// The id of a record of `type` whose (stored, not custom) field holds `value`,
    /// other than `excluding`; nil when there is none.
    func recordID(_ type: RecordType, where field: String, is value: FieldValue, excluding: Int64?) throws -> Int64?

    /// Whether `participant` is stored in `event` in `role`.
    func hasParticipant(_ event: RecordReference, _ participant: RecordReference, role: String) throws -> Bool
    /// Stores `participant` in `event` in `role`, after those there.
    func insertParticipant(_ event: RecordReference, _ participant: RecordReference, role: String) throws

    /// Appends an audit entry (of the run and time of `context`).
    func appendAudit(
        _ record: RecordReference, _ action: AuditEntry.Action, field: String?, old: String?, new: String?, context: ChangeContext
    ) throws
    /// Appends a domain event with its data: the record's fields as of the event (with
    /// `status`), and what changed. It is the transaction's, committed or rolled back with it.
    func appendEvent(
        _ name: String, _ record: RecordReference, fields: [String: FieldValue], changes: [String: FieldChange], context: ChangeContext
    ) throws
}

/// Which creations and changes a transaction records as events, as bits by type:
/// asked on every create and update, where a set's hashing showed. A class, as a
/// transaction is a value passed around and this is set once in it by the engine.
public final class EventRecordingSetting {
    private var created = UInt8.max
    private var updated = UInt8.max

    public init() {}

    public var value = EventRecording.all {
        didSet {
            created = value.created.reduce(0) { $0 | 1 << $1.ordinal }
            updated = value.updated.reduce(0) { $0 | 1 << $1.ordinal }
        }
    }

    public func recordsCreation(of type: RecordType) -> Bool { created & 1 << type.ordinal != 0 }
    public func recordsChange(of type: RecordType) -> Bool { updated & 1 << type.ordinal != 0 }
}

extension StoreError {
    /// A record a handle names that is not there: ids are never handed out twice, so a
    /// handle outliving a rolled-back create lands here.
    public static func missingText(_ reference: RecordReference) -> String {
        "\(reference.type.displayName) \(reference.id) does not exist (it was rolled back, or never committed)"
    }
}
