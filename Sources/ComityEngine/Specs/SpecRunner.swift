import ComityCore
import Foundation
import Logging
import LuaBridge

/// `comity test`: runs `*_spec.lua` files. Every case (`it`) gets an empty database
/// in memory, a clock it can move (`clock.advance`), the whole Lua API, fixtures, and
/// `run_workflow`, which runs a workflow as `comity run` would, then the workflows
/// its events trigger, synchronously.
public struct SpecRunner {
    public var workspace: URL
    public var schema: DomainSchema
    public var api: APIRegistry
    public var timeZone: TimeZone
    /// Where every case's clock starts.
    public var start: Timestamp
    public var logger: Logger
    /// An empty store for each case (in memory: the engine names no database library).
    public var makeStore: () throws -> any Store

    /// `start` defaults to 2021-01-26T12:00:00Z.
    public init(workspace: URL, schema: DomainSchema = .standard, api: APIRegistry = .core, timeZone: TimeZone = .gmt,
                start: Timestamp = Timestamp(secondsSince1970: 1_611_662_400), logger: Logger = Logger(label: "comity.test"),
                makeStore: @escaping () throws -> any Store) {
        self.makeStore = makeStore
        self.workspace = workspace
        self.schema = schema
        self.api = api
        self.timeZone = timeZone
        self.start = start
        self.logger = logger
    }

    /// One case's result.
    public struct CaseResult: Sendable, Codable, Equatable {
        public var file: String
        public var name: String
        public var passed: Bool
        /// `spec.lua:12: expected 3, got 2`, for a failure.
        public var failure: String?
        public var seconds: Double
        /// What the case and its runs printed.
        public var output: [String]
    }

    /// The spec files under `paths` (files or folders), sorted.
    public static func specFiles(_ paths: [URL]) -> [URL] {
        var found: [URL] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isFolder) else { continue }
            if !isFolder.boolValue {
                found.append(path)
                continue
            }
            if let walker = FileManager.default.enumerator(at: path, includingPropertiesForKeys: nil) {
                for case let url as URL in walker where url.lastPathComponent.hasSuffix("_spec.lua") { found.append(url) }
            }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// Runs every case of `file`; `shown` names it in messages.
    public func run(file: URL, shownAs shown: String) -> [CaseResult] {
        // A first load to learn the cases; each then runs in a fresh load of its own.
        let names: [String]
        do {
            names = try caseNames(file, shown)
        } catch {
            return [CaseResult(file: shown, name: "(loading)", passed: false, failure: error.message, seconds: 0, output: [])]
        }
        if names.isEmpty {
            return [CaseResult(file: shown, name: "(no cases)", passed: false,
                               failure: "\(shown) declares no cases: it(\"does something\", function() ... end)", seconds: 0,
                               output: [])]
        }
        return names.indices.map { index in
            let clock = ContinuousClock()
            let started = clock.now
            var failure: String?
            let printed = PrintedLines()
            do {
                try runCase(index, file, shown, output: { printed.lines.append($0) })
            } catch let error as LuaError {
                failure = error.message
            } catch {
                failure = "\(error)"
            }
            let elapsed = clock.now - started
            let seconds = elapsed.inSeconds
            return CaseResult(file: shown, name: names[index], passed: failure == nil, failure: failure, seconds: seconds,
                              output: printed.lines)
        }
    }

    private final class PrintedLines {
        var lines: [String] = []
    }

    private func caseNames(_ file: URL, _ shown: String) throws(LuaError) -> [String] {
        let store: any Store
        do { store = try makeStore() } catch { throw LuaError(.runtime, "cannot make the spec's database: \(error)") }
        let spec = try prepare(file, shown, store: store, inbox: nil, output: { _ in })
        defer { spec.sandbox.close() }
        return spec.cases.map(\.name)
    }

