import ComityCore
import Foundation
import HumanReadable

/// Records as rows of text: the columns of a record type in a CSV or JSON file, and
/// the conversion of each field to and from its cell. Export and import share it, so
/// that an exported file imports back as it was.
///
/// Cells: money `1300000.00 RUB`; dates `2021-01-26`; times ISO 8601 in the workspace's
/// zone; booleans `true`/`false`; lists `a; b`; a record by its identifier when it has
/// one (an organisation without one by its name when no other has it), else its id
/// and name `12:Neighbours`; a record of any type `grant#12`; lists (a list field's
/// items, an event's participants) as a JSON array, `["youth","sport; games"]`, each
/// item as it is; a participant `organiser organisation:RU-INN-7707083893` (role,
/// then the participant's type and its identifier, name, or id and name). On import a
/// list cell that is not a JSON array is split at `;`, as earlier exports wrote it.
public struct RecordTable {
    public let type: RecordType
    public let schema: RecordSchema
    public let timeZone: TimeZone

    public init(_ type: RecordType, schema: DomainSchema, timeZone: TimeZone = .gmt) {
        self.type = type
        self.schema = schema[type]
        self.timeZone = timeZone
    }

    /// `id`, the fields in schema order, an event's `participants`, then `status` for
    /// types with a lifecycle.
    public var columns: [String] {
        ["id"] + schema.fields.map(\.name) + (type == .event ? ["participants"] : []) + (schema.lifecycle == nil ? [] : ["status"])
    }

    // MARK: Export

    /// The row of `record`; `label` gives a referenced record's identifier or id;
    /// `participants` an event's participants with their roles.
    public func cells(_ record: Record, label: (RecordReference) throws -> String,
                      participants: [(participant: RecordReference, role: String)] = []) rethrows -> [String] {
        var row = [String(record.id)]
        for definition in schema.fields {
            row.append(try record.fields[definition.name].map { try cell($0, definition, label: label) } ?? "")
        }
        if type == .event {
            row.append(Self.listCell(try participants.map { "\($0.role) \($0.participant.type.rawValue):\(try label($0.participant))" }))
        }
        if schema.lifecycle != nil { row.append(record.status ?? "") }
        return row
    }

    /// An event's `participants` cell as (participant, role) pairs; `resolve` finds each.
    public func participants(_ text: String, items: [String]? = nil,
                             resolve: (_ target: RecordType, _ text: String) throws -> RecordReference) throws
        -> [(participant: RecordReference, role: String)]
    {
        try Self.items(text, given: items).map { entry in
            let parts = entry.split(separator: " ", maxSplits: 1).map(String.init)
            let named = parts.count == 2 ? parts[1].split(separator: ":", maxSplits: 1).map(String.init) : []
            guard named.count == 2, let target = RecordType(rawValue: named[0]) ?? RecordType.allCases.first(where: { $0.collection == named[0] }) else {
                throw DomainError(.invalidValue, field: "participants",
                                  "participant '\(entry)' must be a role, then the participant's type and its identifier, name or id: 'speaker person:4'")
            }
            return (try resolve(target, named[1]), parts[0])
        }
    }

    func cell(_ value: FieldValue, _ definition: FieldDefinition, label: (RecordReference) throws -> String) rethrows -> String {
        if case .anyReference = definition.type, case .reference(let r) = value { return r.description } // grant#12
        switch value {
        case .string(let s), .decimal(let s): return s
        case .integer(let i): return String(i)
        case .boolean(let b): return b ? "true" : "false"
        case .date(let d): return d.description
        case .time(let t): return t.formatted(in: timeZone)
        case .money(let m): return "\(m.amountText) \(m.currency.code)"
        case .strings(let list): return Self.listCell(list)
        case .reference(let r): return try label(r)
        case .references(let list): return Self.listCell(try list.map(label))
        }
    }

    /// A list as one cell: a JSON array of its items, so that an item holding `;`, a
    /// quote, spaces at its ends or nothing at all comes back as it was.
    static func listCell(_ items: [String]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: items, options: [.withoutEscapingSlashes]) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The items of a cell holding a JSON array of text (`listCell`), as they are; nil
    /// for any other text.
    static func jsonListItems(_ text: String) -> [String]? {
        guard text.hasPrefix("["), text.hasSuffix("]"),
              let items = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Any] else { return nil }
        let texts = items.compactMap { $0 as? String }
        return texts.count == items.count ? texts : nil
    }

    // MARK: Import

    /// A list cell's items, each trimmed, empty ones left out (for references and
    /// participants): those the file gave as a list, else a JSON array's, else its
    /// text split at `;`.
    static func items(_ text: String, given: [String]?) -> [String] {
        (given ?? jsonListItems(RecordTable.trimmed(text)) ?? text.split(separator: ";").map(String.init))
            .map { $0.trimmingBlanks() }.filter { !$0.isEmpty }
    }

    /// The items of `record`'s list columns as they are (a JSON export writes them as
    /// arrays, so an item may hold a `;`).
    public func listCells(_ record: Record, label: (RecordReference) throws -> String,
                          participants: [(participant: RecordReference, role: String)] = []) rethrows -> [String: [String]] {
        var lists: [String: [String]] = [:]
        for definition in schema.fields {
            switch record.fields[definition.name] {
            case .strings(let list)?: lists[definition.name] = list
            case .references(let list)?: lists[definition.name] = try list.map(label)
            default: break
            }
        }
        if type == .event, !participants.isEmpty {
            lists["participants"] = try participants.map { "\($0.role) \($0.participant.type.rawValue):\(try label($0.participant))" }
        }
        return lists
    }

    /// A row's fields from its cells by column name. Empty cells are left out; `id` and
    /// `status` are not fields (the caller uses them); an unknown column is an error
    /// naming it. `lists` holds the items of cells the file gave as lists. `resolve`
    /// finds a referenced record from its cell text.
    public func fields(
        _ cells: [String: String], lists: [String: [String]] = [:],
        resolve: (_ target: RecordType?, _ text: String, _ field: String) throws -> RecordReference
    ) throws -> [String: FieldValue] {
        var fields: [String: FieldValue] = [:]
        for (column, raw) in cells {
            let text = Self.trimmed(raw)
            if column == "id" || column == "status" || (column == "participants" && type == .event) || text.isEmpty { continue }
            guard let definition = schema.field(named: column) else {
                var message = "\(type.displayName) has no field '\(column)'"
                if let near = closest(column) { message += " (did you mean '\(near)'?)" }
                throw DomainError(.invalidValue, field: column, message)
            }
            switch definition.type {
            case .reference(let target):
                fields[column] = .reference(try resolve(target, text, column))
            case .references(let target):
                fields[column] = .references(try Self.items(text, given: lists[column]).map { try resolve(target, $0, column) })
            case .strings:
                // A list given as a list (a JSON file's array, a CSV cell's JSON array)
                // is taken as it is; other text the schema splits at `;`.
                if let items = lists[column] ?? Self.jsonListItems(text) {
                    fields[column] = .strings(items)
                } else {
                    fields[column] = .string(text)
                }
            case .anyReference:
                fields[column] = .reference(try resolve(nil, text, column))
            default:
                // The schema checks and normalises text as it does a script's values.
                fields[column] = .string(text)
            }
        }
        return fields
    }

    /// Without spaces and tabs at the ends; the cell itself when it has none (most do),
    /// without going through Foundation.
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return text }
        if first != 0x20, first != 0x09, last != 0x20, last != 0x09 { return text }
        return text.trimmingBlanks()
    }

    private func closest(_ name: String) -> String? { NameSuggestion.closest(to: name, among: columns) }
}
