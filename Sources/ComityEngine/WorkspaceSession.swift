import ComityCore
import Foundation
import LuaBridge

/// One Lua state with the API bound to the workspace, kept across statements (locals
/// of a statement end with it, globals stay): `comity repl`, and the plugins' import
/// and export formats. Each statement runs in its own transaction, rolled back unless
/// the session writes.
public final class WorkspaceSession {
    /// What one statement gave.
    public enum Outcome: Equatable {
        /// The text so far is an unfinished statement: read another line.
        case incomplete
        /// Its values, each shown readably.
        case values([String])
        case failed(String)
    }

    private let sandbox: LuaSandbox
    private let store: any Store
    private let source = CurrentTransactionSource()
    private let write: Bool
    private let limits: LuaLimits
    private var number = 0
    /// Set once a limit is hit: the state cannot be used any more.
    private var ended: String?

    /// - Parameters:
    ///   - write: commit each statement that succeeds; otherwise every statement is
    ///     rolled back.
    ///   - output: receives what statements print.
    public init(workspace: URL, store: any Store, api: APIRegistry, plugins: PluginCatalog?, timeZone: TimeZone,
                write: Bool, limits: LuaLimits = .default, output: @escaping (String) -> Void) throws(LuaError) {
        self.store = store
        self.write = write
        self.limits = limits
        sandbox = try LuaSandbox(
            limits: limits,
            moduleRoots: [workspace.appendingPathComponent("Scripts"), workspace.appendingPathComponent("Plugins")],
            output: output)
        let state = sandbox.state
        try state.setGlobal("params", .table(LuaTable()))
        try WorkflowDeclaration.install(in: state, schema: store.schema)
        let context = try api.install(in: sandbox, now: Timestamp(Date()), timeZone: timeZone, schema: store.schema,
                                      transaction: ForwardingTransaction(source), run: "repl-\(UUID().uuidString.lowercased())")
        context.inbox = workspace.appendingPathComponent("inbox")
        context.secrets = SecretStore(workspace: workspace)
        try ReportValues.installReport(in: state, context: context, records: context.records)
        // Last, once every global is in place: plugins' environments start from them.
        if let plugins {
            context.plugins = try PluginRuntime(catalog: plugins, sandbox: sandbox, context: context,
                                                folder: workspace.appendingPathComponent("Plugins"))
        } else {
            PluginRuntime.refusePluginModules(in: sandbox, workspace: workspace)
        }
        sandbox.close() // the time limit runs only while a statement does
    }

    deinit { sandbox.close() }

    /// Runs `text` (one or more lines) as an expression if it is one, else as a statement.
    public func evaluate(_ text: String) -> Outcome {
        if let ended { return .failed(ended) }
        number += 1
        let name = "repl"
        let state = sandbox.state
        let chunk: LuaValue
        do {
            chunk = try state.load(Array(("return " + text).utf8), chunkName: name)
        } catch {
            do {
                chunk = try state.load(Array(text.utf8), chunkName: name)
            } catch {
                // Lua says "<eof>" when the text ends before the statement does.
                return error.message.hasSuffix("<eof>") ? .incomplete : .failed(error.message)
            }
        }
        sandbox.changeLimits(limits) // each statement gets the whole time limit
        defer { sandbox.close() }
        do {
            var kept = false
            // Savepoints end with the statement's transaction: frames left open in a
            // suspended coroutine lose theirs.
            defer { state.savepointsEnded(undone: !kept) }
            let values = try store.write(commit: write) { transaction -> [LuaValue] in
                source.current = transaction
                defer { source.current = nil }
                return try state.call(chunk, [])
            }
            kept = write
            return .values(try values.map { try show($0, depth: 0) })
        } catch let error as LuaError {
            if case .limit = error.kind {
                // A state that hit a limit cannot go on.
                ended = "the session hit a limit and has ended; start comity repl again"
                return .failed(error.message + " (" + (ended ?? "") + ")")
            }
            return .failed(error.message)
        } catch {
            return .failed("\(error)")
        }
    }

    /// Runs `source` (a chunk) with `globals` set first, in a transaction rolled back
    /// unless the session writes; its first result, copied into Swift.
    public func value(of text: String, globals: [String: LuaValue] = [:], chunkName: String) throws(LuaError) -> LuaValue {
        let state = sandbox.state
        for (name, value) in globals { try state.setGlobal(name, value) }
        let chunk = try state.load(Array(text.utf8), chunkName: chunkName)
        sandbox.changeLimits(limits)
        defer { sandbox.close() }
        do {
            var kept = false
            defer { state.savepointsEnded(undone: !kept) }
            let value = try store.write(commit: write) { transaction -> LuaValue in
                source.current = transaction
                defer { source.current = nil }
                return try state.call(chunk, []).first ?? .nil
            }
            kept = write
            return value
        } catch let error as LuaError {
            throw error
        } catch {
            throw LuaError(.runtime, "\(error)")
        }
    }

    /// A value as the REPL prints it: strings quoted, tables as constructors (two
    /// levels deep, twenty entries at most), anything else as `tostring` says.
    private func show(_ value: LuaValue, depth: Int) throws -> String {
        switch value {
        case .string(let text): return "\"" + text.description.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .table(let table):
            guard depth < 2 else { return "{...}" }
            var items = try table.array.prefix(20).map { try show($0, depth: depth + 1) }
            for (key, element) in table.hash.sorted(by: { "\($0.key)" < "\($1.key)" }).prefix(max(0, 20 - items.count)) {
                var keyText = "[\(try show(key, depth: 2))]"
                if let name = key.stringValue, ModuleName.isValid(name), !name.contains(".") { keyText = name }
                items.append("\(keyText) = \(try show(element, depth: depth + 1))")
            }
            let more = table.array.count + table.hash.count > items.count ? ", ..." : ""
            return items.isEmpty ? "{}" : "{ " + items.joined(separator: ", ") + more + " }"
        default:
            let tostring = try sandbox.state.global("tostring")
            return try sandbox.state.call(tostring, [value]).first?.stringValue ?? value.typeName
        }
    }
}
