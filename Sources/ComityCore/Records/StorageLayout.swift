/// The tables, columns, keys and indexes a store keeps, as the domain schema implies
/// them: one table per record type, a link table per list of records, and the tables
/// the store keeps for itself (audit, events, runs, the queue, schedules, the outbox).
///
/// It is the one description of the database. The SQLite store's migrations are
/// written by hand and frozen once released, and a test (`StorageLayoutTests` in
/// ComitySQLiteTests) checks that a migrated database has exactly these tables,
/// columns, types, keys and indexes, with and without custom fields. A PostgreSQL
/// store would generate its `CREATE TABLE` and `CREATE INDEX` statements from a
/// layout (mapping each `ColumnType` to its own type: `bigint`, `text`, `boolean`,
/// `numeric`, `date`, `timestamptz` or seconds, `jsonb`, `bytea`) or check its
/// migrations against it the same way, so that the schema is not written a third time.
///
/// Naming conventions (which `ColumnMapping` in the SQLite store reads from here): a
/// field's column has its name; money is `NAME_minor` and `NAME_currency`; a record
/// of any type is `NAME_type` and `NAME_id`; a list of records is a link table
/// `TYPE_FIELD(owner, position, target)`; custom fields are members of the JSON
/// column `custom`, so declaring one in comity.lua changes no table.
public struct StorageLayout: Sendable, Hashable {
    /// What a column holds, independent of any database's types.
    public enum ColumnType: String, Sendable, Hashable {
        /// A 64-bit integer: ids, counts, money's minor units.
        case integer
        case text
        case boolean
        /// Exact decimal text, such as `12.50`.
        case decimal
        /// A calendar day, `2021-01-26`.
        case date
        /// Whole seconds since 1970-01-01 UTC.
        case timestamp
        /// JSON text: a list of strings, custom fields, a run's log.
        case json
        /// Bytes: an attachment's content.
        case blob
    }

    /// A column's value when a row does not give one.
    public enum DefaultValue: Sendable, Hashable {
        case integer(Int64)
        case boolean(Bool)
        case text(String)
    }

    public struct Column: Sendable, Hashable {
        public let name: String
        public let type: ColumnType
        public let nullable: Bool
        public let defaultValue: DefaultValue?
        /// The table whose `id` the column refers to.
        public let references: String?

        public init(_ name: String, _ type: ColumnType, nullable: Bool = true, default defaultValue: DefaultValue? = nil,
                    references: String? = nil) {
            self.name = name
            self.type = type
            self.nullable = nullable
            self.defaultValue = defaultValue
            self.references = references
        }
    }

    /// What a partial index leaves out: it keeps only rows for which every condition holds.
    public enum RowCondition: Sendable, Hashable {
        case isFalse(String)
        /// The text column holds this value.
        case equals(String, String)
        case isNull(String)
    }

    public struct Index: Sendable, Hashable {
        public let name: String
        public let columns: [String]
        public let unique: Bool
        /// Empty for an index of every row.
        public let conditions: [RowCondition]

        public init(_ name: String, _ columns: [String], unique: Bool = false, where conditions: [RowCondition] = []) {
            self.name = name
            self.columns = columns
            self.unique = unique
            self.conditions = conditions
        }
    }

    /// What a table keeps.
    public enum Contents: Sendable, Hashable {
        case records(RecordType)
        /// The items of a list of records (a partnership's members), in order.
        case links(RecordType, field: String)
        /// The participants of events, with their roles (`DomainSchema.participantRoles`).
        case participants
        /// The store's own tables: audit, domain events, runs, the queue, schedules, the outbox.
        case store
    }

    public struct Table: Sendable, Hashable {
        public let name: String
        public let contents: Contents
        public let columns: [Column]
        public let primaryKey: [String]
        /// The primary key is an integer `id` the store hands out, never reused.
        public let generatesIDs: Bool
        public let indexes: [Index]
        /// For a record table: the custom fields kept as members of its `custom` column.
        public let customFields: [String]

