import ComityCore
import Foundation
import LuaBridge

/// A record as a script holds it. Changes made through the API update it in place,
/// so `g.status` reads the new status after `grants.award(g)`.
final class RecordObject {
    var record: Record
    /// Made by a create whose statement was rolled back (a repl statement that did not
    /// commit): the record does not exist, whatever later takes its id in another process.
    var rolledBack = false
    init(_ record: Record) { self.record = record }
}

/// The open cursor of one `find`, as the to-be-closed value its `for` loop holds: a
/// loop left by `break` (or an error) closes it at once, so a later write need not
/// copy the rows it will never read.
final class FindClosing {
    let cursor: any RecordCursor
    /// Lets go of the iterator's body when the loop is closed.
    let ending: LuaFunctionRelease
    init(_ cursor: any RecordCursor, ending: LuaFunctionRelease) {
        self.cursor = cursor
        self.ending = ending
    }
}

/// Records in one run's Lua state: their userdata types (checked field reads), and
/// conversions between Lua values and field values.
final class RecordBindings {
    let schema: DomainSchema
    unowned let state: LuaState
    let values: APIValueTypes
    let transaction: () throws -> any StoreTransaction
    /// The run's clock, for derived fields such as a task's `overdue`; a spec moves it.
    var now: Timestamp
    private var types: [RecordType: LuaUserdataType<RecordObject>] = [:]
    /// Objects changed in place while a savepoint was open (a pcall's that wrote, or
    /// ctx.once's), with what they held before: a rollback puts them back, so that a
    /// handle shows what the store holds, not what was undone.
    private var changes: [(object: RecordObject, before: Record, handle: LuaValue)] = []

    init(schema: DomainSchema, state: LuaState, values: APIValueTypes, now: Timestamp,
         transaction: @escaping () throws -> any StoreTransaction) {
        self.schema = schema
        self.now = now
        self.state = state
        self.values = values
        self.transaction = transaction
    }

    /// `find`'s fourth value: closing it ends its cursor.
    lazy var findClosing: LuaUserdataType<FindClosing> = {
        let closing = LuaUserdataType<FindClosing>("find")
        closing.metamethod("__close") { call in
            if let object = call.optionalObject(1, as: closing) {
                object.cursor.close()
                object.ending.release()
            }
            return LuaResults(count: 0)
        }
        return closing
    }()

    func userdataType(_ type: RecordType) -> LuaUserdataType<RecordObject> {
        if let existing = types[type] { return existing }
        let userdata = LuaUserdataType<RecordObject>(type.displayName)
        userdata.assignmentHint = "records change with \(type.collection).update(record, { field = value })"
        RecordAPI.recordType(type, schema[type]).bind(userdata, to: self)
        // Unowned: the type keeps its metamethods, which must not keep the type.
        userdata.metamethod("__tostring") { [unowned userdata] call in
            let object = try call.object(1, as: userdata)
            let label = object.record.fields["name"] ?? object.record.fields["title"]
            return try call.returning("\(type.displayName) #\(object.record.id)" + (label.map { " (\($0))" } ?? ""))
        }
        userdata.metamethod("__eq") { [unowned userdata] call in
            call.returning(call.optionalObject(1, as: userdata)?.record.reference
                == call.optionalObject(2, as: userdata)?.record.reference)
        }
        types[type] = userdata
        return userdata
    }

    // MARK: Handles and rollbacks

    /// Notes that argument `n` of `call`, `object`, is about to change in place. Its
    /// frames' savepoints are opened first, so the change is noted under the right one.
    func willChange(_ object: RecordObject, argument n: Int32, of call: borrowing LuaCall) throws {
        try state.beforeWrite()
        guard state.protectedFrames.savepoints > 0 else { return } // only the whole run can roll back
        changes.append((object, object.record, try call.value(n)))
    }

    /// Where the log of changed objects is now: what a savepoint opened now would undo back to.
    var changeMark: Int { changes.count }

