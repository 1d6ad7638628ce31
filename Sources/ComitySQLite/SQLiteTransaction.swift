import ComityCore
import ComitySQL
import Foundation
import GRDB
import GRDBSQLite

// GRDB has `Record` and `RecordCursor` types of its own.
typealias Record = ComityCore.Record
typealias RecordCursor = ComityCore.RecordCursor

/// One transaction of the SQLite store. Lives only inside `SQLiteStore.write` or
/// `read`, on the database's own connection. It stores, queries and locks: its record
/// operations (create, update, step, participants, archive) are `RecordKeeping`'s, the
/// domain's rules, over what it implements of `RecordStorage`.
struct SQLiteTransaction: StoreTransaction, RecordStorage {
    let db: Database
    let schema: DomainSchema
    /// The database file, for errors.
    let path: String
    /// Worked out once per store.
    let plans: [RecordType: InsertPlan]
    /// The statements every create runs, held for the transaction: finding them in
    /// GRDB's cache hashes their whole SQL each time.
    let statements = HeldStatements()
    let direct = DirectExecution()
    /// Audit rows not yet inserted (see `PendingAudit`).
    let pendingAudit = PendingAudit()
    let tally = RunChangeTally()
    let openCursors = OpenCursors()
    let savepoints = OpenSavepoints()
    var snapshotTables: SnapshotTables { SnapshotTables(schema: schema) }
    /// Which creations and changes are recorded as events (`recordEvents`).
    let eventRecording = EventRecordingSetting()
    /// Events recorded and not yet inserted (see `PendingEvents`).
    let pendingEvents = PendingEvents()

    // MARK: Storing (see `RecordStorage`; the rules are `RecordKeeping`'s)

    func insertRecord(
        _ type: RecordType, values: [String: FieldValue], entries: [RecordSchema.Entry], status: String?, owner: Int64?,
        at timestamp: Timestamp
    ) throws -> RecordReference {
        try detachOpenCursors()
        // The schema is looked at only for custom fields: copying a record's schema
        // out of it on every create showed in the instructions per create.
        let plan = plans[type] ?? InsertPlan(schema[type])
        let at = timestamp.secondsSince1970.databaseValue
        var arguments = [DatabaseValue](repeating: .null, count: plan.argumentCount)
        arguments[0] = at
        arguments[1] = at
        if plan.hasCustomFields {
            let recordSchema = schema[type]
            arguments[2] = ColumnMapping.encodeCustom(values.filter { recordSchema.field(named: $0.key)?.custom == true }).databaseValue
        } else {
            arguments[2] = "{}".databaseValue
        }
        if let owner { arguments[3] = owner.databaseValue }
        if plan.initialStatus != nil, let status { arguments[4] = status.databaseValue }
        for entry in entries {
            guard entry.position < plan.slots.count, let (column, spread) = plan.slots[entry.position] else { continue }
            if let spread {
                for (offset, encoded) in ColumnMapping.encode(entry.value, spread).enumerated() { arguments[column + offset] = encoded }
            } else {
                arguments[column] = ColumnMapping.scalar(entry.value)
            }
        }
        try runDirect(plan.sql, held: .insert(type), arguments)
        // SQLite's own call: GRDB's property checks the thread first, on every create.
        let reference = RecordReference(type, sqlite3_last_insert_rowid(db.sqliteConnection))
        for definition in plan.linkFields {
            if case .references(let targets)? = values[definition.name] {
                try writeLinks(reference, definition.name, targets)
            }
        }
        return reference
    }

