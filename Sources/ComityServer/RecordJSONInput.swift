import ComityCore
import Foundation

/// An API write's body as a record's fields, before the domain checks them, in the
/// shapes `RecordJSON` answers with: text, numbers, booleans, lists of text; money as
/// `{ "amount": "1250.00", "currency": "EUR" }` or `"1250.00 EUR"`; a link as the
/// record's id or `{ "type": "organisation", "id": 4 }`; dates and times as ISO 8601
/// text. `null` clears a field (in a change). Field names and values are then checked
/// by the same rules as a script's `create` and `update`, with the same words.
enum RecordJSONInput {
    /// A body that is not a JSON object of fields.
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// The fields of `data` for a record of `type`; nil values are `null`s.
    static func fields(_ data: Data, type: RecordType, schema: RecordSchema, emptyAllowed: Bool = false) throws -> [String: FieldValue?] {
        if data.isEmpty {
            if emptyAllowed { return [:] }
            throw Malformed(description: "the body is empty; send a JSON object of \(type.displayName.lowercased()) fields")
        }
        let tree: JSONTree
        do {
            tree = try JSONTree.decodeRefusingDuplicateKeys(data)
        } catch let duplicate as JSONTree.DuplicateKey {
            throw Malformed(description: duplicate.description)
        } catch {
            throw Malformed(description: "the body is not JSON (\(Self.reason(error))); send a JSON object of fields")
        }
        guard case .object(let object) = tree else {
            throw Malformed(description: "the body is a JSON \(tree.kindName); send a JSON object of fields, such as {\"name\": \"...\"}")
        }
        var fields: [String: FieldValue?] = [:]
        for (name, value) in object {
            fields[name] = try fieldValue(value, field: name, type: type, schema: schema)
        }
        return fields
    }

    private static func fieldValue(_ value: JSONTree, field: String, type: RecordType, schema: RecordSchema) throws -> FieldValue? {
        let link = schema.field(named: field)?.type
        func refused() -> DomainError {
            DomainError(.invalidValue, field: field, "\(type.displayName) field '\(field)' cannot hold a JSON \(value.kindName) value")
        }
        switch value {
        case .null: return nil
        case .boolean(let flag): return .boolean(flag)
        case .integer(let whole):
            if case .reference(let target)? = link { return .reference(RecordReference(target, whole)) }
            if case .references(let target)? = link { return .references([RecordReference(target, whole)]) }
            try refuseNumber(for: link, field: field, type: type)
            return .integer(whole)
        case .number(let number):
            try refuseNumber(for: link, field: field, type: type)
            return .decimal(String(number))
        case .string(let text): return .string(text)
        case .object(let object):
            if let money = try money(object, field: field) { return .money(money) }
            if let reference = reference(object) { return .reference(reference) }
            throw refused()
        case .array(let items):
            var strings: [String] = []
            var references: [RecordReference] = []
            for item in items {
                switch item {
                case .string(let text): strings.append(text)
                case .integer(let id):
                    guard case .references(let target)? = link else { throw refused() }
                    references.append(RecordReference(target, id))
                case .object(let object):
                    guard let reference = reference(object) else { throw refused() }
                    references.append(reference)
                default: throw refused()
                }
            }
            if references.isEmpty { return .strings(strings) }
            guard strings.isEmpty else { throw refused() }
            return .references(references)
        }
    }

    /// A script's number may become text, but a JSON client that sends a number where
    /// the schema says text has made a mistake worth naming, not a value worth keeping.
    private static func refuseNumber(for fieldType: FieldType?, field: String, type: RecordType) throws {
        switch fieldType {
        case .integer?, .decimal?, .money?, nil: return
        case let expected?:
            throw DomainError(.invalidValue, field: field, "\(type.displayName) field '\(field)' takes \(expected == .string ? "text" : expected.description) as a JSON string, not a number")
        }
    }

    private static func money(_ object: [String: JSONTree], field: String) throws -> Money? {
        guard object.count == 2, case .string(let code)? = object["currency"], let amount = object["amount"] else { return nil }
        let text: String
        switch amount {
        case .string(let given): text = given
        case .integer(let whole): text = String(whole)
        case .number:
            // A JSON number with a fraction is read as binary floating point: not exact.
            throw DomainError(.invalidValue, field: field, "the amount of '\(field)' is exact text, such as \"1250.50\", or a whole number; not a JSON number with a fraction")
        default: return nil
        }
        return try Money(text, currency: try Currency(code), field: field)
    }

    private static func reference(_ object: [String: JSONTree]) -> RecordReference? {
        guard object.count == 2, case .string(let name)? = object["type"], let type = RecordType(rawValue: name),
              case .integer(let id)? = object["id"] else { return nil }
        return RecordReference(type, id)
    }

    /// JSONDecoder's reason, without Swift's type names.
    private static func reason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }
}