    /// Puts back every object changed since `mark`, newest first, and forgets their
    /// cached fields.
    func undoChanges(to mark: Int) {
        guard mark < changes.count else { return }
        for entry in changes[mark...].reversed() {
            entry.object.record = entry.before
            state.clearFieldCache(of: entry.handle)
        }
        changes.removeSubrange(mark...)
    }

    /// No savepoint is open any more: nothing can be undone apart from the whole run.
    func forgetChanges() { changes.removeAll() }

    // MARK: Swift to Lua

    func value(_ record: Record) throws -> LuaValue {
        try state.value(RecordObject(record), as: userdataType(record.type))
    }

    /// `record` as the one result of `call`.
    func returning(_ record: Record, from call: borrowing LuaCall) throws -> LuaResults {
        try call.returning(RecordObject(record), as: userdataType(record.type))
    }

    /// Handles of the records created since the statement began (see `statementEnded`).
    private var createdInStatement: [RecordObject] = []

    /// A record just created, as the one result of `call`; its handle is refused once the
    /// statement that made it is rolled back.
    func returningCreated(_ record: Record, from call: borrowing LuaCall) throws -> LuaResults {
        let object = RecordObject(record)
        createdInStatement.append(object)
        return try call.returning(object, as: userdataType(record.type))
    }

    /// A repl statement ended: kept, its creations are records; rolled back, their handles
    /// are refused from now on (ids alone cannot say so: a read-only session keeps no
    /// mark of them in the file, and another process may take them).
    func statementEnded(kept: Bool) {
        if !kept { for object in createdInStatement { object.rolledBack = true } }
        createdInStatement.removeAll()
    }

    /// `object`, or the refusal of a handle whose record was rolled back; named by the
    /// field it was given for, when it was (as the store names a missing link).
    func live(_ object: RecordObject, field: String? = nil, of type: RecordType? = nil) throws -> RecordObject {
        guard !object.rolledBack else {
            let missing = "\(object.record.reference.type.displayName) \(object.record.reference.id) does not exist "
                + "(it was rolled back, or never committed)"
            if let field, let type {
                throw DomainError(.invalidValue, field: field, "\(type.displayName) field '\(field)': \(missing)")
            }
            throw StoreError(.notFound, missing)
        }
        return object
    }

    func value(_ field: FieldValue) throws -> LuaValue {
        switch field {
        case .string(let s), .decimal(let s): return .string(LuaString(s))
        case .integer(let i): return .integer(i)
        case .boolean(let b): return .boolean(b)
        case .date(let d): return .string(LuaString(d.description))
        case .time(let t): return try state.value(TimeObject(t), as: values.time)
        case .money(let m): return try state.value(MoneyObject(m), as: values.money)
        case .strings(let list): return .table(LuaTable(array: list.map { .string(LuaString($0)) }))
        case .reference(let reference): return try record(reference).map(value) ?? .nil
        case .references(let list):
            return .table(LuaTable(array: try list.compactMap { try record($0).map(value) }))
        }
    }

    private func record(_ reference: RecordReference) throws -> Record? {
        try transaction().record(reference)
    }

    // MARK: Lua to Swift