    func updateRecord(_ reference: RecordReference, changed: [FieldDefinition], fields next: [String: FieldValue], at: Timestamp) throws {
        let recordSchema = schema[reference.type]
        var assignments = ["updated_at = ?"]
        var arguments: [DatabaseValue] = [at.secondsSince1970.databaseValue]
        if changed.contains(where: \.custom) {
            assignments.append("custom = ?")
            arguments.append(ColumnMapping.encodeCustom(next.filter { recordSchema.field(named: $0.key)?.custom == true }).databaseValue)
        }
        for definition in changed {
            if case .references = definition.type {
                let targets: [RecordReference]
                if case .references(let list)? = next[definition.name] { targets = list } else { targets = [] }
                try detachOpenCursors()
                try run("DELETE FROM \(ColumnMapping.linkTable(reference.type, definition.name)) WHERE owner = ?",
                        arguments: [reference.id])
                try writeLinks(reference, definition.name, targets)
                continue
            }
            for (column, value) in zip(ColumnMapping.columns(definition), ColumnMapping.encode(next[definition.name], definition)) {
                assignments.append("\(column) = ?")
                arguments.append(value)
            }
        }
        arguments.append(reference.id.databaseValue)
        try detachOpenCursors()
        try run("UPDATE \(ColumnMapping.table(reference.type)) SET \(assignments.joined(separator: ", ")) WHERE id = ?",
                arguments: StatementArguments(arguments))
    }

    func updateStatus(_ reference: RecordReference, to status: String, at: Timestamp) throws {
        try detachOpenCursors()
        try run("UPDATE \(ColumnMapping.table(reference.type)) SET status = ?, updated_at = ? WHERE id = ?",
                arguments: [status, at.secondsSince1970, reference.id])
    }

    func updateOwner(_ reference: RecordReference, to owner: Int64?, at: Timestamp) throws {
        try detachOpenCursors()
        try run("UPDATE \(ColumnMapping.table(reference.type)) SET owner = ?, updated_at = ? WHERE id = ?",
                arguments: [owner, at.secondsSince1970, reference.id])
    }

    func updateArchived(_ reference: RecordReference, archivedAt: Timestamp?, at: Timestamp) throws {
        try detachOpenCursors()
        try run("UPDATE \(ColumnMapping.table(reference.type)) SET archived_at = ?, updated_at = ? WHERE id = ?",
                arguments: [archivedAt?.secondsSince1970, at.secondsSince1970, reference.id])
    }

