import ComityCore
import Foundation
import HumanReadable

/// A record list's query string as a `RecordQuery`, with the words of Lua's `find`:
/// `field=value` (repeated: any of), the suffixed comparisons (`amount_awarded_min`,
/// `name_contains`, `starts_at_after`, ...), `order_by` (`-field` descending), `limit`
/// (1 to 1000, default 50), `archived=true`, and `cursor` (the `next_cursor` of the
/// page before, in any order: ties are broken by id, so pages neither skip nor repeat
/// records while none are added or removed). A name that is none of those is refused with a
/// did-you-mean; a value is checked by the store's query compiler as a script's is.
struct RecordQueryParameters {
    var query: RecordQuery
    var limit: Int
    /// How many records of the order come before the page.
    var offset = 0

    static let words = ["order_by", "limit", "archived", "cursor"]

    /// A query string's pairs in their order, decoded as forms encode them (`+` is a
    /// space, then percent escapes).
    static func items(_ query: String?) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decoded(parts[0]), parts.count > 1 ? decoded(parts[1]) : "")
        }
    }

    /// The query of `items` (name, value pairs in their order) for records of `type`.
    init(_ items: [(String, String)], type: RecordType, schema: DomainSchema) throws(QueryParameterError) {
        let recordSchema = schema[type]
        query = RecordQuery(now: Timestamp(Date()))
        limit = 50
        var values: [(field: String, comparison: RecordQuery.Comparison, values: [FieldValue])] = []
        for (name, text) in items {
            // As a script's find is refused one: SQLite would compare the text only up to it.
            guard !name.utf8.contains(0), !text.utf8.contains(0) else {
                throw QueryParameterError("\(name.replacingOccurrences(of: "\0", with: "%00")) has a NUL byte (%00): invalid byte sequence; give text without it")
            }
            switch name {
            case "order_by":
                guard query.orderBy.isEmpty else { throw QueryParameterError("order_by is given twice; give one field") }
                let field = text.hasPrefix("-") ? String(text.dropFirst()) : text
                guard Self.isField(field, recordSchema) else { throw QueryParameterError(Self.unknown(field, in: recordSchema, what: "order_by")) }
                query.orderBy = [(field, text.hasPrefix("-"))]
            case "limit":
                limit = try PageQuery.limit(text)
            case "archived":
                guard let flag = ["true": true, "false": false][text] else { throw QueryParameterError("archived must be true or false, not '\(text)'") }
                query.includeArchived = flag
            case "cursor":
                offset = Int(try PageQuery.cursor(text, upTo: 10_000_000))
            default:
                guard !text.isEmpty else { throw QueryParameterError("\(name) is given without a value") }
                var field = name
                var comparison = RecordQuery.Comparison.equal
                if !Self.isField(name, recordSchema) {
                    for (suffix, meaning) in RecordQuery.filterSuffixes where name.hasSuffix(suffix) && Self.isField(String(name.dropLast(suffix.count)), recordSchema) {
                        field = String(name.dropLast(suffix.count))
                        comparison = meaning
                    }
                    guard field != name else { throw QueryParameterError(Self.unknown(name, in: recordSchema, what: "filter")) }
                }
                let value = try Self.value(text, field: field, comparison: comparison, recordSchema)
                if let index = values.firstIndex(where: { $0.field == field && $0.comparison == comparison }) {
                    guard comparison == .equal else { throw QueryParameterError("\(name) is given twice; give it once") }
                    values[index].values.append(value)
                } else {
                    values.append((field, comparison, [value]))
                }
            }
        }
        query.filters = values.map { entry in
            entry.values.count == 1 ? .init(entry.field, entry.comparison, entry.values[0])
                : .init(entry.field, entry.comparison, operand: .anyOf(entry.values))
        }
        // Ties broken by id: the same query gives the same order, page after page.
        if query.orderBy.first?.field != "id" { query.orderBy.append(("id", false)) }
        // The pages before, this one, and one more record, to know whether another follows.
        query.limit = offset + limit + 1
    }

    private static func isField(_ name: String, _ schema: RecordSchema) -> Bool {
        schema.field(named: name) != nil || schema.derivedField(named: name) != nil
            || ["id", "created_at", "updated_at", RecordOwnership.ownerField.name].contains(name) || (name == "status" && schema.lifecycle != nil)
    }

    private static func unknown(_ name: String, in schema: RecordSchema, what: String) -> String {
        let names = ["id", "created_at", "updated_at"] + (schema.lifecycle == nil ? [] : ["status"]) + schema.fields.map(\.name)
            + schema.derivedFields.map(\.name)
        var message = "\(schema.type.collection) has no field '\(name)' to \(what == "filter" ? "filter on" : "order by")"
        if let near = NameSuggestion.closest(to: name, among: names + (what == "filter" ? words : [])) { message += " (did you mean '\(near)'?)" }
        return message + "; fields: \(names.joined(separator: ", "))"
    }

    /// Text as the value a filter compares with: a record's id for a link, the text
    /// otherwise (the query compiler reads it as the field's type, and says so when it cannot).
    private static func value(_ text: String, field: String, comparison: RecordQuery.Comparison, _ schema: RecordSchema)
        throws(QueryParameterError) -> FieldValue
    {
        if ["id", RecordOwnership.ownerField.name].contains(field) || comparison == .contains || comparison == .prefix || comparison == .currency {
            guard !["id", RecordOwnership.ownerField.name].contains(field) || Int64(text) != nil else {
                throw QueryParameterError("\(field) '\(text)' is not a whole number (an id)")
            }
            return ["id", RecordOwnership.ownerField.name].contains(field) ? .integer(Int64(text) ?? 0) : .string(text)
        }
        if schema.derivedField(named: field) != nil, let flag = ["true": true, "false": false][text] { return .boolean(flag) }
        switch schema.field(named: field)?.type {
        case .reference(let target)?, .references(let target)?:
            guard let id = Int64(text), id > 0 else {
                throw QueryParameterError("\(field) is a link to \(target.collection): give the record's id, not '\(text)'")
            }
            return .reference(RecordReference(target, id))
        case .anyReference?:
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let target = RecordType(rawValue: parts[0]) ?? RecordType.allCases.first(where: { $0.collection == parts[0] }),
                  let id = Int64(parts[1]), id > 0
            else { throw QueryParameterError("\(field) is a link to a record of any type: give it as TYPE:ID, such as grant:4, not '\(text)'") }
            return .reference(RecordReference(target, id))
        case .boolean?:
            guard let flag = ["true": true, "false": false][text] else { throw QueryParameterError("\(field) must be true or false, not '\(text)'") }
            return .boolean(flag)
        case .integer?:
            guard let number = Int64(text) else { throw QueryParameterError("\(field) must be a whole number, not '\(text)'") }
            return .integer(number)
        default:
            return .string(text)
        }
    }
}

/// A query string that is not a find: said in words, answered 400.
struct QueryParameterError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