        public init(_ name: String, _ contents: Contents, columns: [Column], primaryKey: [String], generatesIDs: Bool = false,
                    indexes: [Index] = [], customFields: [String] = []) {
            self.name = name
            self.contents = contents
            self.columns = columns
            self.primaryKey = primaryKey
            self.generatesIDs = generatesIDs
            self.indexes = indexes
            self.customFields = customFields
        }

        public func column(named name: String) -> Column? { columns.first { $0.name == name } }
    }

    /// Record tables, link tables, then the store's own, each once.
    public let tables: [Table]

    public init(_ schema: DomainSchema) {
        var tables: [Table] = []
        for type in RecordType.allCases {
            tables += Self.recordTables(schema[type])
        }
        tables.append(Self.eventParticipants)
        tables += Self.storeTables
        self.tables = tables
    }

    public func table(named name: String) -> Table? { tables.first { $0.name == name } }

    // MARK: Names

    public static func tableName(_ type: RecordType) -> String {
        switch type {
        case .organisation: "organisations"
        case .person: "people"
        case .grant: "grants"
        case .partnership: "partnerships"
        case .event: "events"
        case .application: "applications"
        case .task: "tasks"
        }
    }

    public static func linkTableName(_ type: RecordType, _ field: String) -> String { "\(type.rawValue)_\(field)" }

    /// The columns a built-in field occupies, in order: none for a list of records (a
    /// link table) or a custom field (a member of `custom`).
    public static func columnNames(_ definition: FieldDefinition) -> [String] {
        if definition.custom { return [] }
        switch definition.type {
        case .money: return ["\(definition.name)_minor", "\(definition.name)_currency"]
        case .anyReference: return ["\(definition.name)_type", "\(definition.name)_id"]
        case .references: return []
        default: return [definition.name]
        }
    }

    // MARK: Record tables

    /// The columns of a built-in field, as `columnNames` names them.
    static func columns(_ definition: FieldDefinition) -> [Column] {
        let names = columnNames(definition)
        let nullable = !definition.required
        switch definition.type {
        case .money:
            return [Column(names[0], .integer, nullable: nullable), Column(names[1], .text, nullable: nullable)]
        case .anyReference:
            return [Column(names[0], .text, nullable: nullable), Column(names[1], .integer, nullable: nullable)]
        case .references:
            return []
        case .reference(let target):
            return names.map { Column($0, .integer, nullable: nullable, references: tableName(target)) }
        case .integer:
            return names.map { Column($0, .integer, nullable: nullable) }
        case .decimal:
            return names.map { Column($0, .decimal, nullable: nullable) }
        case .boolean:
            return names.map { Column($0, .boolean, nullable: nullable) }
        case .date:
            return names.map { Column($0, .date, nullable: nullable) }
        case .time:
            return names.map { Column($0, .timestamp, nullable: nullable) }
        case .strings:
            return names.map { Column($0, .json, nullable: nullable) }
        case .string, .choice, .country, .organisationKind, .orgIdentifier, .email, .url, .timeZone:
            return names.map { Column($0, .text, nullable: nullable) }
        }
    }

