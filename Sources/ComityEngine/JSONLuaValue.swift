import Foundation
import LuaBridge

/// A JSON text as a Lua value: objects and arrays as tables, `null` as nil, whole
/// numbers as integers. Decoded by JSONDecoder (which refuses nesting deep enough to
/// exhaust the stack), so a hostile body makes a failed decode, not a crash.
enum JSONLuaValue: Decodable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    case null
    case array([JSONLuaValue])
    case object([String: JSONLuaValue])

    init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var items: [JSONLuaValue] = []
            while !list.isAtEnd { items.append(try list.decode(JSONLuaValue.self)) }
            self = .array(items)
            return
        }
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            var fields: [String: JSONLuaValue] = [:]
            for key in object.allKeys { fields[key.stringValue] = try object.decode(JSONLuaValue.self, forKey: key) }
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

    /// The body decoded, or nil when it is not JSON.
    static func decode(_ data: Data) -> LuaValue? {
        (try? JSONDecoder().decode(JSONLuaValue.self, from: data))?.luaValue
    }

    var luaValue: LuaValue {
        switch self {
        case .string(let text): .string(LuaString(text))
        case .integer(let whole): .integer(whole)
        case .number(let number): .number(number)
        case .boolean(let flag): .boolean(flag)
        case .null: .nil
        case .array(let items): .table(LuaTable(array: items.map(\.luaValue)))
        case .object(let fields):
            .table(LuaTable(hash: Dictionary(uniqueKeysWithValues: fields.map { (LuaValue.string(LuaString($0.key)), $0.value.luaValue) })))
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
