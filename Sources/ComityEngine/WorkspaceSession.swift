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
    private let timeZone: TimeZone
    /// The person the session acts as (`comity repl --as`): each statement sees and
    /// changes only what they may; nil for the workspace.
    private let principal: String?
    private let limits: LuaLimits
    private var number = 0
    /// Set once a limit is hit: the state cannot be used any more.
    private var ended: String?
    /// The session's id in the audit and, when it writes, in the run history.
    public let runID = RunRecord.newID()
    /// The workflows a committed statement's events start are queued with its commit;
    /// asked for each statement, so that scripts edited during a session are heard.
    private let triggers: (() -> EventQueuing)?
    /// Runs queued by the last statement: the caller runs them (`TriggerQueue`).
    public private(set) var lastQueued = 0
    /// Events of the session committed so far (their runs are queued already).
    private var eventsQueued = 0
    /// A writing session's entry in the run history, saved with each commit.
    private var record: RunRecord?
    private var log = RunLog(cap: 1 << 20)
    private var failedStatements = 0
    /// The session's record handles: those a rolled-back statement made are refused.
    private var records: RecordBindings?
    private var firstFailure: String?

    /// - Parameters:
    ///   - write: commit each statement that succeeds; otherwise every statement is
    ///     rolled back.
    ///   - output: receives what statements print.
    ///   - triggers: queue what committed statements' events start; nil queues nothing.
    public init(workspace: URL, store: any Store, api: APIRegistry, plugins: PluginCatalog?, timeZone: TimeZone,
                write: Bool, limits: LuaLimits = .default, triggers: (() -> EventQueuing)? = nil, principal: String? = nil,
                output: @escaping (String) -> Void) throws(LuaError) {
        self.store = store
        self.timeZone = timeZone
        self.principal = principal
        self.write = write
        self.limits = limits
        self.triggers = write ? triggers : nil
        sandbox = try LuaSandbox(
            limits: limits,
            moduleRoots: [workspace.appendingPathComponent("Scripts"), workspace.appendingPathComponent("Plugins")],
            output: output)
        let state = sandbox.state
        try state.setGlobal(HostGlobal.params.rawValue, .table(LuaTable()))
        try WorkflowDeclaration.install(in: state, schema: store.schema)
        let context = try api.install(in: sandbox, now: Timestamp(Date()), timeZone: timeZone, schema: store.schema,
                                      transaction: ForwardingTransaction(source), run: runID)
        records = context.records
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

    /// A statement's transaction as the session's principal sees it.
    private func acting(_ transaction: any StoreTransaction) throws -> any StoreTransaction {
        guard let principal else { return transaction }
        return try PrincipalTransaction(transaction, actingAs: principal, now: Timestamp(Date()), timeZone: timeZone, schema: store.schema)
    }

    /// Runs `text` (one or more lines) as an expression if it is one, else as a statement.
    /// `line` is the input line it starts on, so that errors name `repl:LINE` of the input.
    public func evaluate(_ text: String, line: Int = 1) -> Outcome {
        if let ended { return .failed(ended) }
        number += 1
        let name = "repl"
        let state = sandbox.state
        let chunk: LuaValue
        // Blank lines before the text make Lua count lines from where it stood in the input.
        let before = String(repeating: "\n", count: max(0, line - 1))
        do {
            chunk = try state.load(Array((before + "return " + text).utf8), chunkName: name)
        } catch {
            do {
                chunk = try state.load(Array((before + text).utf8), chunkName: name)
            } catch {
                // Lua says "<eof>" when the text ends before the statement does.
                return error.message.hasSuffix("<eof>") ? .incomplete : failed(text, error.message)
            }
        }
        sandbox.changeLimits(limits) // each statement gets the whole time limit
        defer { sandbox.close() }
        lastQueued = 0
        do {
            var kept = false
            // Savepoints end with the statement's transaction: frames left open in a
            // suspended coroutine lose theirs.
            defer {
                state.savepointsEnded(undone: !kept)
                records?.statementEnded(kept: kept)
            }
            let queuing = triggers?()
            let values = try store.write(commit: write) { transaction -> [LuaValue] in
                source.current = try acting(transaction)
                defer { source.current = nil }
                // Creations and changes are events only when a workflow listens to them.
                transaction.recordEvents(queuing?.recording ?? .lifecycleOnly)
                let values = try state.call(chunk, [])
                if write { try committing(text, queuing: queuing, in: transaction) }
                return values
            }
            kept = write
            return .values(try values.map { try show($0, depth: 0) })
        } catch let error as LuaError {
            if case .limit = error.kind {
                // A state that hit a limit cannot go on.
                ended = "the session hit a limit and has ended; start comity repl again"
                return failed(text, error.message + " (" + (ended ?? "") + ")")
            }
            return failed(text, error.message)
        } catch {
            return failed(text, "\(error)")
        }
    }

    /// In a writing statement's transaction, before it commits: queues what its events
    /// start, and saves the session's record with what it has done so far.
    private func committing(_ text: String, queuing: EventQueuing?, in transaction: any StoreTransaction) throws {
        let events = try transaction.events(byRun: runID)
        let new = Array(events.dropFirst(eventsQueued))
        let queued = try queuing?.enqueue(new, causedBy: runID, depth: 0, in: transaction) ?? 0
        let counts = try transaction.changeCounts(byRun: runID)
        // The history keeps sessions that changed something.
        guard self.record != nil || counts != (0, 0) || queued > 0 else {
            eventsQueued = events.count
            return
        }
        var record = self.record ?? RunRecord(
            id: runID, workflow: nil, file: "repl", contentHash: "", trigger: RunTrigger(.repl), parameters: [:],
            clock: Timestamp(Date()), startedAt: Timestamp(Date()))
        var log = self.log
        log.append("statement \(number): " + Self.oneLine(text))
        (record.recordsCreated, record.recordsChanged) = counts
        record.log = log.lines
        try transaction.saveRun(record)
        // Only once the commit is certain (the caller's transaction may still fail).
        self.record = record
        self.log = log
        eventsQueued = events.count
        lastQueued = queued
    }

    private func failed(_ text: String, _ message: String) -> Outcome {
        if write {
            failedStatements += 1
            if firstFailure == nil { firstFailure = message }
            log.append("statement \(number) failed (rolled back): " + Self.oneLine(text) + " -- " + message)
        }
        return .failed(message)
    }

    /// Ends a writing session's record in the run history: `succeeded` when every
    /// statement did, `partial` when some failed and others were kept, `failed` when
    /// none was kept. A session that changed nothing and in which nothing failed leaves
    /// no record. When the database cannot take the record
    /// (locked, full), it waits in `spool` for the next command; it is never lost.
    public func finish(spool: RunRecordSpool? = nil) throws {
        guard write, record != nil || failedStatements > 0 else { return }
        var record = self.record ?? RunRecord(
            id: runID, workflow: nil, file: "repl", contentHash: "", trigger: RunTrigger(.repl), parameters: [:],
            clock: Timestamp(Date()), startedAt: Timestamp(Date()))
        record.endedAt = Timestamp(Date())
        record.outcome = failedStatements == 0 ? .succeeded : (self.record == nil ? .failed : .partial)
        if let firstFailure {
            record.error = "\(failedStatements) statement(s) failed and were rolled back; the first: \(firstFailure)"
        }
        record.log = log.lines
        let finished = record
        do {
            try store.write(commit: true) { try $0.saveRun(finished) }
        } catch {
            guard let spool else { throw error }
            try spool.keep(finished)
        }
        self.record = finished
    }

    private static func oneLine(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count > 200 ? String(line.prefix(200)) + "..." : line
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
            defer {
                state.savepointsEnded(undone: !kept)
                records?.statementEnded(kept: kept)
            }
            let value = try store.write(commit: write) { transaction -> LuaValue in
                source.current = try acting(transaction)
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
