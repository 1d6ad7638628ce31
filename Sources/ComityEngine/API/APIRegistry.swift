import ComityCore
import Foundation
import HumanReadable
import LuaBridge

/// The one registry of the Lua API. Each function is declared once, with typed
/// parameters, results and documentation; the registry turns the declarations into
/// bindings with argument checks, a Markdown reference and LuaLS stubs. Plugins
/// will add to the same registry.
public struct APIRegistry {
    public private(set) var functions: [APIFunction] = []
    /// Where each name is in `functions`, and every namespace their names make: every
    /// run builds the registry, and a search of the list per function added was
    /// quadratic.
    private var positions: [String: Int] = [:]
    private var namespaces: Set<String> = []
    public private(set) var types: [APITypeDeclaration] = []
    /// Globals that are values, not functions or namespaces (`params`).
    public private(set) var globals: [APIField] = []
    /// What spec files (`*_spec.lua`) have besides the API (`describe`, `it`, `expect`, `clock.advance`).
    public private(set) var specFunctions: [APIFunction] = []

    public init() {}

    /// The core API: `money`, `time`, `workflow`, and a collection per record type.
    public static var core: APIRegistry { standard(schema: .standard) }

    /// The core API for a workspace whose schema may have custom fields.
    public static func standard(schema: DomainSchema) -> APIRegistry {
        var registry = APIRegistry()
        registry.types = APIValueTypes.declarations + RecordAPI.typeDeclarations(schema) + TriggerDocumentation.typeDeclarations(schema)
            + WorkflowDocumentation.typeDeclarations + ReportDocumentation.typeDeclarations + SpecDocumentation.typeDeclarations
        registry.globals = HostGlobal.allCases.map(\.declaration)
        registry.specFunctions = SpecDocumentation.functions
        let guarded = FileAPI.functions.map { $0.requiring("read_inbox") } + MailAPI.functions.map { $0.requiring("send_mail") }
        for function in CoreAPI.functions + RecordAPI.functions(schema) + guarded + SecretAPI.functions {
            // The core's names are distinct by construction; a clash is a programming error.
            do { try registry.add(function) } catch { preconditionFailure("\(error)") }
        }
        return registry
    }

    /// Adds a function; a name already taken (by the core or another plugin) is refused.
    public mutating func add(_ function: APIFunction) throws(DomainError) {
        if let existing = positions[function.name].map({ functions[$0] }) {
            throw DomainError(.invalidValue, field: "name",
                              "'\(function.name)' is already declared (by \(existing.origin)); it cannot be replaced")
        }
        // A namespace of the API is a name some function's name continues with a dot.
        if namespaces.contains(function.name) {
            throw DomainError(.invalidValue, field: "name", "'\(function.name)' is already a namespace of the API")
        }
        positions[function.name] = functions.count
        functions.append(function)
        var prefix = Substring(function.name)
        while let dot = prefix.utf8.lastIndex(of: UInt8(ascii: ".")) {
            prefix = prefix[..<dot]
            namespaces.insert(String(prefix))
        }
    }

    public func function(named name: String) -> APIFunction? { positions[name].map { functions[$0] } }

    /// Binds every implemented function into a run's sandbox, namespaces as tables.
    /// Record functions work on `transaction`; without one they say that they need it.
    @discardableResult
    public func install(
        in sandbox: LuaSandbox, now: Timestamp, timeZone: TimeZone, schema: DomainSchema = .standard,
        transaction: (any StoreTransaction)? = nil, run: String? = nil
    ) throws(LuaError) -> APIContext {
        let state = sandbox.state
        let values = APIValueTypes(timeZone: timeZone)
        let acting = transaction.map(ActingTransaction.init)
        let records = acting.map { acting in
            RecordBindings(schema: schema, state: state, values: values, now: now, transaction: { acting.current })
        }
        let context = APIContext(now: now, timeZone: timeZone, run: run, types: values, records: records,
                                 acting: acting)
        if let transaction {
            // An error caught by pcall keeps nothing written inside it.
            state.savepoints = TransactionSavepoints(transaction, records: records)
            context.state = state
        }
        let bound = try bindings(for: .workspace, context: context, state: state)
        for (name, value) in bound[""]?.hash ?? [:] {
            if let name = name.stringValue { try state.setGlobal(name, value) }
        }
        let guarded = guardedNamespaces
        for (name, table) in bound where !name.isEmpty {
            // Scripts and plugins call the API; none may replace or wrap a part of it. A
            // namespace with functions that need a permission serves the workspace's
            // own code only, should it reach a plugin.
            guard let made = try StrictNamespace.make(name, table, state: state) else { continue }
            if guarded.contains(name) {
                try state.setGlobal(name, table: try state.guardedReadOnly(made, name: name, ownerPrefix: ""))
            } else {
                try state.setGlobal(name, table: made)
                try state.protectGlobalTable(name)
            }
        }
        context.workspaceBindings = bound
        context.registry = self
        try Self.followRunClock(state, now: now)
        return context
    }

    /// `os.time()` and `os.date()` without a time are the run's clock, as `time.now()`
    /// is, so that `--now` and a schedule's slot reach scripts that use them.
    private static func followRunClock(_ state: LuaState, now: Timestamp) throws(LuaError) {
        guard let os = try state.libraryTable(named: "os") else { return }
        let chunk = """
            local time, date, now = os.time, os.date, \(now.secondsSince1970)
            return function(...) if select("#", ...) == 0 or (...) == nil then return now end return time(...) end,
                   function(format, t) if t == nil then t = now end return date(format, t) end
            """
        let made = try state.run(Array(chunk.utf8), chunkName: "=os")
        guard made.count == 2 else { return }
        try state.rawSet(os, "time", made[0])
        try state.rawSet(os, "date", made[1])
    }

