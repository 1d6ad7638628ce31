import ComityCore
import ComitySQL
import Foundation

/// One transaction of the PostgreSQL store, on one session. It stores, queries and
/// locks: its record operations (create, update, step, participants, archive) are
/// `RecordKeeping`'s, the domain's rules, over what it implements of `RecordStorage`.
/// Audit entries and domain events are inserted as they happen: the server's own
/// rollback (of the transaction, or of a savepoint) takes them back with the records.
struct PostgresTransaction: StoreTransaction, RecordStorage {
    let session: PostgresSession
    let schema: DomainSchema
    let eventRecording = EventRecordingSetting()
    let savepoints = PostgresSavepoints()
    let cursors = PostgresCursors()
    let wakeups = PostgresWakeupNotice()
    let pendingAudit = PostgresPendingAudit()

    var querySQL: RecordQuerySQL { RecordQuerySQL(schema: schema, dialect: PostgresDialect()) }

    /// Before COMMIT or ROLLBACK: the finds still open are closed with the transaction.
    func closeCursors() { cursors.forgetAll() }

    func allowIdle(upTo limit: Duration?) throws { try session.allowIdle(upTo: limit) }

    // MARK: Storing (see `RecordStorage`; the rules are `RecordKeeping`'s)

    func insertRecord(
        _ type: RecordType, values: [String: FieldValue], entries: [RecordSchema.Entry], status: String?, owner: Int64?, at: Timestamp
    ) throws -> RecordReference {
        let recordSchema = schema[type]
        var columns = ["created_at", "updated_at", "custom", "owner"]
        var placeholders = ["?", "?", "?::jsonb", "?::bigint"]
        var arguments: [SQLValue] = [.integer(at.secondsSince1970), .integer(at.secondsSince1970),
                                     .text(ColumnValues.encodeCustom(values.filter { recordSchema.field(named: $0.key)?.custom == true })),
                                     owner.sqlValue]
        if recordSchema.lifecycle != nil {
            columns.append("status")
            placeholders.append("?")
            arguments.append(status.sqlValue)
        }
        for definition in recordSchema.fields where !definition.custom {
            let names = StorageLayout.columnNames(definition)
            guard !names.isEmpty else { continue }
            columns += names
            placeholders += names.map { _ in Self.placeholder(definition.type) }
            arguments += ColumnValues.encode(values[definition.name], definition)
        }
        let sql = "INSERT INTO \(StorageLayout.tableName(type)) (\(columns.joined(separator: ", "))) VALUES (\(placeholders.joined(separator: ", "))) RETURNING id"
        guard let id = try session.scalar(sql, arguments).integer else {
            throw StoreError(.database, "\(session.location): inserting a \(type.displayName) returned no id")
        }
        let reference = RecordReference(type, id)
        for definition in recordSchema.fields where !definition.custom {
            if case .references = definition.type, case .references(let targets)? = values[definition.name] {
                try writeLinks(reference, definition.name, targets)
            }
        }
        return reference
    }

    /// A list of strings is `jsonb`: its text argument is cast.
    private static func placeholder(_ type: FieldType) -> String {
        if case .strings = type { return "?::jsonb" }
        return "?"
    }

    func updateRecord(_ reference: RecordReference, changed: [FieldDefinition], fields next: [String: FieldValue], at: Timestamp) throws {
        let recordSchema = schema[reference.type]
        var assignments = ["updated_at = ?"]
        var arguments: [SQLValue] = [.integer(at.secondsSince1970)]
        if changed.contains(where: \.custom) {
            assignments.append("custom = ?::jsonb")
            arguments.append(.text(ColumnValues.encodeCustom(next.filter { recordSchema.field(named: $0.key)?.custom == true })))
        }
        for definition in changed where !definition.custom {
            if case .references = definition.type {
                let targets: [RecordReference]
                if case .references(let list)? = next[definition.name] { targets = list } else { targets = [] }
                try session.execute("DELETE FROM \(StorageLayout.linkTableName(reference.type, definition.name)) WHERE owner = ?",
                                    [.integer(reference.id)])
                try writeLinks(reference, definition.name, targets)
                continue
            }
            for (column, value) in zip(StorageLayout.columnNames(definition), ColumnValues.encode(next[definition.name], definition)) {
                assignments.append("\(column) = \(Self.placeholder(definition.type))")
                arguments.append(value)
            }
        }
        arguments.append(.integer(reference.id))
        try session.execute("UPDATE \(StorageLayout.tableName(reference.type)) SET \(assignments.joined(separator: ", ")) WHERE id = ?", arguments)
    }