    /// A script's value for a field, before the schema checks it.
    /// With `resolvingLinks` (a create's or update's fields), a link may be given by id as
    /// filters take it (`funder = a.id`, `members = { a.id, b }`): the id must be one of a
    /// record of the link's type.
    func fieldValue(_ value: LuaValue, field: String, record type: RecordType, resolvingLinks: Bool = false) throws -> FieldValue? {
        let link = resolvingLinks ? schema[type].field(named: field)?.type : nil
        switch value {
        case .nil: return nil
        case .boolean(let b): return .boolean(b)
        case .integer(let i):
            if case .reference(let target)? = link { return .reference(try existing(target, i, field: field, of: type)) }
            if case .references(let target)? = link { return .references([try existing(target, i, field: field, of: type)]) }
            return .integer(i)
        case .number(let d): return .decimal(String(d))
        // The bytes as Lua has them: invalid UTF-8 is refused here, where it can still be seen.
        case .string(let s): return .string(try TextValidity.text(s.bytes, field: field, record: type.displayName))
        case .userdata:
            if let money = state.object(in: value, as: values.money) { return .money(money.value) }
            if let time = state.object(in: value, as: values.time) { return .time(time.value) }
            if let record = recordObject(in: value) { return .reference(try live(record, field: field, of: type).record.reference) }
        case .table(let table):
            if table.hash.isEmpty {
                var strings: [String] = []
                for case .string(let s) in table.array {
                    strings.append(try TextValidity.text(s.bytes, field: field, record: type.displayName))
                }
                if strings.count == table.array.count { return .strings(strings) }
                if case .references(let target)? = link {
                    let records = try table.array.compactMap { element -> RecordReference? in
                        if case .integer(let id) = element { return try existing(target, id, field: field, of: type) }
                        return try recordObject(in: element).map { try live($0, field: field, of: type).record.reference }
                    }
                    if records.count == table.array.count { return .references(records) }
                }
                let records = try table.array.compactMap { try recordObject(in: $0).map { try live($0, field: field, of: type).record.reference } }
                if records.count == table.array.count { return .references(records) }
            }
        default: break
        }
        throw DomainError(.invalidValue, field: field,
                          "\(type.displayName) field '\(field)' cannot hold a \(value.typeName) value")
    }

    /// The reference to the `target` record with `id`, refused (naming the field) if there is none.
    private func existing(_ target: RecordType, _ id: Int64, field: String, of type: RecordType) throws -> RecordReference {
        let reference = RecordReference(target, id)
        guard try record(reference) != nil else {
            throw DomainError(.invalidValue, field: field, "\(type.displayName) field '\(field)': \(target.displayName) \(id) does not exist")
        }
        return reference
    }

    func recordObject(in value: LuaValue) -> RecordObject? {
        for type in RecordType.allCases {
            if let object = state.object(in: value, as: userdataType(type)) { return object }
        }
        return nil
    }

    /// The record a script passed as argument `n`, of `type`.
    func record(_ call: borrowing LuaCall, _ n: Int32, _ type: RecordType) throws -> RecordObject {
        try live(try call.object(n, as: userdataType(type)))
    }

    /// Named fields of a table, each converted; unknown names are left to the schema.
    func fields(_ table: LuaTable, record type: RecordType) throws -> [String: FieldValue] {
        if !table.array.isEmpty { throw Self.unnamedFields(type) }
        var fields: [String: FieldValue] = [:]
        for (key, value) in table.hash {
            guard let name = key.stringValue else { throw LuaScriptError("\(type.collection): field names must be strings") }
            if let converted = try fieldValue(value, field: name, record: type, resolvingLinks: true) { fields[name] = converted }
        }
        return fields
    }

    /// The same, for the table argument `n`, read entry by entry (the path of every create).
    func fields(_ call: borrowing LuaCall, _ n: Int32, record type: RecordType) throws -> [String: FieldValue] {
        // Room for a typical record's fields at once: growing the table rehashes it.
        var fields = [String: FieldValue](minimumCapacity: 8)
        try call.forEachField(n) { name, value in
            guard let name else { throw Self.unnamedFields(type) }
            switch value {
            case .text(let text): fields[name] = .string(text)
            case .value(let value):
                if let converted = try fieldValue(value, field: name, record: type, resolvingLinks: true) { fields[name] = converted }
            }
        }
        return fields
    }

    private static func unnamedFields(_ type: RecordType) -> LuaScriptError {
        LuaScriptError("\(type.collection): give fields by name, as { name = value, ... }")
    }