    /// The namespaces with a function that needs a permission.
    var guardedNamespaces: Set<String> {
        Set(functions.filter { $0.permission != nil }.map { $0.path.namespace.joined(separator: ".") })
    }

    /// Lua values of the implemented functions (those that `include` accepts), each bound
    /// to `origin`: a plugin's values check its grants for the functions that need a
    /// permission. By namespace (`time`, `grants`; `""` for globals).
    func bindings(
        for origin: APIOrigin, context: APIContext, state: LuaState, including include: (APIFunction) -> Bool = { _ in true }
    ) throws(LuaError) -> [String: LuaTable] {
        var namespaces: [String: LuaTable] = [:]
        for function in functions where include(function) {
            guard let implementation = function.implementation else { continue }
            let plugin: String? = if case .plugin(let name) = origin { name } else { nil }
            let permission = plugin == nil ? nil : function.permission
            let guarded = function.permission != nil
            let value = try state.function(function.name) { call in
                try ArgumentCheck.check(call, against: function, context: context)
                // A value that needs a permission serves the code it was given to: called
                // from anyone else's code (it leaked, say through a metamethod's operand),
                // or where no script's code called it (a coroutine whose body it is), it
                // refuses.
                if guarded { try APIOrigin.check(call.caller, is: origin, for: function.name) }
                if let permission, let plugin {
                    try context.checkPermission(try permission.required(by: call), plugin: plugin, for: function.name)
                }
                do {
                    return try implementation(call, context)
                } catch var refusal as DomainError {
                    if let field = refusal.field, let near = NameSuggestion.closest(to: field, among: refusal.candidates) {
                        refusal.message += " (did you mean '\(near)'?)"
                    }
                    // Remembered to tell a validation failure from other errors (retries).
                    context.lastRefusal = refusal.description
                    throw refusal
                } catch let refusal as StoreError where refusal.kind == .duplicate {
                    context.lastRefusal = refusal.description
                    throw refusal
                } catch let failure as StoreError where failure.kind == .unavailable {
                    // The run may be tried again once the database is back (a worker gives its lease back).
                    context.storeUnavailable = true
                    throw failure
                } catch let refusal as StoreError where refusal.kind == .forbidden {
                    // Outside the rights of the person the run acts as: a refusal, not worth a retry.
                    let said = StoreError(.forbidden, "\(function.name): \(refusal.message)")
                    context.lastRefusal = said.description
                    throw said
                } catch let missing as StoreError where missing.kind == .notFound {
                    // A handle to a record that is not there (a rolled-back create): said
                    // with the function it was given to.
                    let refusal = StoreError(.notFound, "\(function.name): \(missing.message)")
                    context.lastRefusal = refusal.description
                    throw refusal
                }
            }
            // Only one level of namespace so far (`time.days`, `grants.award`).
            let (namespace, leaf) = function.path
            namespaces[namespace.joined(separator: "."), default: LuaTable()][leaf] = value
        }
        return namespaces
    }
}

/// Checks a call's arguments against a declaration before its implementation runs.
enum ArgumentCheck {
    static func check(_ call: borrowing LuaCall, against function: APIFunction, context: APIContext) throws {
        let count = call.argumentCount
        if count > Int32(function.parameters.count) {
            throw LuaScriptError(
                "too many arguments to '\(function.name)' (expected at most \(function.parameters.count), got \(count))")
        }
        for (offset, parameter) in function.parameters.enumerated() {
            let n = Int32(offset + 1)
            if !matches(call, n, parameter.type, context) {
                throw LuaArgumentError(index: n, problem: "\(expected(parameter.type)) expected, got \(got(call, n))")
            }
        }
    }

    private static func matches(_ call: borrowing LuaCall, _ n: Int32, _ type: APIType, _ context: APIContext) -> Bool {
        switch type {
        case .any: return true
        case .optional(let wrapped): return call.isNil(n) || matches(call, n, wrapped, context)
        case .oneOf(let options): return options.contains { matches(call, n, $0, context) }
        case .integer: return (try? call.integer(n)) != nil
        case .number: return (try? call.number(n)) != nil
        case .string: return call.basicType(n) == .string || call.basicType(n) == .number
        case .boolean: return call.basicType(n) == .boolean
        case .table, .list: return call.basicType(n) == .table
        case .function, .callable: return call.basicType(n) == .function
        case .named(let name):
            if context.types.matches(call, n, named: name) { return true }
            guard let records = context.records,
                  let recordType = RecordType.allCases.first(where: { $0.displayName == name }) else { return false }
            return call.optionalObject(n, as: records.userdataType(recordType)) != nil
        }
    }

    /// Lua's words for what was expected: integers are "number", as in Lua's messages.
    /// `string`, or for a number its value too: `number (2.5)` where an integer was expected.
    private static func got(_ call: borrowing LuaCall, _ n: Int32) -> String {
        guard call.basicType(n) == .number, let text = try? call.string(n) else { return call.typeName(n) }
        return "\(call.typeName(n)) (\(text))"
    }

    private static func expected(_ type: APIType) -> String {
        switch type {
        case .integer: "integer"
        case .number: "number"
        case .optional(let wrapped): expected(wrapped)
        case .oneOf(let options): options.map(expected).joined(separator: " or ")
        default: type.description
        }
    }
}
