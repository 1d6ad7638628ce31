import ComityCore
import Foundation
import LuaBridge

/// The collections scripts use (`orgs`, `people`, `grants`, `partnerships`, `events`,
/// `applications`, `tasks`), declared from the schema: create, get, find, count,
/// update, archive, restore, each lifecycle step, and `sum` for money fields.
enum RecordAPI {
    static func functions(_ schema: DomainSchema) -> [APIFunction] {
        RecordType.allCases.flatMap { functions(for: $0, schema[$0]) }
    }

    static func typeDeclarations(_ schema: DomainSchema) -> [APITypeDeclaration] {
        RecordType.allCases.map { recordType($0, schema[$0]).declaration }
    }

    /// A record type's fields, each declared once with how a record's userdata answers
    /// it: the registry documents the list that `RecordBindings` binds. Every field is
    /// cached in the object once read (later reads cost a table lookup in C); the API
    /// clears the cache when it changes a record.
    static func recordType(_ type: RecordType, _ recordSchema: RecordSchema) -> APIBoundType<RecordBindings, RecordObject> {
        typealias Field = APIBoundType<RecordBindings, RecordObject>.Field
        var fields: [Field] = [
            Field("id", .integer, "Stable id.", cached: true) { _, object in .integer(object.record.id) },
            Field("created_at", .named("Time"), "When it was created.", cached: true) { host, object in
                try host.value(.time(object.record.createdAt))
            },
            Field("updated_at", .named("Time"), "When it last changed.", cached: true) { host, object in
                try host.value(.time(object.record.updatedAt))
            },
            Field("archived", .boolean, "Archived records are hidden from queries unless asked for.", cached: true) { _, object in
                .boolean(object.record.archivedAt != nil)
            },
            Field(RecordOwnership.ownerField.name, .optional(.named(RecordType.organisation.displayName)),
                  RecordOwnership.ownerField.summary + " Given on create (`owner = org`) or taken from the record (a grant's funder).",
                  cached: true) { host, object in
                guard let owner = object.record.owner else { return .nil }
                return try host.value(.reference(RecordReference(.organisation, owner)))
            },
        ]
        if let lifecycle = recordSchema.lifecycle {
            fields.append(Field("status", .string, "One of: \(lifecycle.statuses.joined(separator: ", ")); changed by steps.",
                                cached: true) { _, object in .string(LuaString(object.record.status ?? "")) })
        }
        for derived in recordSchema.derivedFields {
            // Never stored or cached: worked out by the clock (which a spec moves), as a filter on it is.
            fields.append(Field(derived.name, .boolean, derived.summary) { host, object in .boolean(derived.value(object.record, host.now)) })
        }
        let hasZone = recordSchema.field(named: "time_zone") != nil
        for definition in recordSchema.fields {
            let name = definition.name
            let summary = definition.summary + (definition.custom ? " (custom field)" : "")
            if hasZone, case .time = definition.type {
                // An event's times read in the event's own zone: the hour on the invitation.
                fields.append(Field(name, apiType(definition.type), summary, cached: true) { host, object in
                    guard case .time(let moment)? = object.record.fields[name] else { return .nil }
                    var zone: TimeZone?
                    if case .string(let identifier)? = object.record.fields["time_zone"] { zone = TimeZone(identifier: identifier) }
                    return try host.state.value(TimeObject(moment, zone: zone), as: host.values.time)
                })
                continue
            }
            fields.append(Field(name, apiType(definition.type), summary, cached: true) { host, object in
                guard let field = object.record.fields[name] else { return .nil }
                return try host.value(field)
            })
        }
        return APIBoundType(
            type.displayName,
            summary: "\(type.article.capitalized) \(type.rawValue) record. Fields are checked on read; change them with `\(type.collection).update`.",
            fields: fields)
    }

    /// A function that takes a record and changes it as a whole (archive, restore); the
    /// script's object shows the change.
    private static func changing(
        _ name: String, _ type: RecordType, _ summary: String,
        _ change: @escaping (any StoreTransaction, RecordReference, ChangeContext) throws -> Record
    ) -> APIFunction {
        let record = APIType.named(type.displayName)
        return APIFunction(
            name, summary: summary,
            parameters: [APIParameter("record", record, "The record.")], results: [APIResult(record, "The record.")],
            implementation: { call, context in
                let records = try context.recordBindings(for: name)
                let object = try records.record(call, 1, type)
                try records.willChange(object, argument: 1, of: call)
                object.record = try change(try context.transaction(for: name), object.record.reference, context.change)
                call.clearFieldCache(1)
                return call.returningArgument(1)
            })
    }

