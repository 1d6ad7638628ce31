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

    /// A key an object of a request's body gives twice.
    public struct DuplicateKey: Error, Sendable, CustomStringConvertible {
        public let key: String
        public var description: String { "the body gives '\(key)' twice in one object; give each key once" }
    }

    /// `data` decoded, refused (`DuplicateKey`) when one of its objects gives a key
    /// twice: for what a client asks of the API, which must be read one way only.
    public static func decodeRefusingDuplicateKeys(_ data: Data) throws -> JSONTree {
        let tree = try decode(data)
        if let key = JSONDuplicateKeys.first(in: [UInt8](data)) { throw DuplicateKey(key: key) }
        return tree
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

extension JSONTree {
    /// The tree as compact JSON text, each object's members in order of their names (so
    /// that the same tree is always the same bytes), `/` unescaped, other text as UTF-8.
    /// Written directly: the API answers every record this way, and JSONSerialization's
    /// sorted keys (bridged NSString comparisons) cost more than reading the record.
    public func encoded() -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        write(to: &bytes)
        return Data(bytes)
    }

    private func write(to bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .boolean(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let whole): bytes.append(contentsOf: String(whole).utf8)
        case .number(let number):
            // JSON has no NaN or infinity.
            bytes.append(contentsOf: (number.isFinite ? "\(number)" : "null").utf8)
        case .string(let text): Self.write(text, to: &bytes)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                item.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, name) in members.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.write(name, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                members[name]?.write(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static func write(_ text: String, to bytes: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