    func updateStatus(_ reference: RecordReference, to status: String, at: Timestamp) throws {
        try session.execute("UPDATE \(StorageLayout.tableName(reference.type)) SET status = ?, updated_at = ? WHERE id = ?",
                            [.text(status), .integer(at.secondsSince1970), .integer(reference.id)])
    }

    func updateOwner(_ reference: RecordReference, to owner: Int64?, at: Timestamp) throws {
        try session.execute("UPDATE \(StorageLayout.tableName(reference.type)) SET owner = ?::bigint, updated_at = ? WHERE id = ?",
                            [owner.sqlValue, .integer(at.secondsSince1970), .integer(reference.id)])
    }

    func updateArchived(_ reference: RecordReference, archivedAt: Timestamp?, at: Timestamp) throws {
        try session.execute("UPDATE \(StorageLayout.tableName(reference.type)) SET archived_at = ?, updated_at = ? WHERE id = ?",
                            [archivedAt.map { .integer($0.secondsSince1970) } ?? .null, .integer(at.secondsSince1970), .integer(reference.id)])
    }

    func exists(_ reference: RecordReference) throws -> Bool {
        try !session.query("SELECT 1 FROM \(StorageLayout.tableName(reference.type)) WHERE id = ?", [.integer(reference.id)]).isEmpty
    }

    func recordID(_ type: RecordType, where field: String, is value: FieldValue, excluding id: Int64?) throws -> Int64? {
        try session.scalar("SELECT id FROM \(StorageLayout.tableName(type)) WHERE \(field) = ? AND id IS DISTINCT FROM ?::bigint LIMIT 1",
                           [ColumnValues.scalar(value), id.sqlValue]).integer
    }

    func hasParticipant(_ event: RecordReference, _ participant: RecordReference, role: String) throws -> Bool {
        try !session.query(
            "SELECT 1 FROM event_participants WHERE event = ? AND participant_type = ? AND participant_id = ? AND role = ?",
            [.integer(event.id), .text(participant.type.rawValue), .integer(participant.id), .text(role)]).isEmpty
    }

    func insertParticipant(_ event: RecordReference, _ participant: RecordReference, role: String) throws {
        try session.execute("INSERT INTO event_participants (event, participant_type, participant_id, role) VALUES (?, ?, ?, ?)",
                            [.integer(event.id), .text(participant.type.rawValue), .integer(participant.id), .text(role)])
    }

    func participants(of event: RecordReference) throws -> [(participant: RecordReference, role: String)] {
        try session.query("SELECT participant_type, participant_id, role FROM event_participants WHERE event = ? ORDER BY added",
                          [.integer(event.id)]).compactMap { row in
            guard let name = row[0].text, let type = RecordType(rawValue: name), let id = row[1].integer, let role = row[2].text else { return nil }
            return (RecordReference(type, id), role)
        }
    }

    private func writeLinks(_ owner: RecordReference, _ field: String, _ targets: [RecordReference]) throws {
        guard !targets.isEmpty else { return }
        var arguments: [SQLValue] = []
        for (position, target) in targets.enumerated() {
            arguments += [.integer(owner.id), .integer(Int64(position)), .integer(target.id)]
        }
        let rows = Array(repeating: "(?, ?, ?)", count: targets.count).joined(separator: ", ")
        try session.execute("INSERT INTO \(StorageLayout.linkTableName(owner.type, field)) (owner, position, target) VALUES \(rows)", arguments)
    }

    // MARK: Reading

    /// `t.*` and, for each list of records, its targets in order as a JSON array
    /// (`FIELD__links`): read in the same statement, so a cursor's rows carry their
    /// lists as of its snapshot.
    func selectList(_ type: RecordType) -> String {
        var list = "t.*"
        for definition in schema[type].fields where !definition.custom {
            guard case .references = definition.type else { continue }
            let links = StorageLayout.linkTableName(type, definition.name)
            list += ", (SELECT COALESCE(json_agg(l.target ORDER BY l.position), '[]')::text FROM \(links) l WHERE l.owner = t.id) AS \(definition.name)__links"
        }
        return list
    }