    /// The filters `find`, `count` and `sum`'s `where` take, as the docs list them.
    static func filterSummary(_ type: RecordType, _ schema: RecordSchema) -> String {
        var text = "Filters: `field = value`; `field = { a, b }` for any of the values (an empty list matches nothing); "
            + "`field_after`/`field_before` (exclusive), `field_min`/`field_max` (inclusive); "
            + "`field_contains`/`field_prefix` on text fields, ignoring case (Unicode letters too; `%`, `_` and `\\` match themselves); "
        if schema.fields.contains(where: { if case .money = $0.type { true } else { false } }) {
            text += "`field_currency = \"RUB\"` on Money fields (`field_min`/`field_max` on Money compare within the given value's currency: records in other currencies are left out, not converted); "
        }
        var links: [(name: String, target: RecordType)] = []
        for field in schema.fields {
            switch field.type {
            case .reference(let target), .references(let target): links.append((field.name, target))
            default: break
            }
        }
        if let link = links.first {
            let condition = link.target == .organisation ? "country = \"DE\"" : "name = \"...\""
            let identifier = link.target == .organisation ? "`\(link.name) = \"GB-CHC-1090095\"`" : "as text"
            text += "through a link (\(links.map { "`\($0.name)`" }.joined(separator: ", "))), a table of conditions on the linked record "
                + "(`\(link.name) = { \(condition) }`, archived or not) or the record, its id or its identifier (\(identifier)); "
        }
        if !schema.derivedFields.isEmpty {
            text += "derived fields too (\(schema.derivedFields.map { "`\($0.name) = true`" }.joined(separator: ", "))); "
        }
        return text + "all filters must hold."
    }

    static func apiType(_ type: FieldType) -> APIType {
        switch type {
        case .integer: .integer
        case .boolean: .boolean
        case .time: .named("Time")
        case .money: .named("Money")
        case .strings: .list(.string)
        case .reference(let target): .named(target.displayName)
        case .references(let target): .list(.named(target.displayName))
        case .anyReference: .any
        default: .string
        }
    }