    /// `{ status = "held", starts_at_after = t, order_by = "-starts_at", limit = 10, archived = true }`
    func query(_ table: LuaTable?, record type: RecordType) throws -> RecordQuery {
        var query = RecordQuery(now: now)
        guard let table else { return query }
        var filters = LuaTable()
        for (key, value) in table.hash {
            guard let name = key.stringValue else { throw LuaScriptError("\(type.collection): filter names must be strings") }
            switch name {
            case "order_by":
                guard let text = value.stringValue else { throw LuaScriptError("order_by must be a field name, '-name' for descending") }
                query.orderBy.append(text.hasPrefix("-") ? (String(text.dropFirst()), true) : (text, false))
            case "limit":
                guard let limit = value.integerValue, limit >= 0 else { throw LuaScriptError("limit must be a whole number, 0 or more") }
                query.limit = Int(limit)
            case "archived":
                query.includeArchived = value.isTruthy
            default:
                filters.hash[key] = value
            }
        }
        if !table.array.isEmpty { throw LuaScriptError("\(type.collection): give filters by name, as { field = value, ... }") }
        query.filters = try self.filters(filters, record: type)
        return query
    }

    /// The filters of a table, for records of `type`: `field = value`, a list of values
    /// (any of), a table of conditions on a linked record (`funder = { country = "DE" }`),
    /// and the suffixed comparisons (`_after`, `_before`, `_min`, `_max`, `_contains`,
    /// `_prefix`, `_currency`).
    private func filters(_ table: LuaTable, record type: RecordType) throws -> [RecordQuery.Filter] {
        let recordSchema = schema[type]
        var named: [(String, LuaValue)] = []
        for (key, value) in table.hash {
            guard let name = key.stringValue else { throw LuaScriptError("\(type.collection): filter names must be strings") }
            named.append((name, value))
        }
        // In name order: the same filters make the same SQL (one cached statement), and
        // the same one is named when several are wrong.
        named.sort { $0.0 < $1.0 }
        var filters: [RecordQuery.Filter] = []
        for (name, value) in named {
            var field = name
            var comparison = RecordQuery.Comparison.equal
            for (suffix, meaning) in RecordQuery.filterSuffixes
            where name.hasSuffix(suffix) && recordSchema.field(named: name) == nil && recordSchema.derivedField(named: name) == nil {
                field = String(name.dropLast(suffix.count))
                comparison = meaning
            }
            filters.append(.init(field, comparison, operand: try operand(value, field: field, record: type)))
        }
        return filters
    }


    /// What a filter compares its field with: a value, a list of values (any of; a
    /// record is a value), or conditions on the linked record.
    private func operand(_ value: LuaValue, field: String, record type: RecordType) throws -> RecordQuery.Filter.Operand {
        guard case .table(let table) = value else { return .value(try fieldValue(value, field: field, record: type)) }
        if !table.hash.isEmpty {
            guard table.array.isEmpty else {
                throw DomainError(.invalidValue, field: field,
                                  "\(field) = { ... } is either a list of values (any of) or conditions by name (through a link), not both")
            }
            guard let definition = schema[type].field(named: field) else { throw schema[type].unknownField(field) }
            switch definition.type {
            case .reference(let target), .references(let target):
                for (key, _) in table.hash where ["order_by", "limit", "archived"].contains(key.stringValue ?? "") {
                    throw DomainError(.invalidValue, field: field,
                                      "\(key.stringValue ?? "") applies to the whole find, not inside \(field) = { ... }")
                }
                return .linked(try filters(table, record: target))
            default:
                return .linked([]) // the store says why a field that is no link takes no conditions
            }
        }
        var values: [FieldValue] = []
        for (index, element) in table.array.enumerated() {
            if case .table = element {
                throw DomainError(.invalidValue, field: field,
                                  "\(field) = { ... } lists values (any of); item \(index + 1) is a table")
            }
            guard let converted = try fieldValue(element, field: field, record: type) else { continue }
            values.append(converted)
        }
        return .anyOf(values)
    }
}