    func record(_ reference: RecordReference) throws -> Record? {
        let rows = try session.query("SELECT \(selectList(reference.type)) FROM \(StorageLayout.tableName(reference.type)) t WHERE t.id = ?",
                                     [.integer(reference.id)])
        return try rows.first.map { try decode($0, reference.type) }
    }

    func cursor(_ type: RecordType, _ query: RecordQuery) throws -> any RecordCursor {
        let (whereSQL, conditionArguments) = try querySQL.conditions(type, query)
        let (order, orderArguments) = try querySQL.order(type, query, whereSQL: whereSQL, arguments: conditionArguments) { sql, values in
            try session.query(sql, values).compactMap { $0[0].text }
        }
        let arguments = conditionArguments + orderArguments
        var sql = "SELECT \(selectList(type)) FROM \(StorageLayout.tableName(type)) t\(whereSQL) ORDER BY \(order)"
        if let limit = query.limit { sql += " LIMIT \(max(limit, 0))" }
        let cursor = try PostgresRecordCursor(
            session: session, type: type, sql: sql, arguments: arguments, name: cursors.nextName(), depth: savepoints.depth
        ) { row in try decode(row, type) }
        cursors.add(cursor)
        return cursor
    }

    func count(_ type: RecordType, _ query: RecordQuery) throws -> Int {
        let (whereSQL, arguments) = try querySQL.conditions(type, query)
        return Int(try session.scalar("SELECT COUNT(*) FROM \(StorageLayout.tableName(type)) t\(whereSQL)", arguments).integer ?? 0)
    }

    func count(_ type: RecordType, by groups: [String], _ query: RecordQuery) throws -> [(group: [FieldValue?], count: Int)] {
        let (sql, arguments, definitions) = try querySQL.groupedCount(type, by: groups, query)
        return try session.query(sql, arguments).map { row in
            let values = definitions.enumerated().map { index, definition in RecordQuerySQL.groupValue(row[index], definition) }
            return (values, Int(row[definitions.count].integer ?? 0))
        }
    }

    func sum(_ type: RecordType, _ field: String, by groups: [String], _ query: RecordQuery) throws -> [MoneyTotal] {
        let (sql, arguments, definitions) = try querySQL.moneyTotals(type, field, by: groups, query)
        var totals: [MoneyTotal] = []
        for row in try session.query(sql, arguments) {
            let values = definitions.enumerated().map { index, definition in RecordQuerySQL.groupValue(row[index], definition) }
            guard let code = row[groups.count].text, let total = row[groups.count + 1].integer else { continue }
            totals.append(MoneyTotal(group: values, total: Money(minorUnits: total, currency: try Currency(code))))
        }
        return totals
    }

    /// A record from a row of `selectList`.
    func decode(_ row: PostgresResultRow, _ type: RecordType) throws -> Record {
        let recordSchema = schema[type]
        guard let id = row.integer("id") else { throw StoreError(.database, "\(session.location): a \(type.displayName) row without an id") }
        var fields = ColumnValues.decodeCustom(row.text("custom") ?? "{}", recordSchema)
        for definition in recordSchema.fields where !definition.custom {
            let name = definition.name
            switch definition.type {
            case .references(let target):
                let ids = (try? JSONDecoder().decode([Int64].self, from: Data((row.text("\(name)__links") ?? "[]").utf8))) ?? []
                if !ids.isEmpty { fields[name] = .references(ids.map { RecordReference(target, $0) }) }
            case .money:
                if let minor = row.integer("\(name)_minor"), let code = row.text("\(name)_currency"), let currency = try? Currency(code) {
                    fields[name] = .money(Money(minorUnits: minor, currency: currency))
                }
            case .anyReference:
                if let typeName = row.text("\(name)_type"), let target = RecordType(rawValue: typeName), let targetID = row.integer("\(name)_id") {
                    fields[name] = .reference(RecordReference(target, targetID))
                }
            default:
                if let value = ColumnValues.decodeScalar(row[name], definition.type) { fields[name] = value }
            }
        }
        return Record(
            reference: RecordReference(type, id), fields: fields, status: recordSchema.lifecycle == nil ? nil : row.text("status"),
            createdAt: Timestamp(secondsSince1970: row.integer("created_at") ?? 0),
            updatedAt: Timestamp(secondsSince1970: row.integer("updated_at") ?? 0),
            archivedAt: row.integer("archived_at").map { Timestamp(secondsSince1970: $0) }, owner: row.integer("owner"))
    }

