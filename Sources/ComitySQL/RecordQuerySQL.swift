import ComityCore
import HumanReadable

/// A query's filters, order and groups as SQL over the tables `StorageLayout` gives,
/// with every check made on the way (an unknown field, a derived field without a
/// clock, a list where a comparison goes, money of several currencies in one order):
/// written once for every SQL store, which differs only by its `SQLDialect`. The
/// record tables are aliased `t` (`t_funder` and so on in the subqueries of
/// conditions through links); placeholders are `?`, their values in order.
public struct RecordQuerySQL: Sendable {
    public let schema: DomainSchema
    public let dialect: any SQLDialect
    /// The scope of the query being compiled (`RecordQuery.access`): applied to its table
    /// and to every table a link filter reaches through.
    private var access: AccessScope?

    public init(schema: DomainSchema, dialect: any SQLDialect) {
        self.schema = schema
        self.dialect = dialect
    }

    /// `SELECT group..., COUNT(*)` of a grouped count, and what each group column holds.
    public func groupedCount(_ type: RecordType, by groups: [String], _ query: RecordQuery) throws
        -> (sql: String, arguments: [SQLValue], groups: [FieldDefinition?]) {
        var selectArguments: [SQLValue] = []
        let grouping = try groups.map { try groupColumn(type, $0, query, &selectArguments) }
        let (whereSQL, arguments) = try conditions(type, query)
        let expressions = grouping.map(\.0).joined(separator: ", ")
        // By position: an expression with values of its own is written (and given them) once.
        let positions = (0..<grouping.count).map { String($0 + 1) }
        let ordered = positions.map { dialect.orderTerm($0, descending: false) }.joined(separator: ", ")
        let sql = "SELECT \(expressions), COUNT(*) FROM \(StorageLayout.tableName(type)) t\(whereSQL) GROUP BY \(positions.joined(separator: ", ")) ORDER BY \(ordered)"
        return (sql, selectArguments + arguments, grouping.map(\.1))
    }

    /// A group's column as a principal groups by it: a link to a record it may not see
    /// is the group of no link, placed where that group sorts.
    private func groupColumn(
        _ type: RecordType, _ name: String, _ query: RecordQuery, _ arguments: inout [SQLValue]
    ) throws -> (String, FieldDefinition?) {
        let compiler = scoped(query.access)
        let (expression, definition) = try compiler.groupExpression(type, name)
        return (try compiler.ordering(type, name, expression, now: query.now, &arguments), definition)
    }

    /// `SELECT group..., currency, total` of the totals of a Money field by groups and
    /// currency; refuses a field that is not Money.
    public func moneyTotals(_ type: RecordType, _ field: String, by groups: [String], _ query: RecordQuery) throws
        -> (sql: String, arguments: [SQLValue], groups: [FieldDefinition?]) {
        let recordSchema = schema[type]
        guard let definition = recordSchema.field(named: field) else {
            throw recordSchema.unknownField(field)
        }
        guard case .money = definition.type else {
            throw DomainError(.invalidValue, field: field, "cannot sum \(type.displayName) field '\(field)': it is not Money")
        }
        let amount = definition.custom ? dialect.customMoney("t", field, part: .minor) : "t.\(field)_minor"
        let currency = definition.custom ? dialect.customMoney("t", field, part: .currency) : "t.\(field)_currency"
        var groupDefinitions: [FieldDefinition?] = []
        var groupExpressions: [String] = []
        var selectArguments: [SQLValue] = []
        for name in groups {
            let (expression, definition) = try groupColumn(type, name, query, &selectArguments)
            groupExpressions.append(expression)
            groupDefinitions.append(definition)
        }
        var (whereSQL, arguments) = try conditions(type, query)
        whereSQL += (whereSQL.isEmpty ? " WHERE " : " AND ") + "\(amount) IS NOT NULL"
        // The cast: PostgreSQL sums bigints as numeric.
        let selected = (groupExpressions + [currency, "CAST(SUM(\(amount)) AS BIGINT)"]).joined(separator: ", ")
        let positions = (0...groupExpressions.count).map { String($0 + 1) }
        let ordered = positions.map { dialect.orderTerm($0, descending: false) }.joined(separator: ", ")
        let sql = "SELECT \(selected) FROM \(StorageLayout.tableName(type)) t\(whereSQL) GROUP BY \(positions.joined(separator: ", ")) ORDER BY \(ordered)"
        return (sql, selectArguments + arguments, groupDefinitions)
    }