    private func runCase(_ index: Int, _ file: URL, _ shown: String, output: @escaping (String) -> Void) throws(LuaError) {
        let store: any Store
        do { store = try makeStore() } catch { throw LuaError(.runtime, "cannot make the spec's database: \(error)") }
        // An inbox of its own, filled by `inbox_put`, gone after the case.
        let inbox = FileManager.default.temporaryDirectory.appendingPathComponent("comity-spec-inbox-\(UUID().uuidString)")
        do { try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true) } catch {
            throw LuaError(.runtime, "cannot make the spec's inbox: \(error)")
        }
        defer { try? FileManager.default.removeItem(at: inbox) }
        let spec = try prepare(file, shown, store: store, inbox: inbox, output: output)
        defer { spec.sandbox.close() }
        try spec.sandbox.state.call(spec.cases[index].body, [])
    }

    private struct PreparedSpec {
        let sandbox: LuaSandbox
        let cases: [(name: String, body: LuaValue)]
    }

    private func prepare(_ file: URL, _ shown: String, store: any Store, inbox: URL?, output: @escaping (String) -> Void) throws(LuaError) -> PreparedSpec {
        // A spec runs with the workspace's authority: a plugin's file never does.
        if let plugin = try PluginCodeOwner.plugin(owning: file, in: workspace.appendingPathComponent("Plugins")) {
            throw LuaError(.runtime, "\(shown) is in plugin '\(plugin)''s folder: a spec runs with the workspace's authority, which a plugin's code never has; keep specs in Scripts/")
        }
        let folder = file.deletingLastPathComponent()
        let sandbox = try LuaSandbox(
            limits: LuaLimits(memory: 256 << 20, time: .seconds(60), instructions: nil, output: 4 << 20),
            moduleRoots: [workspace.appendingPathComponent("Scripts"), workspace.appendingPathComponent("Plugins"), folder],
            output: output)
        do {
            let state = sandbox.state
            try state.setGlobal(HostGlobal.params.rawValue, .table(LuaTable()))
            try WorkflowDeclaration.install(in: state, schema: schema)
            let context = try api.install(in: sandbox, now: start, timeZone: timeZone, schema: schema,
                                          transaction: ForwardingTransaction(AutocommitSource(store)), run: "spec")
            context.inbox = inbox
            // A spec has no plugins loaded: their code does not run with its authority.
            PluginRuntime.refusePluginModules(in: sandbox, workspace: workspace)
            let caseList = try sandbox.run(SpecPrelude.source, chunkName: "=(spec prelude)").first ?? .nil
            try installHelpers(state, context: context, store: store, folder: folder, inbox: inbox, output: output)
            _ = try sandbox.runFile(file.path, chunkName: shown)
            guard case .table(let list) = try state.call(caseList, []).first else { return PreparedSpec(sandbox: sandbox, cases: []) }
            let cases = list.array.compactMap { entry -> (String, LuaValue)? in
                guard case .table(let item) = entry, let name = item["name"].stringValue else { return nil }
                return (name, item["body"])
            }
            return PreparedSpec(sandbox: sandbox, cases: cases)
        } catch {
            sandbox.close()
            throw error
        }
    }

    /// `clock`, `fixture` and `run_workflow`.
    private func installHelpers(_ state: LuaState, context: APIContext, store: any Store, folder: URL, inbox: URL?,
                                output: @escaping (String) -> Void) throws(LuaError) {
        try state.register("outbox") { call in
            let messages = try store.read { try $0.messages(nil, withAttachmentData: false) }
            // `to` as one text (`a@b.org, Anna <c@d.org>`), as a spec compares it; the
            // other lists as lists.
            func list(_ addresses: [MailAddress]) -> LuaValue {
                .table(LuaTable(array: addresses.map { .string(LuaString($0.description)) }))
            }
            return try call.returning(.table(LuaTable(array: messages.map { message in
                var fields: [LuaValue: LuaValue] = [
                    "to": .string(LuaString(message.to.map(\.description).joined(separator: ", "))),
                    "cc": list(message.cc), "bcc": list(message.bcc), "reply_to": list(message.replyTo),
                    "subject": .string(LuaString(message.subject)), "body": .string(LuaString(message.body)),
                    "status": .string(LuaString(message.status.rawValue)),
                    "attachments": .table(LuaTable(array: message.attachments.map { attachment in
                        .table(LuaTable(hash: [
                            "name": .string(LuaString(attachment.filename)), "content_type": .string(LuaString(attachment.contentType)),
                            "size": .integer(Int64(attachment.size)),
                        ]))
                    })),
                ]
                if let html = message.html { fields["html"] = .string(LuaString(html)) }
                return .table(LuaTable(hash: fields))
            })))
        }
        try state.register("inbox_put") { call in
            let name = try call.string(1)
            guard let inbox, !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
                throw LuaArgumentError(index: 1, problem: "a file name for the case's inbox expected, got '\(name)'")
            }
            try Data(try call.bytes(2)).write(to: inbox.appendingPathComponent(name))
            return LuaResults(count: 0)
        }
        let times = context.types
        let now = try state.function("clock.now") { call in try times.push(context.now, call) }
        let advance = try state.function("clock.advance") { call in
            let span = try call.object(1, as: times.duration).value
            context.now = try context.now.adding(span)
            return try times.push(context.now, call)
        }
        let set = try state.function("clock.set") { [timeZone] call in
            if let time = call.optionalObject(1, as: times.time) {
                context.now = time.value
            } else {
                context.now = try Timestamp(parsing: try call.string(1), in: timeZone)
            }
            return try times.push(context.now, call)
        }
        try state.setGlobal("clock", .table(LuaTable(hash: ["now": now, "advance": advance, "set": set])))

        try state.register("fixture") { call in
            let name = try call.string(1)
            guard !name.contains(".."), !name.hasPrefix("/") else {
                throw LuaArgumentError(index: 1, problem: "a fixture is named inside the spec's fixtures/ folder, got '\(name)'")
            }
            let path = folder.appendingPathComponent("fixtures/\(name).lua")
            guard FileManager.default.fileExists(atPath: path.path) else {
                throw LuaScriptError("no fixture '\(name)' (looked for \(path.path))")
            }
            let chunk = try call.state.load(Array(try Data(contentsOf: path)), chunkName: "fixtures/\(name).lua")
            return try call.returning(try call.state.call(chunk, []).first ?? .nil)
        }

        try state.register("run_workflow") { [workspace, timeZone, api, logger] call in
            let file = try call.string(1)
            var parameters: [String: String] = [:]
            if !call.isNil(2) {
                for (key, value) in try call.table(2).hash {
                    guard let name = key.stringValue else { throw LuaArgumentError(index: 2, problem: "parameter names must be strings") }
                    switch value {
                    case .string(let s): parameters[name] = s.description
                    case .integer(let i): parameters[name] = String(i)
                    case .number(let d): parameters[name] = String(d)
                    case .boolean(let b): parameters[name] = String(b)
                    default: throw LuaArgumentError(index: 2, problem: "parameter '\(name)' must be a string, number or boolean")
                    }
                }
            }
            var runner = ScriptRunner(workspace: workspace, parameters: parameters, now: context.now, timeZone: timeZone, api: api,
                                      store: store, logger: logger)
            runner.inbox = inbox
            var lines: [String] = []
            let path = file.hasPrefix("/") ? file : workspace.appendingPathComponent(file).path
            let run = runner.run(file: path, shownAs: file) { line in lines.append(line); output(line) }
            let triggered = try TriggerQueue(runner: runner).drain { line in lines.append(line); output(line) }
            var result = Self.table(run)
            result[SpecRunField.output.rawValue] = .table(LuaTable(array: lines.map { .string(LuaString($0)) }))
            result[SpecRunField.triggered.rawValue] = .table(LuaTable(array: triggered.map { .table(Self.table($0)) }))
            return try call.returning(.table(result))
        }
    }

    private static func table(_ run: ScriptRun) -> LuaTable {
        // By the names the registry documents (`SpecRunField`); output and triggered are set by the caller.
        var table = LuaTable()
        table[SpecRunField.id.rawValue] = .string(LuaString(run.id))
        table[SpecRunField.outcome.rawValue] = .string(LuaString(run.record.outcome.rawValue))
        table[SpecRunField.created.rawValue] = .integer(Int64(run.record.recordsCreated))
        table[SpecRunField.changed.rawValue] = .integer(Int64(run.record.recordsChanged))
        table[SpecRunField.log.rawValue] = .table(LuaTable(array: run.record.log.map { .string(LuaString($0)) }))
        if let workflow = run.workflowName { table[SpecRunField.workflow.rawValue] = .string(LuaString(workflow)) }
        if let error = run.outcome.error { table[SpecRunField.error.rawValue] = .string(LuaString(error.message)) }
        return table
    }
}
