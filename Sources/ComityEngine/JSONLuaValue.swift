import ComityCore
import Foundation
import LuaBridge

/// A JSON text as a Lua value: objects and arrays as tables, `null` as nil, whole
/// numbers as integers.
enum JSONLuaValue {
    /// The body decoded, or nil when it is not JSON.
    static func decode(_ data: Data) -> LuaValue? {
        (try? JSONTree.decode(data)).map(value)
    }

    static func value(_ tree: JSONTree) -> LuaValue {
        switch tree {
        case .string(let text): .string(LuaString(text))
        case .integer(let whole): .integer(whole)
        case .number(let number): .number(number)
        case .boolean(let flag): .boolean(flag)
        case .null: .nil
        case .array(let items): .table(LuaTable(array: items.map(value)))
        case .object(let fields):
            .table(LuaTable(hash: Dictionary(uniqueKeysWithValues: fields.map { (LuaValue.string(LuaString($0.key)), value($0.value)) })))
        }
    }
}
