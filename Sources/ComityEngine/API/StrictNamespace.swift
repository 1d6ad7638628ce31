import HumanReadable
import LuaBridge

/// An API namespace (`grants`, `time`) as the table behind its read-only proxy: a name
/// it does not have is an error at the call's line, `grants has no function 'awrd'
/// (did you mean 'award'?)`, not Lua's "attempt to call a nil value".
enum StrictNamespace {
    static func make(_ name: String, _ table: LuaTable, state: LuaState) throws(LuaError) -> LuaReference? {
        guard let made = try state.tableReference(.table(table)) else { return nil }
        let names = table.hash.keys.compactMap(\.stringValue).sorted()
        let missing = try state.function("\(name).__index") { call in
            let key = call.basicType(2) == .string ? ((try? call.string(2)) ?? "?") : call.typeName(2)
            var message = "\(name) has no function '\(key)'"
            if let near = NameSuggestion.closest(to: key, among: names) { message += " (did you mean '\(near)'?)" }
            throw LuaScriptError(message + " (functions: \(names.joined(separator: ", ")))")
        }
        guard let metatable = try state.tableReference(.table(LuaTable(hash: ["__index": missing]))) else { return nil }
        try state.setMetatable(made, metatable)
        return made
    }
}
