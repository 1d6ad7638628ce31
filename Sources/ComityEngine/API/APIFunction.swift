import ComityCore
import ComityReports
import Foundation
import LuaBridge

/// What a function of the Lua API gets besides its arguments: the run it serves.
public final class APIContext {
    /// The run's clock: `time.now()`. Fixed for the whole run (`--now` sets it); only
    /// a spec's `clock` moves it.
    public internal(set) var now: Timestamp {
        didSet { records?.now = now }
    }
    /// The workspace's time zone, for reading and writing local times.
    public let timeZone: TimeZone
    /// The run's id, kept with every change it makes.
    public let run: String?
    /// The registry's Lua types in this run's state.
    let types: APIValueTypes
    /// Records in this run's state; nil when the run has no store.
    let records: RecordBindings?
    /// The transaction the API works on: the run's, or a principal's view of it (see `act`).
    private let acting: ActingTransaction?
    private var store: (any StoreTransaction)? { acting?.current }
    /// The message of the last value an API function refused as invalid.
    var lastRefusal: String?
    /// Set when a call found the database unreachable.
    var storeUnavailable = false
    /// The folder scripts read files from (the workspace's `inbox/`); nil for runs
    /// without one.
    var inbox: URL?
    /// Files to move once the run commits (`inbox.move`), each with the folder (the
    /// resolved `inbox/`) its destination must stay inside.
    var pendingMoves: [(from: URL, to: URL, within: URL)] = []
    /// The largest file `csv.read` and `json.read` take (`files.max_size`).
    var maxFileSize = FileSettings().maxSize
    /// The workspace's plugins, loaded into this run as they are used.
    var plugins: PluginRuntime?
    /// The API's functions as bound for the workspace's own scripts, by namespace
    /// (`""` for globals): plugins' environments are made from them.
    var workspaceBindings: [String: LuaTable] = [:]
    /// The registry this run's API came from.
    var registry: APIRegistry?
    /// Where `secrets.get` finds values; nil when the run has no workspace.
    var secrets: SecretStore?
    /// Secrets read in this run, kept out of its log, errors and output.
    var secretValues: [(name: String, value: String)] = []
    /// Renders a report of `Scripts/reports/` in this run, for `mail.send`'s `attach`
    /// (`report`, format, parameters → its text); set by the runner for the run's length.
    var reportAttachment: ((_ report: String, _ format: ReportFormat, _ parameters: [String: String]) throws -> String)?

    /// `text` with every secret this run read replaced by `[secret NAME]`.
    func redacted(_ text: String) -> String {
        secretValues.reduce(text) { text, secret in
            secret.value.isEmpty ? text : text.replacingOccurrences(of: secret.value, with: "[secret \(secret.name)]")
        }
    }

    /// Refuses a call by plugin `plugin`'s code that needs `permission` unless its
    /// manifest asks for it and comity.lua grants it.
    func checkPermission(_ permission: String, plugin: String, for function: String) throws {
        guard let plugins else {
            throw LuaScriptError("plugin '\(plugin)' called \(function), which needs permission \(Self.permissionText(permission)); this run has no plugins loaded")
        }
        let declared = plugins.catalog.plugin(named: plugin)?.manifest?.permissions ?? []
        let asked = Self.permissionText(permission)
        guard declared.contains(permission) else {
            throw LuaScriptError("plugin '\(plugin)' called \(function), which needs permission \(asked); its manifest does not ask for it (permissions = { \(asked) } in Plugins/\(plugin)/plugin.lua)")
        }
        guard plugins.catalog.grants[plugin]?.contains(permission) == true else {
            throw LuaScriptError("plugin '\(plugin)' needs permission \(asked) for \(function), which comity.lua does not grant it (plugins = { \(plugin) = { \(asked) } })")
        }
    }

    /// `send_mail` as written in Lua: `"send_mail"`, `secrets = { "KEY" }`.
    static func permissionText(_ permission: String) -> String {
        let parts = permission.split(separator: ":", maxSplits: 1).map(String.init)
        return parts.count == 2 ? "\(parts[0]) = { \"\(parts[1])\" }" : "\"\(permission)\""
    }

    init(now: Timestamp, timeZone: TimeZone, run: String?, types: APIValueTypes, records: RecordBindings?,
         acting: ActingTransaction?) {
        self.now = now
        self.timeZone = timeZone
        self.run = run
        self.types = types
        self.records = records
        self.acting = acting
    }

    /// From now on the run's API calls go through `transaction` (a workflow's `run_as`).
    func act(through transaction: any StoreTransaction) { acting?.current = transaction }

    /// The transaction the API works on now.
    var actingTransaction: (any StoreTransaction)? { acting?.current }

    /// The principal the run acts as, if any.
    var principal: AccessPolicy? { (acting?.current as? PrincipalTransaction)?.policy }