    /// A record type's table and the link tables of its lists of records.
    static func recordTables(_ schema: RecordSchema) -> [Table] {
        let table = tableName(schema.type)
        let builtIn = schema.fields.filter { !$0.custom }
        var columns = [Column("id", .integer, nullable: false)]
        var indexes: [Index] = []
        if schema.lifecycle != nil {
            columns.append(Column("status", .text, nullable: false))
            indexes.append(Index("\(table)_status", ["status"]))
        }
        for definition in builtIn {
            columns += Self.columns(definition)
            let names = columnNames(definition)
            if !names.isEmpty, definition.unique || definition.indexed {
                indexes.append(Index("\(table)_\(definition.name)", names, unique: definition.unique))
            }
        }
        columns += [
            Column("custom", .json, nullable: false, default: .text("{}")),
            Column("created_at", .timestamp, nullable: false),
            Column("updated_at", .timestamp, nullable: false),
            Column("archived_at", .timestamp),
            // Since v11 (PostgreSQL v4): the organisation it belongs to (see `RecordOwnership`).
            Column("owner", .integer, references: tableName(.organisation)),
        ]
        indexes.append(Index("\(table)_owner", ["owner"]))
        var tables = [Table(table, .records(schema.type), columns: columns, primaryKey: ["id"], generatesIDs: true,
                            indexes: indexes, customFields: schema.fields.filter(\.custom).map(\.name))]
        for definition in builtIn {
            guard case .references(let target) = definition.type else { continue }
            let links = linkTableName(schema.type, definition.name)
            tables.append(Table(links, .links(schema.type, field: definition.name), columns: [
                Column("owner", .integer, nullable: false, references: table),
                Column("position", .integer, nullable: false),
                Column("target", .integer, nullable: false, references: tableName(target)),
            ], primaryKey: ["owner", "position"], indexes: [Index("\(links)_target", ["target"])]))
        }
        return tables
    }

    /// `events.add_participant`: an organisation or a person, in a role, once per role.
    static let eventParticipants = Table("event_participants", .participants, columns: [
        Column("event", .integer, nullable: false, references: tableName(.event)),
        Column("participant_type", .text, nullable: false),
        Column("participant_id", .integer, nullable: false),
        Column("role", .text, nullable: false),
    ], primaryKey: ["event", "participant_type", "participant_id", "role"])

    // MARK: The store's own tables