    /// A group column's value as a field (text for `status`, whose definition is nil).
    public static func groupValue(_ value: SQLValue, _ definition: FieldDefinition?) -> FieldValue? {
        guard let definition else { return value.text.map { .string($0) } }
        return ColumnValues.decodeScalar(value, definition.type)
    }

    public enum ExpressionUse: Sendable { case group, order }

    /// The SQL expression of a field used for grouping or ordering, and its definition
    /// (nil for `status`).
    public func groupExpression(_ type: RecordType, _ name: String, for use: ExpressionUse = .group) throws -> (String, FieldDefinition?) {
        let recordSchema = schema[type]
        if name == "status", recordSchema.lifecycle != nil { return ("t.status", nil) }
        if name == RecordOwnership.ownerField.name { return ("t.owner", RecordOwnership.ownerField) }
        let verb = use == .group ? "group by" : "order \(type.collection) by"
        guard let definition = recordSchema.field(named: name) else {
            if recordSchema.derivedField(named: name) != nil {
                throw DomainError(.invalidValue, field: name,
                                  "cannot \(verb) '\(name)': it is derived, not stored (filter with \(name) = true or false)")
            }
            throw recordSchema.unknownField(name)
        }
        if definition.personal, access != nil {
            throw DomainError(.invalidValue, field: name,
                              "cannot \(verb) '\(name)' acting as a person: it is personal data, shown only where they may change the record")
        }
        if definition.custom { return (dialect.customField("t", name, definition.type), definition) }
        let columns = StorageLayout.columnNames(definition)
        guard columns.count == 1 else {
            throw DomainError(.invalidValue, field: name, "cannot \(verb) \(type.displayName) field '\(name)' (\(definition.type))")
        }
        return ("t.\(columns[0])", definition)
    }

    /// The ORDER BY terms of a query (ending with the id, so that the order is total),
    /// and the values of their placeholders, which follow the WHERE clause's.
    /// Money orders by its amount within one currency: when the records the query
    /// selects (`whereSQL`, `arguments`) hold several, it is refused, naming them.
    public func order(
        _ type: RecordType, _ query: RecordQuery, whereSQL: String, arguments: [SQLValue],
        distinctCurrencies: (_ sql: String, _ arguments: [SQLValue]) throws -> [String]
    ) throws -> (sql: String, arguments: [SQLValue]) {
        var terms: [String] = []
        var orderArguments: [SQLValue] = []
        for (field, descending) in query.orderBy {
            let column: String
            if ["id", "created_at", "updated_at", RecordOwnership.ownerField.name].contains(field)
                || (field == "status" && schema[type].lifecycle != nil) {
                column = "t.\(field)"
            } else if let definition = schema[type].field(named: field), case .money = definition.type {
                let currency = definition.custom ? dialect.customMoney("t", field, part: .currency) : "t.\(field)_currency"
                let more = whereSQL.isEmpty ? " WHERE " : " AND "
                let codes = try distinctCurrencies(
                    "SELECT DISTINCT \(currency) FROM \(StorageLayout.tableName(type)) t\(whereSQL)\(more)\(currency) IS NOT NULL ORDER BY 1 LIMIT 5",
                    arguments)
                if codes.count > 1 {
                    let named = codes.prefix(4).joined(separator: ", ") + (codes.count > 4 ? " and more" : "")
                    throw DomainError(.mixedCurrencies, field: field,
                                      "cannot order \(type.collection) by '\(field)': the records found hold amounts in \(named), which do not compare; "
                                      + "find one currency at a time (\(field)_currency = \"\(codes[0])\")")
                }
                column = definition.custom ? dialect.customMoney("t", field, part: .minor) : "t.\(field)_minor"
            } else {
                column = try scoped(query.access).groupExpression(type, field, for: .order).0
            }
            terms.append(dialect.orderTerm(try scoped(query.access).ordering(type, field, column, now: query.now, &orderArguments),
                                           descending: descending))
        }
        return ((terms + ["t.id"]).joined(separator: ", "), orderArguments)
    }

    /// A column ordered by as a principal: a link to a record it may not see orders as
    /// no link, or the order would tell which records share a hidden one, and its id's place.
    private func ordering(
        _ type: RecordType, _ field: String, _ column: String, now: Timestamp?, _ arguments: inout [SQLValue]
    ) throws -> String {
        guard let access else { return column }
        let target: RecordType
        if field == RecordOwnership.ownerField.name {
            target = .organisation
        } else if case .reference(let linked)? = schema[type].field(named: field)?.type {
            target = linked
        } else {
            return column
        }
        let v = "t_\(field)_o"
        let visible = try visibility(target, access.groups(for: target), alias: v, now: now, &arguments)
        return "(CASE WHEN \(column) IN (SELECT \(v).id FROM \(StorageLayout.tableName(target)) \(v) WHERE \(visible)) THEN \(column) END)"
    }