    func exists(_ reference: RecordReference) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM \(ColumnMapping.table(reference.type)) WHERE id = ?"),
            arguments: [reference.id]) ?? false
    }

    func recordID(_ type: RecordType, where field: String, is value: FieldValue, excluding id: Int64?) throws -> Int64? {
        let statement = try db.cachedStatement(sql: "SELECT id FROM \(ColumnMapping.table(type)) WHERE \(field) = ? AND id IS NOT ?")
        return try Int64.fetchOne(statement, arguments: [ColumnMapping.scalar(value), id])
    }

    func hasParticipant(_ event: RecordReference, _ participant: RecordReference, role: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT 1 FROM event_participants WHERE event = ? AND participant_type = ? AND participant_id = ? AND role = ?"),
            arguments: [event.id, participant.type.rawValue, participant.id, role]) ?? false
    }

    func insertParticipant(_ event: RecordReference, _ participant: RecordReference, role: String) throws {
        try detachOpenCursors()
        try run("INSERT INTO event_participants (event, participant_type, participant_id, role) VALUES (?, ?, ?, ?)",
                arguments: [event.id, participant.type.rawValue, participant.id, role])
    }

    func participants(of event: RecordReference) throws -> [(participant: RecordReference, role: String)] {
        try Row.fetchAll(db, sql: "SELECT participant_type, participant_id, role FROM event_participants WHERE event = ? ORDER BY rowid",
                         arguments: [event.id]).compactMap { row in
            guard let type = RecordType(rawValue: row[0]) else { return nil }
            return (RecordReference(type, row[1]), row[2])
        }
    }

    // MARK: Reading

    func record(_ reference: RecordReference) throws -> Record? {
        let statement = try db.cachedStatement(sql: "SELECT * FROM \(ColumnMapping.table(reference.type)) WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [reference.id]) else { return nil }
        return try decode(row, reference.type)
    }

    func cursor(_ type: RecordType, _ query: RecordQuery) throws -> any RecordCursor {
        let (whereSQL, compiled) = try querySQL.conditions(type, query)
        let values = compiled.map(\.databaseValue)
        let fromSQL = "FROM \(ColumnMapping.table(type)) t\(whereSQL)"
        let (orderSQL, orderValues) = try order(type, query, whereSQL: whereSQL, arguments: values)
        let arguments = StatementArguments(values + orderValues)
        var sql = "SELECT * \(fromSQL) ORDER BY \(orderSQL)"
        if let limit = query.limit { sql += " LIMIT \(max(limit, 0))" }
        // Cached: a script asks the same shape of query again and again, and preparing
        // (GRDB authorises every column) costs more than running it. But a cursor steps
        // its statement until it ends: a find of the same shape while one is open (in a
        // find loop) gets a statement of its own, or the open loop would go on with its rows.
        let shared = !openCursors.sharesStatement(sql)
        let statement = shared ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        let selection = SQLiteRecordCursor.Selection(
            type: type, fromSQL: fromSQL, orderSQL: orderSQL, arguments: values + orderValues,
            limit: query.limit.map { max($0, 0) }, sql: sql, snapshotColumns: { [snapshotTables] in snapshotTables.linkColumns(type) })
        let cursor = SQLiteRecordCursor(
            db: db, selection: selection, number: openCursors.nextNumber(), depth: openCursors.depth,
            rows: try Row.fetchCursor(statement, arguments: arguments), sharesCachedStatement: shared
        ) { row, fromSnapshot in
            try decode(row, type, linksInRow: fromSnapshot)
        }
        openCursors.add(cursor)
        return cursor
    }

    /// Before a write to records: the open finds copy what they have not returned yet,
    /// so that they go on with the rows as of their call (see `SQLiteRecordCursor`).
    private func detachOpenCursors() throws {
        do {
            try openCursors.detachAll()
        } catch let error as DatabaseError {
            throw SQLiteStore.storeError(error, path: path)
        }
    }

    func count(_ type: RecordType, _ query: RecordQuery) throws -> Int {
        let (whereSQL, arguments) = try conditions(type, query)
        return try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM \(ColumnMapping.table(type)) t\(whereSQL)"), arguments: arguments) ?? 0
    }

    func count(_ type: RecordType, by groups: [String], _ query: RecordQuery) throws -> [(group: [FieldValue?], count: Int)] {
        let (sql, arguments, definitions) = try querySQL.groupedCount(type, by: groups, query)
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue))).map { row in
            let values = definitions.enumerated().map { index, definition in
                RecordQuerySQL.groupValue(SQLValue(row[index] as DatabaseValue), definition)
            }
            return (values, row[definitions.count])
        }
    }

    func sum(_ type: RecordType, _ field: String, by groups: [String], _ query: RecordQuery) throws -> [MoneyTotal] {
        let (sql, arguments, definitions) = try querySQL.moneyTotals(type, field, by: groups, query)
        var totals: [MoneyTotal] = []
        for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue))) {
            let groupValues = definitions.enumerated().map { index, definition in
                RecordQuerySQL.groupValue(SQLValue(row[index] as DatabaseValue), definition)
            }
            guard let code: String = row[groups.count], let total: Int64 = row[groups.count + 1] else { continue }
            totals.append(MoneyTotal(group: groupValues, total: Money(minorUnits: total, currency: try Currency(code))))
        }
        return totals
    }

    func audit(of reference: RecordReference) throws -> [AuditEntry] {
        try flushAudit()
        return try auditEntries("record_type = ? AND record_id = ?", [reference.type.rawValue, reference.id])
    }

    func changes(byRun run: String) throws -> [AuditEntry] {
        try flushAudit()
        return try auditEntries("run = ?", [run])
    }

    private func auditEntries(_ condition: String, _ arguments: StatementArguments) throws -> [AuditEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE \(condition) ORDER BY id", arguments: arguments).compactMap { row in
            guard let type = RecordType(rawValue: row["record_type"]) else { return nil }
            return AuditEntry(record: RecordReference(type, row["record_id"]),
                              action: AuditEntry.Action(rawValue: row["action"]) ?? .update,
                              field: row["field"], oldValue: row["old_value"], newValue: row["new_value"], run: row["run"],
                              at: Timestamp(secondsSince1970: row["at"]), principal: row["principal"])
        }
    }

    /// The run's events committed before this transaction (a REPL session's earlier
    /// statements), then those it recorded, which are still in memory.
    func events(byRun run: String) throws -> [DomainEvent] {
        let stored = try Row.fetchAll(db, sql: "SELECT * FROM domain_events WHERE run = ? ORDER BY id", arguments: [run])
            .compactMap(Self.event)
        return stored + pendingEvents.events.filter { $0.run == run }
    }

    func events(since id: Int64) throws -> [(id: Int64, event: DomainEvent)] {
        let stored = try Row.fetchAll(db, sql: "SELECT * FROM domain_events WHERE id > ? ORDER BY id", arguments: [id])
            .compactMap { row in Self.event(row).map { ($0.id, $0) } }
        return stored + pendingEvents.events.filter { $0.id > id }.map { ($0.id, $0) }
    }

    func event(id: Int64) throws -> DomainEvent? {
        if let pending = pendingEvents.event(id: id) { return pending }
        return try Row.fetchOne(db, sql: "SELECT * FROM domain_events WHERE id = ?", arguments: [id]).flatMap(Self.event)
    }

    private static func event(_ row: Row) -> DomainEvent? {
        guard let type = RecordType(rawValue: row["record_type"]) else { return nil }
        return DomainEvent(id: row["id"], name: row["name"], record: RecordReference(type, row["record_id"]), run: row["run"],
                           at: Timestamp(secondsSince1970: row["at"]), fields: EventDataCoding.fields(row["fields"]),
                           changes: EventDataCoding.changes(row["changes"]))
    }

    /// Kept in memory with its id until the transaction commits (see `PendingEvents`).
    func appendEvent(
        _ name: String, _ record: RecordReference, fields: [String: FieldValue], changes: [String: FieldChange], context: ChangeContext
    ) throws {
        if !pendingEvents.numbered {
            pendingEvents.number(after: try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'domain_events'")) ?? 0)
        }
        pendingEvents.append(DomainEvent(id: pendingEvents.nextID, name: name, record: record, run: context.run, at: context.at,
                                         fields: fields, changes: changes))
    }

    /// Inserts the events recorded in this transaction, with the ids they were given.
    func flushEvents() throws {
        for event in pendingEvents.take() {
            try run("INSERT INTO domain_events (id, run, at, name, record_type, record_id, fields, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    arguments: [event.id, event.run, event.at.secondsSince1970, event.name, event.record.type.rawValue, event.record.id,
                                EventDataCoding.encode(event.fields), EventDataCoding.encode(event.changes)])
        }
    }


    // MARK: Helpers

    /// Runs a statement, prepared once per connection: the same few statements run
    /// for every record a script writes.
    private func run(_ sql: String, arguments: StatementArguments = StatementArguments()) throws {
        do {
            try db.cachedStatement(sql: sql).execute(arguments: arguments)
        } catch let error as DatabaseError {
            // A full disk, a lock: said in the store's words, inside the script too.
            throw SQLiteStore.storeError(error, path: path)
        }
    }

    /// `run` without GRDB's argument layer, for the statements every create makes;
    /// the statement is kept at `held` once prepared.
    private func runDirect(
        _ sql: String, held: HeldStatements.Key, _ arguments: some Collection<DatabaseValue>
    ) throws {
        do {
            let statement: Statement
            if let kept = statements.byKey[held] {
                statement = kept
            } else {
                statement = try db.cachedStatement(sql: sql)
                statements.byKey[held] = statement
            }
            try direct.execute(statement, arguments, in: db)
        } catch let error as DatabaseError {
            throw SQLiteStore.storeError(error, path: path)
        }
    }

    final class HeldStatements {
        enum Key: Hashable {
            case insert(RecordType), audit, auditBatch
        }

        var byKey: [Key: Statement] = [:]
    }

    /// `linksInRow`: a row of a snapshot table, which holds the targets of its lists of
    /// records as they were when it was copied.
    private func decode(_ row: Row, _ type: RecordType, linksInRow: Bool = false) throws -> Record {
        let recordSchema = schema[type]
        let id: Int64 = row["id"]
        let reference = RecordReference(type, id)
        var fields = ColumnMapping.decodeCustom(row["custom"] ?? "{}", recordSchema)
        for definition in recordSchema.fields where !definition.custom {
            if case .references(let target) = definition.type, linksInRow {
                let text: String = row[SnapshotTables.linkColumn(definition.name)] ?? "[]"
                let ids = (try? JSONDecoder().decode([Int64].self, from: Data(text.utf8))) ?? []
                if !ids.isEmpty { fields[definition.name] = .references(ids.map { RecordReference(target, $0) }) }
            } else if case .references(let target) = definition.type {
                let ids = try Int64.fetchAll(
                    db.cachedStatement(sql: "SELECT target FROM \(ColumnMapping.linkTable(type, definition.name)) WHERE owner = ? ORDER BY position"),
                    arguments: [id])
                if !ids.isEmpty { fields[definition.name] = .references(ids.map { RecordReference(target, $0) }) }
            } else if let value = ColumnMapping.decode(row, definition) {
                fields[definition.name] = value
            }
        }
        let archived: Int64? = row["archived_at"]
        return Record(
            reference: reference, fields: fields, status: recordSchema.lifecycle == nil ? nil : row["status"],
            createdAt: Timestamp(secondsSince1970: row["created_at"]),
            updatedAt: Timestamp(secondsSince1970: row["updated_at"]),
            archivedAt: archived.map { Timestamp(secondsSince1970: $0) }, owner: row["owner"])
    }

    private func writeLinks(_ owner: RecordReference, _ field: String, _ targets: [RecordReference]) throws {
        for (position, target) in targets.enumerated() {
            try run("INSERT INTO \(ColumnMapping.linkTable(owner.type, field)) (owner, position, target) VALUES (?, ?, ?)",
                           arguments: [owner.id, position, target.id])
        }
    }

    func appendAudit(
        _ reference: RecordReference, _ action: AuditEntry.Action, field: String?, old: String?, new: String?,
        context: ChangeContext
    ) throws {
        if tally.isEmpty {
            tally.auditIDBefore = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit'")) ?? 0
        }
        pendingAudit.append(run: context.run, at: context.at.secondsSince1970, recordType: reference.type.rawValue,
                            recordID: reference.id, action: action.rawValue, field: field, old: old, new: new,
                            principal: context.principal)
        tally.note(run: context.run, record: reference, created: action == .create)
        if pendingAudit.isFull { try flushAudit() }
    }

    /// Before commit: the audit rows still waiting go in, and the snapshot tables are
    /// emptied (they are the connection's, and would outlive the transaction).
    func finish() throws {
        try flushAudit()
        try flushEvents()
        if openCursors.copiedAny {
            do {
                try snapshotTables.clear(in: db)
            } catch let error as DatabaseError {
                throw SQLiteStore.storeError(error, path: path)
            }
        }
    }

    /// Inserts the audit rows waiting in `pendingAudit`; the store calls it before
    /// committing, and every reader of the audit table before reading.
    func flushAudit() throws {
        guard !pendingAudit.isEmpty else { return }
        let (batches, rows) = pendingAudit.take()
        for batch in batches { try runDirect(PendingAudit.batchSQL, held: .auditBatch, batch) }
        for row in rows { try runDirect(PendingAudit.singleSQL, held: .audit, row) }
    }

    // MARK: Queries (their SQL is `RecordQuerySQL`'s, shared with the PostgreSQL store)

    private var querySQL: RecordQuerySQL { RecordQuerySQL(schema: schema, dialect: SQLiteDialect()) }

    private func conditions(_ type: RecordType, _ query: RecordQuery) throws -> (String, StatementArguments) {
        let (sql, values) = try querySQL.conditions(type, query)
        return (sql, StatementArguments(values.map(\.databaseValue)))
    }

    /// The ORDER BY terms of a query (see `RecordQuerySQL.order`).
    private func order(
        _ type: RecordType, _ query: RecordQuery, whereSQL: String, arguments: [DatabaseValue]
    ) throws -> (sql: String, arguments: [DatabaseValue]) {
        let (sql, values) = try querySQL.order(type, query, whereSQL: whereSQL, arguments: arguments.map(SQLValue.init)) { sql, values in
            try String.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(values.map(\.databaseValue)))
        }
        return (sql, values.map(\.databaseValue))
    }
}