    /// Not in the domain schema: what a store keeps about changes, runs and messages.
    static let storeTables: [Table] = [
        Table("audit", .store, columns: [
            Column("id", .integer, nullable: false), Column("run", .text), Column("at", .timestamp, nullable: false),
            Column("record_type", .text, nullable: false), Column("record_id", .integer, nullable: false),
            Column("action", .text, nullable: false), Column("field", .text), Column("old_value", .text),
            Column("new_value", .text),
            // Since v11 (PostgreSQL v4): who made the change, when a principal did.
            Column("principal", .text),
        ], primaryKey: ["id"], generatesIDs: true, indexes: [
            Index("audit_record", ["record_type", "record_id"]), Index("audit_run", ["run"]),
        ]),
        Table("domain_events", .store, columns: [
            Column("id", .integer, nullable: false), Column("run", .text), Column("at", .timestamp, nullable: false),
            Column("name", .text, nullable: false), Column("record_type", .text, nullable: false),
            Column("record_id", .integer, nullable: false),
            // The record's fields as of the event, and what changed; none on events recorded before v6.
            Column("fields", .json), Column("changes", .json),
        ], primaryKey: ["id"], generatesIDs: true, indexes: [
            Index("domain_events_name", ["name"]), Index("domain_events_run", ["run"]),
        ]),
        Table("runs", .store, columns: [
            Column("id", .text, nullable: false), Column("workflow", .text), Column("file", .text, nullable: false),
            Column("content_hash", .text, nullable: false)] + triggerColumns + [
            Column("parameters", .json, nullable: false, default: .text("{}")),
            Column("clock", .timestamp, nullable: false), Column("started_at", .timestamp, nullable: false),
            Column("ended_at", .timestamp), Column("outcome", .text, nullable: false), Column("error", .text),
            Column("traceback", .text), Column("log", .json, nullable: false, default: .text("[]")),
            Column("records_created", .integer, nullable: false, default: .integer(0)),
            Column("records_changed", .integer, nullable: false, default: .integer(0)),
            Column("dry_run", .boolean, nullable: false, default: .boolean(false)),
            Column("attempt", .integer, nullable: false, default: .integer(1)),
            Column("pid", .integer, nullable: false, default: .integer(0)),
            // Since v12 (PostgreSQL v5): the person it acted as (`AccessPolicy.name`); nil for the workspace.
            Column("acting_as", .text),
        ], primaryKey: ["id"], indexes: [
            Index("runs_workflow", ["workflow", "started_at"]), Index("runs_started", ["started_at"]),
            Index("runs_outcome", ["outcome"]),
        ]),
        Table("run_queue", .store, columns: [
            Column("id", .integer, nullable: false), Column("workflow", .text, nullable: false),
            Column("file", .text, nullable: false)] + triggerColumns + [
            Column("enqueued_at", .timestamp, nullable: false), Column("not_before", .timestamp, nullable: false),
            Column("attempt", .integer, nullable: false, default: .integer(1)),
            // Since v8: `waiting`, or `leased` to a worker (`lease_owner`) until `lease_until`,
            // at `epoch`, as the run `run_id`.
            Column("state", .text, nullable: false, default: .text("waiting")), Column("lease_owner", .text),
            Column("lease_until", .timestamp), Column("epoch", .integer, nullable: false, default: .integer(0)),
            Column("run_id", .text),
            // Since v10 (PostgreSQL v3): the parameters it was started or retried with.
            Column("parameters", .json, nullable: false, default: .text("{}")),
        ], primaryKey: ["id"], generatesIDs: true, indexes: [
            Index("run_queue_due", ["not_before", "id"]),
            Index("run_queue_waiting", ["not_before", "id"], where: [.equals("state", "waiting")]),
            Index("run_queue_leases", ["lease_owner"], where: [.equals("state", "leased")]),
        ]),
        // Since v8: `comity worker` processes.
        Table("workers", .store, columns: [
            Column("id", .text, nullable: false), Column("host", .text, nullable: false),
            Column("pid", .integer, nullable: false), Column("version", .text, nullable: false),
            Column("started_at", .timestamp, nullable: false), Column("heartbeat", .timestamp, nullable: false),
            Column("stopped_at", .timestamp),
        ], primaryKey: ["id"]),
        // Since v8: each slot of a schedule, claimed once by the run that advanced it.
        Table("schedule_slots", .store, columns: [
            Column("workflow", .text, nullable: false), Column("slot", .timestamp, nullable: false),
            Column("run", .text, nullable: false),
        ], primaryKey: ["workflow", "slot"]),
        Table("run_once", .store, columns: [
            Column("workflow", .text, nullable: false), Column("key", .text, nullable: false),
            Column("run", .text, nullable: false), Column("at", .timestamp, nullable: false),
        ], primaryKey: ["workflow", "key"]),
        Table("outbox", .store, columns: [
            Column("id", .integer, nullable: false),
            // A message queued before v7 has no `to_list` and goes to its `recipient`.
            Column("recipient", .text, nullable: false), Column("to_list", .json),
            Column("cc", .json, nullable: false, default: .text("[]")),
            Column("bcc", .json, nullable: false, default: .text("[]")),
            Column("reply_to", .json, nullable: false, default: .text("[]")),
            Column("subject", .text, nullable: false), Column("body", .text, nullable: false), Column("html", .text),
            Column("about_type", .text), Column("about_id", .integer), Column("status", .text, nullable: false),
            Column("attempts", .integer, nullable: false, default: .integer(0)), Column("last_error", .text),
            Column("queued_at", .timestamp, nullable: false), Column("sent_at", .timestamp), Column("run", .text),
            Column("pid", .integer, nullable: false, default: .integer(0)),
        ], primaryKey: ["id"], generatesIDs: true, indexes: [Index("outbox_status", ["status", "id"])]),
        Table("outbox_attachments", .store, columns: [
            Column("message", .integer, nullable: false, references: "outbox"),
            Column("position", .integer, nullable: false), Column("filename", .text, nullable: false),
            Column("content_type", .text, nullable: false), Column("origin", .text, nullable: false),
            Column("data", .blob, nullable: false),
        ], primaryKey: ["message", "position"]),
        Table("schedules", .store, columns: [
            Column("workflow", .text, nullable: false), Column("file", .text, nullable: false),
            Column("expression", .text, nullable: false), Column("time_zone", .text, nullable: false),
            Column("catch_up", .text, nullable: false), Column("catch_up_window", .integer, nullable: false),
            Column("overlap", .text, nullable: false), Column("lease_seconds", .integer, nullable: false),
            Column("next_slot", .timestamp), Column("last_slot", .timestamp), Column("last_run", .text),
            Column("paused", .boolean, nullable: false, default: .boolean(false)), Column("error", .text),
            Column("lease_owner", .text), Column("lease_slot", .timestamp), Column("lease_until", .timestamp),
        ], primaryKey: ["workflow"], indexes: [
            Index("schedules_due", ["next_slot"], where: [.isFalse("paused"), .isNull("error")]),
        ]),
        // Since v9 (PostgreSQL v2): the API tokens of `comity serve`, by the hash of their secret.
        Table("access_tokens", .store, columns: [
            Column("name", .text, nullable: false), Column("hash", .text, nullable: false),
            Column("scope", .text, nullable: false), Column("created_at", .timestamp, nullable: false),
            Column("last_used_at", .timestamp), Column("revoked_at", .timestamp),
            // Since v11 (PostgreSQL v4): the person a token acts as.
            Column("person", .integer, references: tableName(.person)),
        ], primaryKey: ["name"], indexes: [Index("access_tokens_hash", ["hash"], unique: true)]),
        // Since v9 (PostgreSQL v2): webhook deliveries, one per hook and sender's id.
        Table("webhook_deliveries", .store, columns: [
            Column("id", .integer, nullable: false), Column("hook", .text, nullable: false),
            Column("delivery", .text, nullable: false), Column("received_at", .timestamp, nullable: false),
            Column("headers", .json, nullable: false, default: .text("{}")), Column("body", .blob, nullable: false),
        ], primaryKey: ["id"], generatesIDs: true, indexes: [
            Index("webhook_deliveries_delivery", ["hook", "delivery"], unique: true),
        ]),
        // Since v10 (PostgreSQL v3): the answers of API writes sent with an Idempotency-Key.
        Table("idempotent_responses", .store, columns: [
            Column("token", .text, nullable: false), Column("key", .text, nullable: false),
            Column("request", .text, nullable: false), Column("status", .integer, nullable: false),
            Column("body", .blob, nullable: false), Column("created_at", .timestamp, nullable: false),
        ], primaryKey: ["token", "key"]),
        // Since v11 (PostgreSQL v4): who may see what (see `AccessPolicy`).
        Table("access_memberships", .store, columns: [
            Column("person", .integer, nullable: false, references: tableName(.person)),
            Column("organisation", .integer, nullable: false, references: tableName(.organisation)),
            Column("role", .text, nullable: false),
        ], primaryKey: ["person", "organisation"], indexes: [Index("access_memberships_organisation", ["organisation"])]),
        Table("access_networks", .store, columns: [
            Column("network", .text, nullable: false),
            Column("organisation", .integer, nullable: false, references: tableName(.organisation)),
        ], primaryKey: ["network", "organisation"], indexes: [Index("access_networks_organisation", ["organisation"])]),
        Table("access_shares", .store, columns: [
            Column("id", .integer, nullable: false),
            Column("owner", .integer, nullable: false, references: tableName(.organisation)),
            Column("record_type", .text, nullable: false), Column("field", .text), Column("value", .text),
            Column("grantee_organisation", .integer, references: tableName(.organisation)), Column("grantee_network", .text),
            Column("access", .text, nullable: false), Column("until", .date),
        ], primaryKey: ["id"], generatesIDs: true),
    ]

    /// What triggered a run, kept alike on a queued and on a recorded run.
    private static let triggerColumns = [
        Column("trigger_kind", .text, nullable: false), Column("trigger_event", .text),
        Column("trigger_record_type", .text), Column("trigger_record_id", .integer),
        Column("trigger_slot", .timestamp), Column("trigger_event_id", .integer),
        Column("caused_by", .text), Column("depth", .integer, nullable: false, default: .integer(0)),
    ]
}