    /// The WHERE clause of a query (` WHERE …`, or empty) and its values.
    public func conditions(_ type: RecordType, _ query: RecordQuery) throws -> (String, [SQLValue]) {
        try scoped(query.access).whereClause(type, query)
    }

    /// This compiler for a query in `access` (nil: the workspace's).
    private func scoped(_ access: AccessScope?) -> RecordQuerySQL {
        var compiler = self
        compiler.access = access
        return compiler
    }

    private func whereClause(_ type: RecordType, _ query: RecordQuery) throws -> (String, [SQLValue]) {
        var clauses: [String] = query.includeArchived ? [] : ["t.archived_at IS NULL"]
        var arguments: [SQLValue] = []
        for filter in query.filters {
            clauses.append(try condition(type, filter, alias: "t", now: query.now, &arguments))
        }
        if let access { clauses.append(try visibility(type, access.groups(for: type), alias: "t", now: query.now, &arguments)) }
        let sql = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return (sql, arguments)
    }

    /// The condition that a row of the table aliased `a` is in a principal's scope: it
    /// meets all the filters of one of its type's groups (see `AccessScope`).
    private func visibility(
        _ type: RecordType, _ groups: [[RecordQuery.Filter]], alias a: String, now: Timestamp?, _ arguments: inout [SQLValue]
    ) throws -> String {
        guard !groups.isEmpty else { return "FALSE" }
        // The policy's own filters (owners, ids) as they are: scoping them again would never end.
        let plain = scoped(nil)
        var alternatives: [String] = []
        for group in groups {
            let parts = try group.map { try plain.condition(type, $0, alias: a, now: now, &arguments) }
            alternatives.append(parts.isEmpty ? "TRUE" : parts.joined(separator: " AND "))
        }
        return "(" + alternatives.map { "(\($0))" }.joined(separator: " OR ") + ")"
    }

    /// The SQL condition of one filter on the table aliased `a` (`t`; `t_funder` and so
    /// on in the subqueries of conditions through links). Its values are appended to
    /// `arguments` in the order of their placeholders.
    private func condition(
        _ type: RecordType, _ filter: RecordQuery.Filter, alias a: String, now: Timestamp?, _ arguments: inout [SQLValue]
    ) throws -> String {
        let sql = try fieldCondition(type, filter, alias: a, now: now, &arguments)
        guard let access else { return sql }
        var guards: [String] = []
        // A personal field matches only where the principal is shown it: otherwise a
        // filter would tell its value a guess at a time.
        if schema[type].field(named: filter.field)?.personal == true {
            guards.append(try visibility(type, access.personal[type] ?? [], alias: a, now: now, &arguments))
        }
        // A link compared with an id matches only a record the principal sees: otherwise
        // `recipient = 5` would tell which hidden organisation a grant goes to.
        if case .value(let value?) = filter.operand {
            for (offset, target) in linkTargets(type, filter.field, value).enumerated() {
                let v = "\(a)_\(filter.field)_v\(offset)"
                arguments.append(.integer(target.id))
                guards.append("? IN (SELECT \(v).id FROM \(StorageLayout.tableName(target.type)) \(v) WHERE "
                              + (try visibility(target.type, access.groups(for: target.type), alias: v, now: now, &arguments)) + ")")
            }
        }
        return guards.isEmpty ? sql : "(" + ([sql] + guards).joined(separator: " AND ") + ")"
    }

    /// The records a filter's value names through a link (`recipient = 5`, `owner = org`,
    /// `participant = person`, `members = { a, b }`); empty for any other filter.
    private func linkTargets(_ type: RecordType, _ field: String, _ value: FieldValue) -> [RecordReference] {
        let target: RecordType?
        if field == RecordOwnership.ownerField.name {
            target = .organisation
        } else if field == "participant", type == .event {
            target = .organisation
        } else {
            switch schema[type].field(named: field)?.type {
            case .reference(let linked)?, .references(let linked)?: target = linked
            case .anyReference?: target = nil
            default: return []
            }
        }
        switch value {
        case .integer(let id): return target.map { [RecordReference($0, id)] } ?? []
        // An id given as text (`recipient = "6"`, a parameter), as the filter itself reads it.
        case .string(let text):
            guard let id = Int64(text.trimmingBlanks()) else { return [] }
            return target.map { [RecordReference($0, id)] } ?? []
        case .reference(let reference): return [reference]
        case .references(let list): return list
        default: return []
        }
    }