    /// Who changes records, and when: this run, at its clock.
    /// Every write asks for its context here, so writes are counted here, and the
    /// `pcall` frames around the code that writes get their savepoints here.
    var change: ChangeContext {
        get throws {
            try beforeWrite()
            progress?.recordWrite()
            return ChangeContext(run: run, at: now, timeZone: timeZone)
        }
    }
    /// The state whose `pcall` frames keep what the API writes (see `beforeWrite`).
    /// Unowned: it is read before every write (a weak load showed in a create's cost),
    /// and the state outlives every call of the API installed in it.
    unowned(unsafe) var state: LuaState?

    /// Called before every write the API makes for a script (records, mail, once-keys):
    /// an error caught by `pcall` keeps nothing written inside it, and the savepoint
    /// that takes is opened here, lazily, only for frames that write.
    func beforeWrite() throws {
        try state?.beforeWrite()
    }
    /// Shown on a terminal during long runs.
    var progress: RunProgress?

    /// The run's transaction, or an error naming what needed it.
    func transaction(for function: String) throws -> any StoreTransaction {
        guard let store else {
            throw LuaScriptError("'\(function)' needs the workspace's database, and this run has none")
        }
        return store
    }

    func recordBindings(for function: String) throws -> RecordBindings {
        guard let records else {
            throw LuaScriptError("'\(function)' needs the workspace's database, and this run has none")
        }
        return records
    }
}

/// A Swift implementation of an API function; its arguments are already checked
/// against the declaration.
public typealias APIImplementation = (borrowing LuaCall, APIContext) throws -> LuaResults

/// One function of the Lua API, declared once: from this come its binding, its
/// argument checks and their messages, its Markdown reference and its LuaLS stub.
public struct APIFunction {
    /// The dotted name scripts call: `money`, `time.days`, `grants.award`.
    public let name: String
    public let summary: String
    public let parameters: [APIParameter]
    public let results: [APIResult]
    /// Who declared it: `core`, or a plugin's name.
    public let origin: String
    public let implementation: APIImplementation?
    /// What a plugin's code must be granted to call it (`read_inbox`, `send_mail`);
    /// workflows themselves need nothing.
    public private(set) var permission: APIPermission?

    /// - Parameter implementation: nil for a function the engine installs itself
    ///   (such as `workflow`), declared here for the reference and the stubs.
    public init(
        _ name: String, summary: String, parameters: [APIParameter] = [], results: [APIResult] = [],
        origin: String = "core", implementation: APIImplementation?
    ) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.results = results
        self.origin = origin
        self.implementation = implementation
    }

    /// The same function, needing `permission` when a plugin calls it.
    public func requiring(_ permission: String) -> APIFunction {
        requiring(.named(permission))
    }

    public func requiring(_ permission: APIPermission) -> APIFunction {
        var copy = self
        copy.permission = permission
        return copy
    }

    /// The namespace (`time`) and the name within it (`days`); no namespace for globals.
    var path: (namespace: [String], leaf: String) {
        // Asked for every function of every run: most names have one dot, and no
        // general split is needed for them.
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")) else { return ([], name) }
        let namespace = name[..<dot]
        let leaf = String(name[name.index(after: dot)...])
        guard !leaf.isEmpty else {
            let parts = name.split(separator: ".").map(String.init)
            return (Array(parts.dropLast()), parts.last ?? name)
        }
        let nested = namespace.isEmpty || namespace.utf8.contains(UInt8(ascii: "."))
        return (nested ? namespace.split(separator: ".").map(String.init) : [String(namespace)], leaf)
    }
}

/// A type of the Lua API: its fields and operators, for the reference and the stubs.
public struct APITypeDeclaration: Sendable {
    public let name: String
    public let summary: String
    public let fields: [APIField]
    /// Called with a colon: `t:format("%Y")`. Implemented by the type's binding.
    public let methods: [APIMethod]
    /// LuaLS operator lines, e.g. `add(Money): Money`.
    public let operators: [String]
    /// A plain Lua table a script writes or is given (`workflow { ... }`, `ctx`), not a
    /// userdata whose fields call into the host (`Money`, `Grant`).
    public let isPlainTable: Bool

    public init(_ name: String, summary: String, fields: [APIField] = [], methods: [APIMethod] = [], operators: [String] = [],
                isPlainTable: Bool = false) {
        self.name = name
        self.summary = summary
        self.fields = fields
        self.methods = methods
        self.operators = operators
        self.isPlainTable = isPlainTable
    }
}

/// A method of an API type, for the reference and the stubs.
public struct APIMethod: Sendable {
    public let name: String
    public let summary: String
    public let parameters: [APIParameter]
    public let results: [APIResult]

    public init(_ name: String, summary: String, parameters: [APIParameter] = [], results: [APIResult] = []) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.results = results
    }
}

/// The transaction a run's API calls go to, which a workflow's `run_as` replaces with a
/// principal's view of it once its declaration is read.
final class ActingTransaction {
    var current: any StoreTransaction
    init(_ transaction: any StoreTransaction) { current = transaction }
}
