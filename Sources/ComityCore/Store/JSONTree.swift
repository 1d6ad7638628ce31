import Foundation

/// A JSON text as a tree of values, whole numbers kept apart from others. Decoded by
/// JSONDecoder (which refuses nesting deep enough to exhaust the stack), so a hostile
/// body makes a failed decode, not a crash. A webhook's body becomes a Lua value from
/// it (`ctx.trigger.json`), an API write's body a record's fields.
public enum JSONTree: Decodable, Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    case null
    case array([JSONTree])
    case object([String: JSONTree])

    public init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var items: [JSONTree] = []
            while !list.isAtEnd { items.append(try list.decode(JSONTree.self)) }
            self = .array(items)
            return
        }
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            var fields: [String: JSONTree] = [:]
            for key in object.allKeys { fields[key.stringValue] = try object.decode(JSONTree.self, forKey: key) }
            self = .object(fields)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .null }
        else if let flag = try? single.decode(Bool.self) { self = .boolean(flag) }
        else if let whole = try? single.decode(Int64.self) { self = .integer(whole) }
        else if let number = try? single.decode(Double.self) { self = .number(number) }
        else { self = .string(try single.decode(String.self)) }
    }

    /// `data` decoded; JSONDecoder's error when it is not JSON.
    public static func decode(_ data: Data) throws -> JSONTree {
        try JSONDecoder().decode(JSONTree.self, from: data)
    }

    /// What JSON calls the value's kind, for messages: `string`, `number`, `array`.
    public var kindName: String {
        switch self {
        case .string: "string"
        case .integer, .number: "number"
        case .boolean: "boolean"
        case .null: "null"
        case .array: "array"
        case .object: "object"
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