    // MARK: Audit and events

    func appendAudit(
        _ record: RecordReference, _ action: AuditEntry.Action, field: String?, old: String?, new: String?, context: ChangeContext
    ) throws {
        pendingAudit.rows.append([context.run.sqlValue, .integer(context.at.secondsSince1970), .text(record.type.rawValue),
                                  .integer(record.id), .text(action.rawValue), field.sqlValue, old.sqlValue, new.sqlValue,
                                  context.principal.sqlValue])
        if pendingAudit.rows.count >= PostgresPendingAudit.batch { try writePendingAudit() }
    }

    /// Sends the audit entries not yet written, in one INSERT: before anything reads
    /// the audit, before a savepoint opens, and before COMMIT (a round trip per entry
    /// made creating twice as slow).
    func writePendingAudit() throws {
        guard !pendingAudit.rows.isEmpty else { return }
        let rows = pendingAudit.rows
        pendingAudit.rows.removeAll(keepingCapacity: true)
        let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows.count).joined(separator: ", ")
        try session.execute("INSERT INTO audit (run, at, record_type, record_id, action, field, old_value, new_value, principal) VALUES \(values)",
                            rows.flatMap { $0 })
    }

    func audit(of reference: RecordReference) throws -> [AuditEntry] {
        try writePendingAudit()
        return try auditEntries("record_type = ? AND record_id = ?", [.text(reference.type.rawValue), .integer(reference.id)])
    }

    func changes(byRun run: String) throws -> [AuditEntry] {
        try writePendingAudit()
        return try auditEntries("run = ?", [.text(run)])
    }

    private func auditEntries(_ condition: String, _ arguments: [SQLValue]) throws -> [AuditEntry] {
        try session.query("SELECT * FROM audit WHERE \(condition) ORDER BY id", arguments).compactMap { row in
            guard let name = row.text("record_type"), let type = RecordType(rawValue: name), let id = row.integer("record_id") else { return nil }
            return AuditEntry(record: RecordReference(type, id), action: AuditEntry.Action(rawValue: row.text("action") ?? "") ?? .update,
                              field: row.text("field"), oldValue: row.text("old_value"), newValue: row.text("new_value"),
                              run: row.text("run"), at: Timestamp(secondsSince1970: row.integer("at") ?? 0), principal: row.text("principal"))
        }
    }

    func appendEvent(
        _ name: String, _ record: RecordReference, fields: [String: FieldValue], changes: [String: FieldChange], context: ChangeContext
    ) throws {
        try session.execute(
            "INSERT INTO domain_events (run, at, name, record_type, record_id, fields, changes) VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)",
            [context.run.sqlValue, .integer(context.at.secondsSince1970), .text(name), .text(record.type.rawValue), .integer(record.id),
             .text(EventDataCoding.encode(fields)), .text(EventDataCoding.encode(changes))])
    }

    func events(byRun run: String) throws -> [DomainEvent] {
        try session.query("SELECT id, run, at, name, record_type, record_id, fields::text, changes::text FROM domain_events WHERE run = ? ORDER BY id",
                          [.text(run)]).compactMap(Self.event)
    }

    func events(since id: Int64) throws -> [(id: Int64, event: DomainEvent)] {
        try session.query("SELECT id, run, at, name, record_type, record_id, fields::text, changes::text FROM domain_events WHERE id > ? ORDER BY id",
                          [.integer(id)]).compactMap(Self.event).map { ($0.id, $0) }
    }

    func event(id: Int64) throws -> DomainEvent? {
        try session.query("SELECT id, run, at, name, record_type, record_id, fields::text, changes::text FROM domain_events WHERE id = ?",
                          [.integer(id)]).first.flatMap(Self.event)
    }

    private static func event(_ row: PostgresResultRow) -> DomainEvent? {
        guard let id = row.integer("id"), let name = row.text("name"), let typeName = row.text("record_type"),
              let type = RecordType(rawValue: typeName), let recordID = row.integer("record_id") else { return nil }
        return DomainEvent(id: id, name: name, record: RecordReference(type, recordID), run: row.text("run"),
                           at: Timestamp(secondsSince1970: row.integer("at") ?? 0), fields: EventDataCoding.fields(row.text("fields")),
                           changes: EventDataCoding.changes(row.text("changes")))
    }
}
