import LuaBridge

/// `workflow { name = "...", run = function(ctx) ... end }`: the declaration a script
/// returns. Only `name`, `description` and `run` are read so far.
struct WorkflowDeclaration {
    static let knownFields = ["name", "description", "run", "params", "on", "schedule", "limits", "retry"]

    var name: String
    var run: LuaValue

    /// Installs the global `workflow`, which checks a declaration and returns it.
    static func install(in state: LuaState) throws(LuaError) {
        try state.register("workflow") { call throws in
            let table = try call.table(1)
            do throws(LuaError) {
                _ = try WorkflowDeclaration(table: table)
            } catch {
                throw LuaScriptError(error.message)
            }
            return call.returningArgument(1)
        }
    }

    /// The declaration among a chunk's results, if the chunk returned one.
    init?(_ value: LuaValue?) throws(LuaError) {
        guard case .table(let table) = value, table["run"] != .nil else { return nil }
        try self.init(table: table)
    }

    init(table: LuaTable) throws(LuaError) {
        for key in table.hash.keys {
            guard let field = key.stringValue else {
                throw LuaError(.runtime, "workflow: keys must be field names, got a \(key.typeName)")
            }
            if !Self.knownFields.contains(field) {
                var message = "workflow has no field '\(field)'"
                if let suggestion = NameSuggestion.closest(to: field, among: Self.knownFields) {
                    message += " (did you mean '\(suggestion)'?)"
                }
                throw LuaError(.runtime, message)
            }
        }
        guard case .string(let name) = table["name"], !name.bytes.isEmpty else {
            throw LuaError(.runtime, "workflow: field 'name' must be a non-empty string (got \(table["name"].typeName))")
        }
        guard case .function = table["run"] else {
            throw LuaError(.runtime, "workflow '\(name)': field 'run' must be a function (got \(table["run"].typeName))")
        }
        self.name = name.description
        self.run = table["run"]
    }
}