    /// One filter's condition, without the access scope's guards (see `condition`).
    private func fieldCondition(
        _ type: RecordType, _ filter: RecordQuery.Filter, alias a: String, now: Timestamp?, _ arguments: inout [SQLValue]
    ) throws -> String {
        let recordSchema = schema[type]
        let name = filter.field
        let builtIn = ["id", "created_at", "updated_at", RecordOwnership.ownerField.name].contains(name)
            || (name == "status" && recordSchema.lifecycle != nil) || (name == "participant" && type == .event)
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
            guard !values.isEmpty else { return "FALSE" } // any of nothing: no record
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
            return "NOT COALESCE((" + (parts.isEmpty ? "TRUE" : parts.joined(separator: " AND ")) + "), FALSE)"
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
            arguments.append(.text(code))
            return (definition.custom ? dialect.customMoney(a, name, part: .currency) : "\(a).\(name)_currency") + " = ?"
        default:
            break
        }
        let op = filter.comparison.sqlOperator ?? "="

        switch name {
        case "id" where builtIn:
            let id = try given.map { try FieldType.integer.normalise($0, field: "id", record: type.displayName) }
            arguments.append(ColumnValues.scalar(id))
            return "\(a).id \(op) ?"
        case "status" where builtIn:
            guard case .string(let status)? = given, recordSchema.lifecycle?.statuses.contains(status) == true else {
                throw DomainError(.invalidValue, field: "status",
                                  "invalid \(type.rawValue) status '\(given?.description ?? "nil")' (allowed: \(recordSchema.lifecycle?.statuses.joined(separator: ", ") ?? ""))")
            }
            arguments.append(.text(status))
            return "\(a).status \(op) ?"
        case RecordOwnership.ownerField.name where builtIn:
            guard let given else { return "\(a).owner IS \(filter.comparison == .equal ? "" : "NOT ")NULL" }
            switch given {
            case .integer(let id): arguments.append(.integer(id))
            case .reference(let r) where r.type == .organisation: arguments.append(.integer(r.id))
            default:
                throw DomainError(.invalidValue, field: name, "owner must be compared with an organisation (or its id), got \(given.kindName)")
            }
            return "\(a).owner \(op) ?"
        case "participant" where builtIn:
            // `events.find{ participant = org }`: the events an organisation or a person takes part in, in any role.
            let participant: RecordReference
            switch given {
            case .reference(let r)? where r.type == .organisation || r.type == .person: participant = r
            case .integer(let id)?: participant = RecordReference(.organisation, id)
            default:
                throw DomainError(.invalidValue, field: name,
                                  "participant must be an organisation or a person (or an organisation's id), got \(given?.kindName ?? "nil")")
            }
            guard filter.comparison == .equal || filter.comparison == .notEqual else {
                throw DomainError(.invalidValue, field: name, "participant is compared with = only")
            }
            arguments += [.text(participant.type.rawValue), .integer(participant.id)]
            let p = "\(a)_participants"
            return "\(filter.comparison == .equal ? "" : "NOT ")EXISTS (SELECT 1 FROM event_participants \(p) WHERE \(p).event = \(a).id "
                + "AND \(p).participant_type = ? AND \(p).participant_id = ?)"
        case "created_at", "updated_at":
            guard case .time(let t)? = try given.map({ try FieldType.time.normalise($0, field: name, record: type.displayName) }) else {
                throw DomainError(.invalidValue, field: name, "\(name) must be compared with a Time")
            }
            arguments.append(.integer(t.secondsSince1970))
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
            if let id = Int64(text.trimmingBlanks()) {
                value = .reference(RecordReference(target, id))
            } else {
                let identifier = try linkIdentifier(text, field: name, target: target, record: type)
                return try linkedCondition(type, RecordQuery.Filter(name, filter.comparison, operand: .linked([])), definition,
                                           [RecordQuery.Filter("identifier", .equal, identifier)], alias: a, now: now, &arguments)
            }
        case (.strings, .string(let item)?):
            // One item of a list of strings, as it is (not split at ';' as a CSV cell is).
            arguments.append(.text(item))
            let list = definition.custom ? dialect.customField(a, name, .strings) : "\(a).\(name)"
            return dialect.anyElement(of: list) { "\($0) = ?" }
        default:
            break
        }
        let normalised = try value.map { try definition.type.normalise($0, field: definition.name, record: type.displayName) }
        guard let normalised else {
            if case .references = definition.type {
                return "\(filter.comparison == .equal ? "NOT " : "")EXISTS (SELECT 1 FROM \(StorageLayout.linkTableName(type, name)) l WHERE l.owner = \(a).id)"
            }
            let column = definition.custom ? dialect.customField(a, name, definition.type) : StorageLayout.columnNames(definition).first.map { "\(a).\($0)" } ?? "NULL"
            return "\(column) IS \(filter.comparison == .equal ? "" : "NOT ")NULL"
        }
        switch (definition.type, normalised) {
        case (.money, .money(let money)):
            arguments += [.text(money.currency.code), .integer(money.minorUnits)]
            if definition.custom {
                return "(\(dialect.customMoney(a, name, part: .currency)) = ? AND \(dialect.customMoney(a, name, part: .minor)) \(op) ?)"
            }
            return "(\(a).\(name)_currency = ? AND \(a).\(name)_minor \(op) ?)"
        case (_, _) where definition.custom:
            arguments.append(ColumnValues.scalar(normalised))
            return "\(dialect.customField(a, name, definition.type)) \(op) ?"
        case (.anyReference, .reference(let r)):
            arguments += [.text(r.type.rawValue), .integer(r.id)]
            return "(\(a).\(name)_type = ? AND \(a).\(name)_id = ?)"
        case (.references, .references(let list)):
            var parts: [String] = []
            for target in list {
                parts.append("EXISTS (SELECT 1 FROM \(StorageLayout.linkTableName(type, name)) l WHERE l.owner = \(a).id AND l.target = ?)")
                arguments.append(.integer(target.id))
            }
            return parts.isEmpty ? "TRUE" : "(" + parts.joined(separator: " AND ") + ")"
        case (.strings, .strings(let list)):
            var parts: [String] = []
            for item in list {
                parts.append(dialect.anyElement(of: "\(a).\(name)") { "\($0) = ?" })
                arguments.append(.text(item))
            }
            return parts.isEmpty ? "TRUE" : "(" + parts.joined(separator: " AND ") + ")"
        default:
            arguments.append(ColumnValues.scalar(normalised))
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
        alias a: String, now: Timestamp?, _ arguments: inout [SQLValue]
    ) throws -> String {
        let name = filter.field
        guard filter.comparison == .equal, let definition else {
            throw DomainError(.invalidValue, field: name,
                              "conditions in a table go with '\(name) = { ... }', not with a comparison or a built-in field")
        }
        let sub = "\(a)_\(name)"
        switch definition.type {
        case .reference(let target) where !definition.custom:
            var parts = try inner.map { try condition(target, $0, alias: sub, now: now, &arguments) }
            // Through a link, only to records the principal may see: a condition on a hidden one would tell its values.
            if let access { parts.append(try visibility(target, access.groups(for: target), alias: sub, now: now, &arguments)) }
            let whereSQL = parts.isEmpty ? "" : " WHERE " + parts.joined(separator: " AND ")
            return "\(a).\(name) IN (SELECT \(sub).id FROM \(StorageLayout.tableName(target)) \(sub)\(whereSQL))"
        case .references(let target):
            let link = "\(sub)_link"
            var parts = try inner.map { try condition(target, $0, alias: sub, now: now, &arguments) }
            if let access { parts.append(try visibility(target, access.groups(for: target), alias: sub, now: now, &arguments)) }
            return "EXISTS (SELECT 1 FROM \(StorageLayout.linkTableName(type, name)) \(link) JOIN \(StorageLayout.tableName(target)) \(sub) "
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
    /// escaped (see `LikePattern`).
    private func textCondition(
        _ type: RecordType, _ filter: RecordQuery.Filter, _ definition: FieldDefinition?, alias a: String,
        _ arguments: inout [SQLValue]
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
        let column = definition.custom ? dialect.customField(a, name, definition.type) : "\(a).\(name)"
        switch definition.type {
        case .string, .email, .url, .orgIdentifier, .choice, .country, .organisationKind, .timeZone:
            arguments.append(.text(LikePattern.pattern(text, prefix: filter.comparison == .prefix)))
            return dialect.likeFolded(column)
        case .strings:
            arguments.append(.text(LikePattern.pattern(text, prefix: filter.comparison == .prefix)))
            return dialect.anyElement(of: column) { dialect.likeFolded($0) }
        default:
            throw DomainError(.invalidValue, field: name,
                              "\(name)\(suffix): text search works on text fields; \(type.displayName) field '\(name)' is \(definition.type)")
        }
    }
}