    private static func functions(for type: RecordType, _ schema: RecordSchema) -> [APIFunction] {
        let col = type.collection
        let record = APIType.named(type.displayName)
        // Made once: a loop of creates would otherwise build the name for every call.
        let create = "\(col).create"
        var list: [APIFunction] = [
            APIFunction(
                create, summary: "Creates \(type.article) \(type.rawValue) from named fields; checks every field. A link takes the record or its id (`funder = a.id`, `members = { a.id, b }`), which must exist.",
                parameters: [APIParameter("fields", .table, "Field values by name.")],
                results: [APIResult(record, "The new record.")],
                implementation: { call, context in
                    let records = try context.recordBindings(for: create)
                    let fields = try records.fields(call, 1, record: type)
                    let created = try context.transaction(for: create).create(type, fields, context: context.change)
                    return try records.returningCreated(created, from: call)
                }),
            APIFunction(
                "\(col).get",
                summary: type == .organisation
                    ? "The organisation with this id or org-id identifier (`RU-INN-7707083893`), or nil: also for a text that is no identifier, such as a name (find by name with `orgs.find { name = \"...\" }`)."
                    : "The \(type.rawValue) with this id or identifier, or nil.",
                parameters: [APIParameter("id", .oneOf([.integer, .string]), "Its id or identifier.")],
                results: [APIResult(.optional(record), "The record, or nil.")],
                implementation: { call, context in
                    let records = try context.recordBindings(for: "\(col).get")
                    let transaction = try context.transaction(for: "\(col).get")
                    let found: Record?
                    if call.basicType(1) == .string, let text = try? call.string(1), Int64(text) == nil {
                        // A text that cannot be an identifier (a name) names no record: nil, as an unknown one does.
                        let identifier = schema.field(named: "identifier")
                        if let identifier, (try? identifier.type.normalise(.string(text), field: "identifier", record: type.displayName)) == nil {
                            found = nil
                        } else {
                            found = try transaction.record(type, where: "identifier", is: .string(text))
                        }
                    } else {
                        found = try transaction.record(RecordReference(type, try call.integer(1)))
                    }
                    return try call.returning(try found.map(records.value) ?? .nil)
                }),
            APIFunction(
                "\(col).find",
                summary: "The records matching the filters, as an iterator that streams: `for r in \(col).find{ ... } do`. " + filterSummary(type, schema)
                    + " Options: `order_by = \"field\"` or `\"-field\"` (Money orders within one currency: records in several are refused, naming them), `limit = n`, `archived = true` to include archived records.",
                parameters: [APIParameter("query", .optional(.table), "Filters and options.")],
                results: [APIResult(.function, "An iterator over the records.")],
                implementation: { call, context in
                    let records = try context.recordBindings(for: "\(col).find")
                    let query = try records.query(call.isNil(1) ? nil : try call.table(1), record: type)
                    let cursor = try context.transaction(for: "\(col).find").cursor(type, query)
                    // The iterator's body is let go when the loop ends, is left (break, an
                    // error), or the iterator is collected: a run of many finds keeps none.
                    let ending = LuaFunctionRelease()
                    let next = try call.state.function("\(col).find iterator", releasedBy: ending) { step in
                        guard let record = try cursor.next() else {
                            ending.release() // the end
                            return try step.returning(.nil)
                        }
                        return try step.returning(try records.value(record))
                    }
                    // `for r in find{} do ... break end` closes the fourth value: the
                    // cursor ends there, and no later write copies its rows.
                    let closing = try call.state.value(FindClosing(cursor, ending: ending), as: records.findClosing)
                    return try call.returning(next, .nil, .nil, closing)
                }),
            APIFunction(
                "\(col).count",
                summary: "How many records match the filters (as for `find`: any of a list, text search, through links\(schema.derivedFields.isEmpty ? "" : ", derived fields such as `\(schema.derivedFields[0].name) = true`")), counted by the database. With `by = { \"field\", ... }` it counts per group and returns rows `{ count = n, <field> = value, ... }`.",
                parameters: [APIParameter("query", .optional(.table), "Filters, and `by` to group.")],
                results: [APIResult(.oneOf([.integer, .list(.table)]), "The count, or one row per group.")],
                implementation: { call, context in
                    let records = try context.recordBindings(for: "\(col).count")
                    var table = call.isNil(1) ? nil : try call.table(1)
                    var groups: [String] = []
                    if case .table(let by)? = table?["by"] {
                        groups = by.array.compactMap(\.stringValue)
                        table?["by"] = .nil
                    }
                    // A count of all matches, which a limit would silently cut short.
                    if let limit = table?["limit"], limit != .nil {
                        throw LuaScriptError("\(col).count takes no limit (it counts every match); use \(col).find { ..., limit = n } to read only n records")
                    }
                    let query = try records.query(table, record: type)
                    let transaction = try context.transaction(for: "\(col).count")
                    guard !groups.isEmpty else { return call.returning(Int64(try transaction.count(type, query))) }
                    var rows: [LuaValue] = []
                    for (group, count) in try transaction.count(type, by: groups, query) {
                        var row = LuaTable()
                        row["count"] = .integer(Int64(count))
                        for (name, value) in zip(groups, group) { row[name] = try value.map(records.value) ?? .nil }
                        rows.append(.table(row))
                    }
                    return try call.returning(.table(LuaTable(array: rows)))
                }),
            APIFunction(
                "\(col).update", summary: "Changes fields of a record; only what differs is written and audited. To empty a field, use `\(col).clear`.",
                parameters: [APIParameter("record", record, "The record."), APIParameter("changes", .table, "New values by field name.")],
                results: [APIResult(record, "The record, changed.")],
                implementation: { call, context in
                    let records = try context.recordBindings(for: "\(col).update")
                    let object = try records.record(call, 1, type)
                    let table = try call.table(2)
                    var changes: [String: FieldValue?] = [:]
                    for (name, value) in try records.fields(table, record: type) { changes[name] = value }
                    try records.willChange(object, argument: 1, of: call)
                    object.record = try context.transaction(for: "\(col).update").update(object.record.reference, changes, context: context.change)
                    call.clearFieldCache(1)
                    return call.returningArgument(1)
                }),
            APIFunction(
                "\(col).clear",
                summary: "Empties fields of a record (`\(col).clear(r, { \"website\" })`): a Lua table cannot hold nil, so `update` cannot. Required fields cannot be cleared.",
                parameters: [APIParameter("record", record, "The record."), APIParameter("fields", .list(.string), "The names of the fields to empty.")],
                results: [APIResult(record, "The record, changed.")],
                implementation: { call, context in
                    let records = try context.recordBindings(for: "\(col).clear")
                    let object = try records.record(call, 1, type)
                    var changes: [String: FieldValue?] = [:]
                    for name in try call.table(2).array {
                        guard let name = name.stringValue else { throw LuaArgumentError(index: 2, problem: "field names expected, as { \"website\" }") }
                        changes[name] = .some(nil)
                    }
                    try records.willChange(object, argument: 1, of: call)
                    object.record = try context.transaction(for: "\(col).clear").update(object.record.reference, changes, context: context.change)
                    call.clearFieldCache(1)
                    return call.returningArgument(1)
                }),
            changing(
                "\(col).archive", type, "Hides a record from queries (nothing is deleted); `\(col).restore` brings it back."
            ) { transaction, reference, change in try transaction.archive(reference, context: change) },
            changing("\(col).restore", type, "Brings an archived record back into queries.") { transaction, reference, change in
                try transaction.restore(reference, context: change)
            },
        ]
        for step in schema.lifecycle?.steps ?? [] {
            let name = "\(col).\(step.verb)"
            list.append(APIFunction(
                name,
                summary: "Lifecycle step: from \(step.from.joined(separator: " or ")) to \(step.to); records the event `\(step.event)`.",
                parameters: [APIParameter("record", record, "The record."),
                             APIParameter("fields", .optional(.table), "Fields to set with the step (a reason, a date).")],
                results: [APIResult(record, "The record, in its new status.")],
                implementation: { call, context in
                    let records = try context.recordBindings(for: name)
                    let object = try records.record(call, 1, type)
                    let fields = call.isNil(2) ? [:] : try records.fields(try call.table(2), record: type)
                    try records.willChange(object, argument: 1, of: call)
                    object.record = try context.transaction(for: name).step(object.record.reference, step.verb, fields, context: context.change)
                    call.clearFieldCache(1)
                    return call.returningArgument(1)
                }))
        }
        if type == .event {
            list.append(APIFunction(
                "events.add_participant",
                summary: "Adds an organisation or a person to an event in a role: organiser, speaker, moderator, sponsor or attendee. Adding the same again changes nothing.",
                parameters: [APIParameter("event", record, "The event."),
                             APIParameter("participant", .oneOf([.named("Organisation"), .named("Person")]), "Who takes part."),
                             APIParameter("role", .string, "Their role.")],
                results: [APIResult(record, "The event.")],
                implementation: { call, context in
                    let records = try context.recordBindings(for: "events.add_participant")
                    let event = try records.record(call, 1, .event)
                    guard let found = records.recordObject(in: try call.value(2)) else {
                        throw LuaArgumentError(index: 2, problem: "Organisation or Person expected, got \(call.typeName(2))")
                    }
                    let participant = try records.live(found)
                    try context.transaction(for: "events.add_participant")
                        .addParticipant(event.record.reference, participant.record.reference, role: try call.string(3), context: context.change)
                    call.clearFieldCache(1)
                    return call.returningArgument(1)
                }))
            list.append(APIFunction(
                "events.participants",
                summary: "An event's participants: a list of `{ participant = Organisation|Person, role = string }`.",
                parameters: [APIParameter("event", record, "The event.")],
                results: [APIResult(.list(.table), "The participants, in the order they were added.")],
                implementation: { call, context in
                    let records = try context.recordBindings(for: "events.participants")
                    let event = try records.record(call, 1, .event)
                    let transaction = try context.transaction(for: "events.participants")
                    var rows: [LuaValue] = []
                    for (participant, role) in try transaction.participants(of: event.record.reference) {
                        guard let found = try transaction.record(participant) else { continue }
                        rows.append(.table(LuaTable(hash: ["participant": try records.value(found), "role": .string(LuaString(role))])))
                    }
                    return try call.returning(.table(LuaTable(array: rows)))
                }))
        }
        if schema.fields.contains(where: { if case .money = $0.type { true } else { false } }) {
            list.append(APIFunction(
                "\(col).sum",
                summary: "Totals of a money field, computed by the database: `\(col).sum{ \"amount\", by = {\"field\"}, where = { ... } }`. Returns one row per group and currency: `{ total = Money, <field> = value, ... }`.",
                parameters: [APIParameter("spec", .table, "The money field first, then `by` (fields to group by) and `where` (filters as for `find`).")],
                results: [APIResult(.list(.table), "The rows.")],
                implementation: { call, context in
                    let records = try context.recordBindings(for: "\(col).sum")
                    let spec = try call.table(1)
                    guard let field = spec.array.first?.stringValue else {
                        throw LuaArgumentError(index: 1, problem: "the money field to sum comes first: { \"amount\", by = { ... } }")
                    }
                    var groups: [String] = []
                    if case .table(let by) = spec["by"] { groups = by.array.compactMap(\.stringValue) }
                    var whereTable: LuaTable?
                    if case .table(let filters) = spec["where"] { whereTable = filters }
                    let totals = try context.transaction(for: "\(col).sum")
                        .sum(type, field, by: groups, try records.query(whereTable, record: type))
                    var rows: [LuaValue] = []
                    for total in totals {
                        var row = LuaTable()
                        row["total"] = try records.value(.money(total.total))
                        for (name, value) in zip(groups, total.group) {
                            row[name] = try value.map(records.value) ?? .nil
                        }
                        rows.append(.table(row))
                    }
                    return try call.returning(.table(LuaTable(array: rows)))
                }))
        }
        return list
    }
}
