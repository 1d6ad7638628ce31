import ComityCore
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
        _ type: RecordType, values: [String: FieldValue], entries: [RecordSchema.Entry], status: String?, at timestamp: Timestamp
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
        if plan.initialStatus != nil, let status { arguments[3] = status.databaseValue }
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

    func record(_ type: RecordType, where field: String, is value: FieldValue) throws -> Record? {
        var found: Record?
        try forEach(type, RecordQuery(filters: [.init(field, .equal, value)], limit: 1, includeArchived: true)) { record in
            found = record
            return false
        }
        return found
    }

    func forEach(_ type: RecordType, _ query: RecordQuery, _ each: (Record) throws -> Bool) throws {
        let records = try cursor(type, query)
        while let record = try records.next() {
            if try !each(record) { break }
        }
    }

    func cursor(_ type: RecordType, _ query: RecordQuery) throws -> any RecordCursor {
        let (whereSQL, values) = try conditionValues(type, query)
        let arguments = StatementArguments(values)
        let fromSQL = "FROM \(ColumnMapping.table(type)) t\(whereSQL)"
        let orderSQL = try order(type, query, whereSQL: whereSQL, arguments: values)
        var sql = "SELECT * \(fromSQL) ORDER BY \(orderSQL)"
        if let limit = query.limit { sql += " LIMIT \(max(limit, 0))" }
        // Cached: a script asks the same shape of query again and again, and preparing
        // (GRDB authorises every column) costs more than running it. But a cursor steps
        // its statement until it ends: a find of the same shape while one is open (in a
        // find loop) gets a statement of its own, or the open loop would go on with its rows.
        let shared = !openCursors.sharesStatement(sql)
        let statement = shared ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        let selection = SQLiteRecordCursor.Selection(
            type: type, fromSQL: fromSQL, orderSQL: orderSQL, arguments: values,
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
        let grouping = try groups.map { try groupExpression(type, $0) }
        let (whereSQL, arguments) = try conditions(type, query)
        let expressions = grouping.map(\.0).joined(separator: ", ")
        let sql = "SELECT \(expressions), COUNT(*) FROM \(ColumnMapping.table(type)) t\(whereSQL) GROUP BY \(expressions) ORDER BY \(expressions)"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let values: [FieldValue?] = grouping.enumerated().map { index, entry in
                let value = row[index] as DatabaseValue
                guard let definition = entry.1 else { return String.fromDatabaseValue(value).map { .string($0) } }
                return ColumnMapping.decodeScalar(value, definition.type)
            }
            return (values, row[grouping.count])
        }
    }

    func sum(_ type: RecordType, _ field: String, by groups: [String], _ query: RecordQuery) throws -> [MoneyTotal] {
        let recordSchema = schema[type]
        guard let definition = recordSchema.field(named: field) else {
            throw recordSchema.unknownField(field)
        }
        guard case .money = definition.type else {
            throw DomainError(.invalidValue, field: field, "cannot sum \(type.displayName) field '\(field)': it is not Money")
        }
        let amount = definition.custom ? "json_extract(t.custom, '$.\(field).minor')" : "t.\(field)_minor"
        let currency = definition.custom ? "json_extract(t.custom, '$.\(field).currency')" : "t.\(field)_currency"
        var groupDefinitions: [FieldDefinition?] = []
        var groupExpressions: [String] = []
        for name in groups {
            let (expression, definition) = try groupExpression(type, name)
            groupExpressions.append(expression)
            groupDefinitions.append(definition)
        }
        var (whereSQL, arguments) = try conditions(type, query)
        whereSQL += (whereSQL.isEmpty ? " WHERE " : " AND ") + "\(amount) IS NOT NULL"
        let selected = (groupExpressions + [currency, "SUM(\(amount))"]).joined(separator: ", ")
        let grouping = (groupExpressions + [currency]).joined(separator: ", ")
        let sql = "SELECT \(selected) FROM \(ColumnMapping.table(type)) t\(whereSQL) GROUP BY \(grouping) ORDER BY \(grouping)"
        var totals: [MoneyTotal] = []
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            let groupValues: [FieldValue?] = groupDefinitions.enumerated().map { index, definition in
                let value = row[index] as DatabaseValue
                guard let definition else { return String.fromDatabaseValue(value).map { .string($0) } }
                return ColumnMapping.decodeScalar(value, definition.type)
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
                              at: Timestamp(secondsSince1970: row["at"]))
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
    private func flushEvents() throws {
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
            archivedAt: archived.map { Timestamp(secondsSince1970: $0) })
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
                            recordID: reference.id, action: action.rawValue, field: field, old: old, new: new)
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

    /// What a field's SQL expression is wanted for: its messages say which.
    private enum ExpressionUse { case group, order }

    /// The SQL expression of a field used for grouping or ordering, and its definition
    /// (nil for `status`).
    private func groupExpression(_ type: RecordType, _ name: String, for use: ExpressionUse = .group) throws -> (String, FieldDefinition?) {
        let recordSchema = schema[type]
        if name == "status", recordSchema.lifecycle != nil { return ("t.status", nil) }
        let verb = use == .group ? "group by" : "order \(type.collection) by"
        guard let definition = recordSchema.field(named: name) else {
            if recordSchema.derivedField(named: name) != nil {
                throw DomainError(.invalidValue, field: name,
                                  "cannot \(verb) '\(name)': it is derived, not stored (filter with \(name) = true or false)")
            }
            throw recordSchema.unknownField(name)
        }
        if definition.custom { return ("json_extract(t.custom, '$.\(name)')", definition) }
        let columns = ColumnMapping.columns(definition)
        guard columns.count == 1 else {
            throw DomainError(.invalidValue, field: name, "cannot \(verb) \(type.displayName) field '\(name)' (\(definition.type))")
        }
        return ("t.\(columns[0])", definition)
    }

    /// The ORDER BY terms of a query (ending with the id, so that the order is total).
    /// Money orders by its amount within one currency: when the records the query
    /// selects (`whereSQL`, `arguments`) hold several, it is refused, naming them.
    private func order(_ type: RecordType, _ query: RecordQuery, whereSQL: String, arguments: [DatabaseValue]) throws -> String {
        var terms: [String] = []
        for (field, descending) in query.orderBy {
            let column: String
            if ["id", "created_at", "updated_at"].contains(field) || (field == "status" && schema[type].lifecycle != nil) {
                column = "t.\(field)"
            } else if let definition = schema[type].field(named: field), case .money = definition.type {
                let currency = definition.custom ? "json_extract(t.custom, '$.\(field).currency')" : "t.\(field)_currency"
                let more = whereSQL.isEmpty ? " WHERE " : " AND "
                let codes = try String.fetchAll(
                    db.cachedStatement(sql: "SELECT DISTINCT \(currency) FROM \(ColumnMapping.table(type)) t\(whereSQL)\(more)\(currency) IS NOT NULL ORDER BY 1 LIMIT 5"),
                    arguments: StatementArguments(arguments))
                if codes.count > 1 {
                    let named = codes.prefix(4).joined(separator: ", ") + (codes.count > 4 ? " and more" : "")
                    throw DomainError(.mixedCurrencies, field: field,
                                      "cannot order \(type.collection) by '\(field)': the records found hold amounts in \(named), which do not compare; "
                                      + "find one currency at a time (\(field)_currency = \"\(codes[0])\")")
                }
                column = definition.custom ? "json_extract(t.custom, '$.\(field).minor')" : "t.\(field)_minor"
            } else {
                column = try groupExpression(type, field, for: .order).0
            }
            terms.append(column + (descending ? " DESC" : ""))
        }
        return (terms + ["t.id"]).joined(separator: ", ")
    }

    private func conditions(_ type: RecordType, _ query: RecordQuery) throws -> (String, StatementArguments) {
        let (sql, values) = try conditionValues(type, query)
        return (sql, StatementArguments(values))
    }

    /// The WHERE clause of a query and its values, kept as values by a cursor that may
    /// run its query again (`SQLiteRecordCursor`).
    private func conditionValues(_ type: RecordType, _ query: RecordQuery) throws -> (String, [DatabaseValue]) {
        var clauses: [String] = query.includeArchived ? [] : ["t.archived_at IS NULL"]
        var arguments: [DatabaseValue] = []
        for filter in query.filters {
            clauses.append(try condition(type, filter, alias: "t", now: query.now, &arguments))
        }
        let sql = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return (sql, arguments)
    }

    /// The SQL condition of one filter on the table aliased `a` (`t`; `t_funder` and so
    /// on in the subqueries of conditions through links). Its values are appended to
    /// `arguments` in the order of their placeholders.
    private func condition(
        _ type: RecordType, _ filter: RecordQuery.Filter, alias a: String, now: Timestamp?, _ arguments: inout [DatabaseValue]
    ) throws -> String {
        let recordSchema = schema[type]
        let name = filter.field
        let builtIn = ["id", "created_at", "updated_at"].contains(name) || (name == "status" && recordSchema.lifecycle != nil)
        let definition = builtIn ? nil : recordSchema.field(named: name)
        let derived = builtIn || definition != nil ? nil : recordSchema.derivedField(named: name)
        guard builtIn || definition != nil || derived != nil else { throw recordSchema.unknownField(name) }

        switch filter.operand {
        case .anyOf(let values):
            // Each value is checked as it would be alone; the conditions are joined by OR.
            guard [.equal, .contains, .prefix, .currency].contains(filter.comparison) else {
                throw DomainError(.invalidValue, field: name,
                                  "a list of values (any of) goes with '\(name) = { ... }', not with a comparison such as _min or _after")
            }
            guard !values.isEmpty else { return "0" } // any of nothing: no record
            var parts: [String] = []
            for (index, value) in values.enumerated() {
                do {
                    parts.append(try condition(type, RecordQuery.Filter(name, filter.comparison, value), alias: a, now: now, &arguments))
                } catch var error as DomainError {
                    error.message += " (item \(index + 1) of the list for '\(name)')"
                    throw error
                }
            }
            return Self.anyOf(parts)
        case .notAll(let inner):
            let parts = try inner.map { try condition(type, $0, alias: a, now: now, &arguments) }
            return "NOT COALESCE((" + (parts.isEmpty ? "1" : parts.joined(separator: " AND ")) + "), 0)"
        case .linked(let inner):
            return try linkedCondition(type, filter, definition, inner, alias: a, now: now, &arguments)
        case .value:
            break
        }
        let given = filter.value

        if let derived {
            // Only true or false: "yes" read as true while 0 was refused, which no filter should do.
            guard filter.comparison == .equal, case .boolean(let truth)? = given else {
                throw DomainError(.invalidValue, field: name,
                                  "\(type.displayName) field '\(name)' is derived: filter it with \(name) = true or \(name) = false"
                                  + (given.map { ", not \($0.kindName)" } ?? ""))
            }
            guard let now else {
                throw DomainError(.invalidValue, field: name, "\(type.displayName) field '\(name)' is derived from the clock, which this query was not given")
            }
            let whenTrue = derived.whenTrue(now)
            if truth {
                let parts = try whenTrue.map { try condition(type, $0, alias: a, now: now, &arguments) }
                return "(" + parts.joined(separator: " AND ") + ")"
            }
            return try condition(type, RecordQuery.Filter(name, operand: .notAll(whenTrue)), alias: a, now: now, &arguments)
        }

        switch filter.comparison {
        case .contains, .prefix:
            return try textCondition(type, filter, definition, alias: a, &arguments)
        case .currency:
            guard let definition, case .money = definition.type else {
                throw DomainError(.invalidValue, field: name,
                                  "\(name)_currency: only Money fields have a currency; \(type.displayName) field '\(name)' is \(definition?.type.description ?? "kept by Comity")")
            }
            guard case .string(let text)? = given else {
                throw DomainError(.invalidValue, field: name, "\(name)_currency needs a currency code such as \"RUB\", got \(given?.kindName ?? "nil")")
            }
            let code = try Currency(text).code
            arguments.append(code.databaseValue)
            return (definition.custom ? "json_extract(\(a).custom, '$.\(name).currency')" : "\(a).\(name)_currency") + " = ?"
        default:
            break
        }
        let op = filter.comparison.sqlOperator ?? "="

        switch name {
        case "id" where builtIn:
            let id = try given.map { try FieldType.integer.normalise($0, field: "id", record: type.displayName) }
            arguments.append(ColumnMapping.scalar(id))
            return "\(a).id \(op) ?"
        case "status" where builtIn:
            guard case .string(let status)? = given, recordSchema.lifecycle?.statuses.contains(status) == true else {
                throw DomainError(.invalidValue, field: "status",
                                  "invalid \(type.rawValue) status '\(given?.description ?? "nil")' (allowed: \(recordSchema.lifecycle?.statuses.joined(separator: ", ") ?? ""))")
            }
            arguments.append(status.databaseValue)
            return "\(a).status \(op) ?"
        case "created_at", "updated_at":
            guard case .time(let t)? = try given.map({ try FieldType.time.normalise($0, field: name, record: type.displayName) }) else {
                throw DomainError(.invalidValue, field: name, "\(name) must be compared with a Time")
            }
            arguments.append(t.secondsSince1970.databaseValue)
            return "\(a).\(name) \(op) ?"
        default:
            break
        }
        guard let definition else { throw recordSchema.unknownField(name) }

        // A link given as an id, or as the linked record's identifier (`funder =
        // "GB-CHC-1090095"`), as an import's cell may be.
        var value = given
        switch (definition.type, given) {
        case (.reference(let target), .integer(let id)?), (.references(let target), .integer(let id)?):
            value = .reference(RecordReference(target, id))
        case (.reference(let target), .string(let text)?), (.references(let target), .string(let text)?):
            if let id = Int64(text.trimmingCharacters(in: .whitespaces)) {
                value = .reference(RecordReference(target, id))
            } else {
                let identifier = try linkIdentifier(text, field: name, target: target, record: type)
                return try linkedCondition(type, RecordQuery.Filter(name, filter.comparison, operand: .linked([])), definition,
                                           [RecordQuery.Filter("identifier", .equal, identifier)], alias: a, now: now, &arguments)
            }
        case (.strings, .string(let item)?):
            // One item of a list of strings, as it is (not split at ';' as a CSV cell is).
            arguments.append(item.databaseValue)
            let list = definition.custom ? "json_extract(\(a).custom, '$.\(name)')" : "\(a).\(name)"
            return "EXISTS (SELECT 1 FROM json_each(\(list)) j WHERE j.value = ?)"
        default:
            break
        }
        let normalised = try value.map { try definition.type.normalise($0, field: definition.name, record: type.displayName) }
        guard let normalised else {
            if case .references = definition.type {
                return "\(filter.comparison == .equal ? "NOT " : "")EXISTS (SELECT 1 FROM \(ColumnMapping.linkTable(type, name)) l WHERE l.owner = \(a).id)"
            }
            let column = definition.custom ? "json_extract(\(a).custom, '$.\(name)')" : ColumnMapping.columns(definition).first.map { "\(a).\($0)" } ?? "NULL"
            return "\(column) IS \(filter.comparison == .equal ? "" : "NOT ")NULL"
        }
        switch (definition.type, normalised) {
        case (.money, .money(let money)):
            arguments += [money.currency.code.databaseValue, money.minorUnits.databaseValue]
            if definition.custom {
                return "(json_extract(\(a).custom, '$.\(name).currency') = ? AND json_extract(\(a).custom, '$.\(name).minor') \(op) ?)"
            }
            return "(\(a).\(name)_currency = ? AND \(a).\(name)_minor \(op) ?)"
        case (_, _) where definition.custom:
            arguments.append(ColumnMapping.scalar(normalised))
            return "json_extract(\(a).custom, '$.\(name)') \(op) ?"
        case (.anyReference, .reference(let r)):
            arguments += [r.type.rawValue.databaseValue, r.id.databaseValue]
            return "(\(a).\(name)_type = ? AND \(a).\(name)_id = ?)"
        case (.references, .references(let list)):
            var parts: [String] = []
            for target in list {
                parts.append("EXISTS (SELECT 1 FROM \(ColumnMapping.linkTable(type, name)) l WHERE l.owner = \(a).id AND l.target = ?)")
                arguments.append(target.id.databaseValue)
            }
            return parts.isEmpty ? "1" : "(" + parts.joined(separator: " AND ") + ")"
        case (.strings, .strings(let list)):
            var parts: [String] = []
            for item in list {
                parts.append("EXISTS (SELECT 1 FROM json_each(\(a).\(name)) j WHERE j.value = ?)")
                arguments.append(item.databaseValue)
            }
            return parts.isEmpty ? "1" : "(" + parts.joined(separator: " AND ") + ")"
        default:
            arguments.append(ColumnMapping.scalar(normalised))
            return "\(a).\(name) \(op) ?"
        }
    }

    /// The conditions of a list's values joined by OR: one `IN (...)` when each is the
    /// same `expression = ?` (most lists), else a balanced tree of ORs, as SQLite
    /// refuses an expression deeper than 1,000 and a chain of ORs is as deep as it is long.
    private static func anyOf(_ parts: [String]) -> String {
        if parts.count == 1 { return parts[0] }
        if let first = parts.first, first.hasSuffix(" = ?"), parts.allSatisfy({ $0 == first }) {
            let placeholders = Array(repeating: "?", count: parts.count).joined(separator: ", ")
            return first.dropLast(" = ?".count) + " IN (" + placeholders + ")"
        }
        func tree(_ range: Range<Int>) -> String {
            if range.count == 1 { return parts[range.lowerBound] }
            let middle = range.lowerBound + range.count / 2
            return "(" + tree(range.lowerBound..<middle) + " OR " + tree(middle..<range.upperBound) + ")"
        }
        return tree(parts.indices)
    }

    /// The identifier a link filter's text names, in its normal form; a text that cannot
    /// be one (an organisation's name) says how to filter by name.
    private func linkIdentifier(_ text: String, field: String, target: RecordType, record type: RecordType) throws -> FieldValue {
        let article = "aeiou".contains(target.rawValue.prefix(1)) ? "an" : "a"
        guard let identifier = schema[target].field(named: "identifier") else {
            throw DomainError(.invalidValue, field: field, "\(field) '\(text)': give \(article) \(target.rawValue), or its id")
        }
        do {
            return try identifier.type.normalise(.string(text), field: field, record: type.displayName)
        } catch {
            throw DomainError(.invalidValue, field: field,
                              "\(field) '\(text)' is neither an id nor an identifier of \(article) \(target.rawValue) (\(error.message)); "
                              + "to find by name, write \(field) = { name = \"\(text)\" }")
        }
    }

    /// A filter through a link: its record meets every one of `inner` (filters of the
    /// linked type), archived or not (the link stands either way).
    private func linkedCondition(
        _ type: RecordType, _ filter: RecordQuery.Filter, _ definition: FieldDefinition?, _ inner: [RecordQuery.Filter],
        alias a: String, now: Timestamp?, _ arguments: inout [DatabaseValue]
    ) throws -> String {
        let name = filter.field
        guard filter.comparison == .equal, let definition else {
            throw DomainError(.invalidValue, field: name,
                              "conditions in a table go with '\(name) = { ... }', not with a comparison or a built-in field")
        }
        let sub = "\(a)_\(name)"
        switch definition.type {
        case .reference(let target) where !definition.custom:
            let parts = try inner.map { try condition(target, $0, alias: sub, now: now, &arguments) }
            let whereSQL = parts.isEmpty ? "" : " WHERE " + parts.joined(separator: " AND ")
            return "\(a).\(name) IN (SELECT \(sub).id FROM \(ColumnMapping.table(target)) \(sub)\(whereSQL))"
        case .references(let target):
            let link = "\(sub)_link"
            let parts = try inner.map { try condition(target, $0, alias: sub, now: now, &arguments) }
            return "EXISTS (SELECT 1 FROM \(ColumnMapping.linkTable(type, name)) \(link) JOIN \(ColumnMapping.table(target)) \(sub) "
                + "ON \(sub).id = \(link).target WHERE \(link).owner = \(a).id" + parts.map { " AND " + $0 }.joined() + ")"
        case .anyReference:
            throw DomainError(.invalidValue, field: name,
                              "\(type.displayName) field '\(name)' links records of any type: filter it with a record (\(name) = r), not with conditions")
        default:
            throw DomainError(.invalidValue, field: name,
                              "\(type.displayName) field '\(name)' is \(definition.type), not a link: conditions in a table "
                              + "(funder = { country = \"DE\" }) filter through a link to another record")
        }
    }

    /// `name_contains` / `name_prefix`: case-insensitive, with the value's wildcards
    /// escaped (see `TextSearch`).
    private func textCondition(
        _ type: RecordType, _ filter: RecordQuery.Filter, _ definition: FieldDefinition?, alias a: String,
        _ arguments: inout [DatabaseValue]
    ) throws -> String {
        let name = filter.field
        let suffix = filter.comparison == .prefix ? "_prefix" : "_contains"
        let text: String
        switch filter.value {
        case .string(let s)?: text = s
        case .integer(let i)?: text = String(i)
        default:
            throw DomainError(.invalidValue, field: name, "\(name)\(suffix) needs text, got \(filter.value?.kindName ?? "nil")")
        }
        guard let definition else {
            throw DomainError(.invalidValue, field: name, "\(name)\(suffix): text search works on text fields; '\(name)' is kept by Comity")
        }
        let column = definition.custom ? "json_extract(\(a).custom, '$.\(name)')" : "\(a).\(name)"
        switch definition.type {
        case .string, .email, .url, .orgIdentifier, .choice, .country, .organisationKind, .timeZone:
            arguments.append(TextSearch.pattern(text, prefix: filter.comparison == .prefix).databaseValue)
            return TextSearch.condition(column)
        case .strings:
            arguments.append(TextSearch.pattern(text, prefix: filter.comparison == .prefix).databaseValue)
            return "EXISTS (SELECT 1 FROM json_each(\(column)) j WHERE \(TextSearch.condition("j.value")))"
        default:
            throw DomainError(.invalidValue, field: name,
                              "\(name)\(suffix): text search works on text fields; \(type.displayName) field '\(name)' is \(definition.type)")
        }
    }
}
