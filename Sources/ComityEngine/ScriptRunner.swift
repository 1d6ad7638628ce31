import ComityCore
import ComityReports
import Crypto
import Foundation
import HumanReadable
import Logging
import LuaBridge

/// Runs scripts, each in a fresh sandbox of its own: a plain script runs top to
/// bottom; a script that returns `workflow { name = ..., run = function(ctx) ... end }`
/// then has its `run` called with a context. With a store, every run is recorded in
/// the run history, and the domain events it commits queue the workflows they trigger.
public struct ScriptRunner {
    /// The workspace folder: relative script paths start here, and `require` loads
    /// modules from its `Scripts/` and `Plugins/`.
    public var workspace: URL
    public var limits: LuaLimits
    /// Run parameters, `--param key=value` on the command line.
    public var parameters: [String: String]
    /// The run's clock (`time.now()`); nil for the moment the run starts.
    public var now: Timestamp?
    /// The workspace's time zone, for local times in scripts.
    public var timeZone: TimeZone
    /// The Lua API installed into every run.
    public var api: APIRegistry
    /// The workspace's records; nil runs scripts without a database.
    public var store: (any Store)?
    /// Roll back whatever the run writes, and report it instead.
    public var dryRun: Bool
    /// The person the run acts as (an id, an email or a name): it sees and changes only
    /// what they may (see `AccessPolicy`). Nil for the workspace, which may do anything,
    /// unless the workflow declares `run_as`.
    public var principal: String?
    /// The person each webhook's runs act as (`hooks.NAME.run_as`), by hook name.
    public var hookPrincipals: [String: String] = [:]
    public var logger: Logger
    /// Runs triggered by runs triggered by ... stop at this depth, with a recorded error.
    public var maxTriggerDepth: Int
    /// Limits given on the command line win over a workflow's own `limits`.
    public var limitsFromCommandLine: Bool
    /// Counts the records runs write, for a progress line.
    public var progress: RunProgress?
    /// Where scripts read files (`inbox.files`, `csv.read`); the workspace's `inbox/`
    /// when nil. A spec case has one of its own.
    public var inbox: URL?
    /// The largest file a script may read from the inbox (`files.max_size` in comity.lua).
    public var maxFileSize = FileSettings().maxSize
    /// Bytes of `ctx.log` a run keeps in its record (`--max-log`), 1 MB by default; nil
    /// keeps everything. Later lines are dropped and counted in a last line. A failed
    /// run's error and traceback are kept to 64 KB each (or this, if smaller).
    public var maxLog: Int? = 1 << 20
    /// Stops the run from another thread (a daemon shutting down); it is then
    /// recorded as `cancelled`, and nothing it wrote is kept.
    public var cancellation: LuaCancellation?
    /// Reads a script's bytes (path, name shown in errors): once per run. A seam, so
    /// that tests can count the reads.
    var readScript: (String, String) throws(LuaError) -> Data = { path, shown throws(LuaError) in
        try ScriptFile.contents(path, shownAs: shown)
    }
    /// Called in a successful run's transaction just before it commits: a scheduled
    /// run marks its slot done there, so the slot and the run's writes are kept together
    /// or not at all. Throwing rolls the run back and fails it.
    public var beforeCommit: ((any StoreTransaction, _ runID: String) throws -> Void)?
    /// The workspace's plugins; their functions must be in `api` (`PluginCatalog.register`).
    public var plugins: PluginCatalog?
    /// A plugin's report renderer (`slides.render`): called with the report the script
    /// returns, in the run's state; its text becomes `ScriptRun.rendered`.
    public var renderer: String?
    /// Where a run's record goes when the database cannot take it (locked past the
    /// wait, full): a later command writes it. Without one, such a record is logged only.
    public var spool: RunRecordSpool?

    public init(
        workspace: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        limits: LuaLimits = .default, parameters: [String: String] = [:], now: Timestamp? = nil,
        timeZone: TimeZone = .gmt, api: APIRegistry = .core, store: (any Store)? = nil, dryRun: Bool = false,
        logger: Logger = Logger(label: "comity.run"), maxTriggerDepth: Int = 8, limitsFromCommandLine: Bool = false
    ) {
        self.store = store
        self.dryRun = dryRun
        self.workspace = workspace
        self.limits = limits
        self.parameters = parameters
        self.now = now
        self.timeZone = timeZone
        self.api = api
        self.logger = logger
        self.maxTriggerDepth = maxTriggerDepth
        self.limitsFromCommandLine = limitsFromCommandLine
    }

    /// Folders `require` loads modules from.
    public var moduleRoots: [URL] {
        [workspace.appendingPathComponent("Scripts"), workspace.appendingPathComponent("Plugins")]
    }

    /// Runs one script file (a path relative to the workspace, or absolute); `output`
    /// receives each printed line. Never throws: a failure is the run's outcome. With
    /// a store the run is one transaction, committed only when the run succeeds and
    /// is not a dry run, and it is recorded in the run history either way.
    /// - Parameters:
    ///   - id: the run's id when it was recorded already (a queued run is recorded as it
    ///     is taken off the queue); a new one otherwise.
    ///   - workflow: the workflow the run is for (a queued run, a slot, a retry): the
    ///     file is run only if it still declares that workflow, since the file may have
    ///     been edited, or a kept catalog forged, since the run was queued.
    public func run(
        file: String, shownAs name: String? = nil, trigger: RunTrigger = .manual, attempt: Int = 1, id: String? = nil,
        workflow expected: String? = nil, output: @escaping (String) -> Void
    ) -> ScriptRun {
        let shown = name ?? file
        let path = file.hasPrefix("/") ? file : workspace.appendingPathComponent(file).path
        let clock = ContinuousClock()
        let start = clock.now
        let runID = id ?? UUID().uuidString.lowercased()
        // Read once: the hash recorded is of the bytes that run. A file that cannot be
        // read fails the run where it would have run, after its start is recorded.
        let source = Result { () throws(LuaError) in try readScript(path, shown) }
        var record = RunRecord(
            id: runID, workflow: expected, file: shown, contentHash: (try? source.get()).map(Self.contentHash) ?? "", trigger: trigger,
            parameters: parameters, clock: now ?? Timestamp(Date()), startedAt: Timestamp(Date()), dryRun: dryRun,
            attempt: attempt)
        let report = RunReport()
        report.log = RunLog(cap: maxLog)
        var outcome = ScriptRun.Outcome.succeeded
        var queued = 0
        // The database refused the run's first record: its end goes to the spool at
        // once rather than waiting out the same lock a second time.
        var unrecordable = false
        // Whether the run's end was written with its commit: when the commit itself fails
        // (a full disk), the record written in it is gone too, and is written again below.
        var recordCommitted = false
        do {
            if let store {
                // Recorded as running before it starts (a queued run was, as it was taken
                // off the queue): a crash leaves it to be found. A run that cannot be
                // recorded does not start.
                if id == nil {
                    do {
                        try store.write(commit: true) { try $0.saveRun(record) }
                    } catch {
                        unrecordable = true
                        if let refusal = error as? StoreError, refusal.kind == .locked || refusal.kind == .unavailable { report.storeRefusal = refusal }
                        throw LuaError(.runtime, "not run: its start could not be recorded: \(error)")
                    }
                }
                // What the workflows listen to, read before the run: its creations and
                // changes are recorded as events only if some workflow would hear them.
                let queuing = eventQueuing(store)
                // A failure throws out of the transaction, which rolls back: nothing of a
                // failed run is kept.
                try store.write(commit: !dryRun) { transaction in
                    transaction.recordEvents(queuing.recording)
                    // Shares end by the real clock, whatever clock the run is given (--now).
                    // `--as` may name anyone; a hook's `run_as`, written down ahead, names a member.
                    let acting = try (principal ?? triggerPrincipal(of: trigger, in: transaction)).map {
                        try actingTransaction(transaction, as: $0, clock: Timestamp(Date()), schema: store.schema, membersOnly: principal == nil)
                    }
                    report.actingAs = (acting as? PrincipalTransaction)?.policy.name
                    try execute(path, source: source, shownAs: shown, runID: runID, trigger: trigger, clock: record.clock,
                                expected: expected, transaction: acting ?? transaction, report: report, output: output)
                    let counts = try transaction.changeCounts(byRun: runID)
                    (record.recordsCreated, record.recordsChanged) = counts
                    report.events = try transaction.events(byRun: runID)
                    if dryRun {
                        // Its audit is about to be rolled back: carry it out (as the person
                        // the run acted as sees it), and what it would have queued.
                        report.changes = try (report.context?.actingTransaction ?? transaction).changes(byRun: runID)
                        report.wouldQueue = queuing.triggered(by: report.events).map {
                            QueuedWorkflow(workflow: $0.workflow.name, event: $0.event.name)
                        }
                    } else {
                        queued = try queuing.enqueue(report.events, causedBy: runID, depth: trigger.depth, in: transaction)
                        record = finished(record, report, outcome: report.duplicateOf == nil ? .succeeded : .skipped, error: nil)
                        do {
                            try beforeCommit?(transaction, runID)
                        } catch {
                            throw RunFailed(error: LuaError(.runtime, "\(error)"))
                        }
                        try transaction.saveRun(record) // with the commit: succeeded means kept
                    }
                }
                recordCommitted = !dryRun
                if !dryRun { moveFiles(report.context?.pendingMoves ?? [], run: runID) }
            } else {
                try execute(path, source: source, shownAs: shown, runID: runID, trigger: trigger, clock: record.clock,
                            expected: expected, transaction: nil, report: report, output: output)
            }
        } catch let failure as RunFailed {
            outcome = .failed(Self.placed(failure.error, in: shown))
        } catch let error as LuaError {
            outcome = .failed(Self.placed(error, in: shown))
        } catch {
            if let refusal = error as? StoreError, refusal.kind == .locked || refusal.kind == .unavailable {
                report.storeRefusal = refusal
                if refusal.kind == .unavailable { report.storeUnavailable = true }
            }
            outcome = .failed(LuaError(.runtime, "\(error)"))
        }
        // No secret the run read is shown in its error.
        if case .failed(var error) = outcome, let context = report.context, !context.secretValues.isEmpty {
            error.message = context.redacted(error.message)
            error.traceback = context.redacted(error.traceback)
            outcome = .failed(error)
        }
        // Cut after redaction, so no part of a secret is left at the cut.
        if case .failed(var error) = outcome {
            let cap = min(maxLog ?? RunLog.errorCap, RunLog.errorCap)
            error.message = RunLog.cut(error.message, to: cap, what: "error")
            error.traceback = RunLog.cut(error.traceback, to: cap, what: "traceback")
            outcome = .failed(error)
        }
        if !recordCommitted {
            let error = outcome.error
            let kind: RunRecord.Outcome = switch error?.kind {
            case nil: .succeeded
            case .limit(.cancelled)?: .cancelled
            // Not a limit of the run's: a pcall's writes could not be undone exactly.
            case .limit(.savepoint)?: .failed
            case .limit?: .limit
            default: .failed
            }
            record = finished(record, report, outcome: kind, error: error)
            if let store { save(record, in: store, tryingStore: !unrecordable) }
        }
        let run = ScriptRun(
            id: runID, file: shown, workflowName: report.workflowName, outcome: outcome, dryRun: dryRun,
            duration: clock.now - start, memoryPeak: report.memoryPeak,
            changes: outcome == .succeeded ? report.changes : [], events: outcome == .succeeded && !dryRun ? report.events : [],
            record: record, errorKind: outcome.error.map { report.errorKind(of: $0) }, queued: queued,
            retry: report.declaration?.retry ?? .none, report: outcome == .succeeded ? report.document : nil,
            rendered: outcome == .succeeded ? report.rendered : nil,
            wouldQueue: outcome == .succeeded ? report.wouldQueue : [], storeRefusal: outcome == .succeeded ? nil : report.storeRefusal)
        logger.info(
            "run \(record.outcome.rawValue)",
            metadata: [
                "run": "\(runID)", "file": "\(shown)", "workflow": "\(report.workflowName ?? "-")",
                "trigger": "\(trigger.summary)", "duration": "\(run.duration)", "created": "\(record.recordsCreated)",
                "changed": "\(record.recordsChanged)", "queued": "\(queued)",
            ])
        return run
    }

    /// Writes a run's end into the history, or, when the database cannot take it, into
    /// the spool for a later command to write: never lost, never taken for a crash.
    private func save(_ record: RunRecord, in store: any Store, tryingStore: Bool) {
        var refusal: (any Error)?
        if tryingStore {
            do {
                try store.write(commit: true) { try $0.saveRun(record) }
                return
            } catch {
                refusal = error
            }
        }
        guard let spool else {
            logger.error("could not record the end of run \(record.id): \(refusal.map { "\($0)" } ?? "the database refused its start")")
            return
        }
        do {
            try spool.keep(record)
            logger.warning("run \(record.id) \(record.outcome.rawValue); its record waits in \(spool.folder.path) until the database can take it")
        } catch {
            logger.error("could not record the end of run \(record.id), in the database (\(refusal.map { "\($0)" } ?? "busy")) or in \(spool.folder.path) (\(error))")
        }
    }

    /// `inbox.move`s, done once the run has committed. A name taken in the target
    /// folder gets a number, so nothing is overwritten: the file is linked under its
    /// new name (which fails rather than replace a file) and then unlinked. The folder
    /// is checked again here: it may have become a link leading out since the call.
    private func moveFiles(_ moves: [(from: URL, to: URL, within: URL)], run: String) {
        for (source, target, root) in moves {
            do {
                let folder = target.deletingLastPathComponent()
                if let problem = FileAPI.outside(folder, root: root) {
                    throw LuaScriptError("'\(folder.lastPathComponent)' \(problem)")
                }
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                if let problem = FileAPI.outside(folder, root: root) {
                    throw LuaScriptError("'\(folder.lastPathComponent)' \(problem)")
                }
                var destination = target
                var number = 1
                while link(source.path, destination.path) != 0 {
                    guard errno == EEXIST else { throw LuaScriptError(String(cString: strerror(errno))) }
                    number += 1
                    let base = target.deletingPathExtension().lastPathComponent
                    let name = target.pathExtension.isEmpty ? "\(base)-\(number)" : "\(base)-\(number).\(target.pathExtension)"
                    destination = folder.appendingPathComponent(name)
                }
                guard unlink(source.path) == 0 else { throw LuaScriptError(String(cString: strerror(errno))) }
            } catch {
                logger.error("run \(run) committed, but \(source.lastPathComponent) could not be moved: \(error)")
            }
        }
    }

    private func finished(_ record: RunRecord, _ report: RunReport, outcome: RunRecord.Outcome, error: LuaError?) -> RunRecord {
        var record = record
        // A queued run, a slot or a retry keeps the workflow it was for when its script
        // failed before declaring it.
        record.workflow = report.workflowName ?? record.workflow
        record.parameters = report.parameters ?? record.parameters
        record.endedAt = Timestamp(Date())
        record.outcome = outcome
        record.error = error?.message
        record.traceback = error.flatMap { $0.traceback.isEmpty ? nil : $0.traceback }
        // Nor in its record.
        let redact = { (text: String) in report.context?.redacted(text) ?? text }
        record.error = record.error.map(redact)
        record.traceback = record.traceback.map(redact)
        record.log = report.log.lines.map(redact)
        record.actingAs = report.actingAs
        return record
    }

    /// SHA-256 of a script's bytes, as hex: which version of the file ran.
    /// A limit Lua could not place in the script (memory that ran out where Lua calls
    /// no message handler) named by its file at least, as every other failure is.
    static func placed(_ error: LuaError, in file: String) -> LuaError {
        guard case .limit = error.kind, error.position == nil, !error.message.hasPrefix(file + ":") else { return error }
        var placed = error
        placed.message = "\(file): \(error.message)"
        return placed
    }

    public static func contentHash(_ bytes: Data) -> String {
        HexText.lowercase(SHA256.hash(data: bytes))
    }

    /// What a run gathers on its way; a class, since `ctx.log` appends from Lua.
    final class RunReport {
        var workflowName: String?
        /// The person the run acts as (`AccessPolicy.name`), once it does.
        var actingAs: String?
        var declaration: WorkflowDeclaration?
        var parameters: [String: String]?
        var memoryPeak = 0
        var changes: [AuditEntry] = []
        var events: [DomainEvent] = []
        var wouldQueue: [QueuedWorkflow] = []
        var log = RunLog(cap: nil)
        /// The last invalid value an API function refused, to tell validation errors.
        var context: APIContext?
        /// The run's parameters did not pass the declaration's checks.
        var parametersRefused = false
        /// The store could not be reached to begin or commit the run.
        var storeUnavailable = false
        /// The store's refusal (locked, unreachable) that failed the run, if one did.
        var storeRefusal: StoreError?
        /// The `dedupe` key, when it had run already: this run then does nothing.
        var duplicateOf: String?
        /// What the script (or its workflow's `run`) returned, when it was `report {...}`.
        var document: ReportDocument?
        /// That report as the renderer wrote it.
        var rendered: String?

        func errorKind(of error: LuaError) -> String {
            switch error.kind {
            case .limit(.time): return "timeout"
            case .limit(.memory), .memory: return "memory"
            case .limit(.instructions): return "instructions"
            case .limit(.output): return "output"
            case .limit(.cancelled): return "cancelled"
            default:
                // Nothing was kept, and the same run may succeed once the database is back.
                if storeUnavailable || context?.storeUnavailable == true { return "unavailable" }
                if parametersRefused { return "validation" }
                if let refused = context?.lastRefusal, error.message.hasSuffix(refused) { return "validation" }
                return "error"
            }
        }
    }

    /// Carries a script's failure out of the store's transaction, which it rolls back.
    private struct RunFailed: Error {
        let error: LuaError
    }

    /// The person a run its trigger started acts as: a delivery's, as its hook says
    /// (`hooks.NAME.run_as`) in comity.lua now; an API run's, its token's.
    private func triggerPrincipal(of trigger: RunTrigger, in transaction: any StoreTransaction) throws -> String? {
        if trigger.kind == .hook, let hook = trigger.event { return hookPrincipals[hook] }
        return try tokenPrincipal(of: trigger, in: transaction)
    }

    /// The person a run started through the API acts as: its token's (`comity tokens
    /// create --as`), however long after it waited in the queue, and on every retry.
    private func tokenPrincipal(of trigger: RunTrigger, in transaction: any StoreTransaction) throws -> String? {
        guard trigger.kind == .api, let name = trigger.event,
              let person = try transaction.tokens().first(where: { $0.name == name })?.person else { return nil }
        return "person#\(person)"
    }

    /// The run's transaction as the person `named` sees it; an error that says who could
    /// not be found stops the run before it starts.
    private func actingTransaction(
        _ transaction: any StoreTransaction, as named: String, clock: Timestamp, schema: DomainSchema, membersOnly: Bool
    ) throws -> any StoreTransaction {
        do {
            return try PrincipalTransaction(transaction, actingAs: named, now: clock, timeZone: timeZone, schema: schema, membersOnly: membersOnly)
        } catch {
            throw LuaError(.runtime, "not run: acting as '\(named)': \(error)")
        }
    }

    /// A workflow's `run_as`: the workspace's run goes on as that person; a run that acts
    /// as someone already may go on only if it is the same person (no one acts for another).
    private func actAs(
        _ named: String, _ workflow: String, context: APIContext, transaction: any StoreTransaction, clock: Timestamp,
        schema: DomainSchema
    ) throws(LuaError) {
        do {
            if let current = context.principal {
                // Named as the workspace would name them, not as the acting person sees the people.
                let wanted = try? AccessPolicy.person(named: named, in: (transaction as? PrincipalTransaction)?.forwarded ?? transaction,
                                                      membersOnly: true)
                guard wanted?.reference == current.person else {
                    throw LuaError(.runtime, "not run: workflow '\(workflow)' runs as '\(named)', and \(current.name) may not act for anyone else")
                }
                return
            }
            context.act(through: try actingTransaction(transaction, as: named, clock: clock, schema: schema, membersOnly: true))
        } catch let error as LuaError {
            throw error
        } catch {
            throw LuaError(.runtime, "not run: \(error)")
        }
    }

    private func execute(
        _ path: String, source: Result<Data, LuaError>, shownAs shown: String, runID: String, trigger: RunTrigger, clock: Timestamp,
        expected: String?, transaction: (any StoreTransaction)?, report: RunReport, output: @escaping (String) -> Void
    ) throws {
        // Printed lines pass through the run's secrets filter.
        let sandbox = try LuaSandbox(limits: limits, moduleRoots: moduleRoots, output: { [report] line in
            output(report.context?.redacted(line) ?? line)
        }, cancellation: cancellation)
        // The script may compute as long as its limit between two calls of the store.
        try transaction?.allowIdle(upTo: limits.time)
        defer {
            // The hook holds the sandbox; the context outlives the run in its report.
            report.context?.reportAttachment = nil
            sandbox.close()
            report.memoryPeak = sandbox.state.memoryPeak
        }
        do throws(LuaError) {
            let state = sandbox.state
            var plain = LuaTable()
            for (key, value) in parameters { plain[key] = .string(LuaString(value)) }
            try state.setGlobal(HostGlobal.params.rawValue, .table(plain))
            let schema = store?.schema ?? .standard
            try WorkflowDeclaration.install(in: state, schema: schema)
            let context = try api.install(in: sandbox, now: clock, timeZone: timeZone, schema: schema,
                                          transaction: transaction, run: runID)
            report.context = context
            context.secrets = SecretStore(workspace: workspace)
            // Native plugins' namespaces can be required too.
            for origin in Set(api.functions.map(\.origin)) where origin != "core" && plugins?.plugin(named: origin) == nil {
                try sandbox.provideModule(origin, fromGlobal: origin)
            }
            context.progress = progress
            context.inbox = inbox ?? workspace.appendingPathComponent("inbox")
            context.maxFileSize = maxFileSize
            var attaching = false
            context.reportAttachment = { [unowned context] name, format, given in
                // A report attached to mail attaching a report would have no end.
                guard !attaching else { throw LuaScriptError("mail.send: a report attached to a message cannot attach a report itself") }
                attaching = true
                defer { attaching = false }
                return try attachedReport(name, format: format, parameters: given, sandbox: sandbox, schema: schema, runID: runID,
                                          context: context, transaction: transaction, report: report)
            }
            try ReportValues.installReport(in: state, context: context, records: context.records)
            // Last, once every global is in place: plugins' environments start from them.
            if let plugins {
                context.plugins = try PluginRuntime(catalog: plugins, sandbox: sandbox, context: context,
                                                    folder: workspace.appendingPathComponent("Plugins"))
            }
            // A plugin's workflow runs as the plugin, in its environment: with its
            // permissions only.
            let environment = try PluginRuntime.environment(of: path, shownAs: shown, in: workspace, plugins: context.plugins)
            if context.plugins == nil { PluginRuntime.refusePluginModules(in: sandbox, workspace: workspace) }
            let chunk = try state.load(ScriptFile.runnable(try source.get()), chunkName: shown, environment: environment)
            let results = try state.call(chunk, [])
            let declared = try WorkflowDeclaration(results.first, schema: schema)
            if let expected, declared?.name != expected {
                // What its top level wrote goes with the failed run's transaction. The
                // catalog that sent the run here is wrong: read afresh next time.
                WorkflowCatalog.forgetKept(workspace: workspace)
                throw LuaError(.runtime, "not run: \(shown) no longer declares workflow '\(expected)' ("
                    + (declared.map { "it declares '\($0.name)'" } ?? "it returns no workflow")
                    + "); see 'comity workflows' for what the scripts declare now")
            }
            guard let declaration = declared else {
                report.document = try ReportValues.document(results.first, state: state, context: context, records: context.records)
                try render(results.first, state: state, into: report)
                return
            }
            let owner = try PluginCodeOwner.plugin(owning: URL(fileURLWithPath: path), in: workspace.appendingPathComponent("Plugins"))
            if let owner { try PluginCodeOwner.checkWorkflowName(declaration.name, plugin: owner, file: shown) }
            report.workflowName = declaration.name
            report.declaration = declaration
            if let runAs = declaration.runAs, let transaction {
                try actAs(runAs, declaration.name, context: context, transaction: transaction, clock: Timestamp(Date()), schema: schema)
                report.actingAs = (context.actingTransaction as? PrincipalTransaction)?.policy.name ?? report.actingAs
            }
            // From here on (the trigger's record and data, once-keys), as the run acts.
            let transaction = context.actingTransaction ?? transaction
            // A workflow's own limits govern its run unless the command line set them.
            if !limitsFromCommandLine, let declared = declaration.limits {
                sandbox.changeLimits(declared)
                do {
                    try transaction?.allowIdle(upTo: declared.time)
                } catch {
                    throw LuaError(.runtime, "not run: \(error)")
                }
            }
            let typed: (values: [String: TypedParameter], text: [String: String])
            do {
                typed = try checkedParameters(declaration, given: parameters)
            } catch {
                report.parametersRefused = true
                throw error
            }
            report.parameters = typed.text
            let ctx = try contextTable(declaration, runID: runID, trigger: trigger, parameters: typed.values,
                                       state: state, context: context, transaction: transaction, report: report,
                                       origin: owner.map { .plugin($0) } ?? .workspace)
            if let dedupe = declaration.dedupe, let transaction {
                // Two triggers for the same thing make one run: the first to commit
                // claims the key; a later one is recorded as skipped.
                let key = try state.call(dedupe, reference: ctx).first ?? .nil
                guard let text = key.stringValue ?? key.integerValue.map(String.init) else {
                    throw LuaError(.runtime, "workflow '\(declaration.name)': dedupe must return a string or integer key, got \(key.typeName)")
                }
                let claimed: Bool
                do {
                    claimed = try transaction.claimOnce(workflow: declaration.name, key: "dedupe:" + text, run: runID, at: context.now)
                } catch {
                    throw LuaError(.runtime, "\(error)")
                }
                if !claimed {
                    report.duplicateOf = text
                    report.log.append("skipped: dedupe key '\(text)' has run already")
                    return
                }
            }
            let returned = try state.call(declaration.run, reference: ctx)
            report.document = try ReportValues.document(returned.first, state: state, context: context, records: context.records)
            try render(returned.first, state: state, into: report)
        } catch {
            throw RunFailed(error: error)
        }
    }

    /// Calls the `renderer` function with the report the script returned.
    private func render(_ document: LuaValue?, state: LuaState, into report: RunReport) throws(LuaError) {
        guard let renderer, report.document != nil else { return }
        // Through Lua, as a script would reach it: the namespace is a read-only proxy.
        guard renderer.split(separator: ".").allSatisfy({ ModuleName.isValid(String($0)) }),
              let function = try state.run(Array("return \(renderer)".utf8), chunkName: "=renderer").first,
              case .function = function else {
            throw LuaError(.runtime, "renderer '\(renderer)' is not a function of this run's API")
        }
        let text = try state.call(function, [document ?? .nil]).first
        guard let rendered = text?.stringValue else {
            throw LuaError(.runtime, "renderer '\(renderer)' returned \(text?.typeName ?? "nothing"), not the report's text")
        }
        report.rendered = rendered
    }

    /// A report of `Scripts/reports/` run inside this run, in its state and transaction,
    /// so that it sees what the run has written so far, and rendered as `format`
    /// (`mail.send`'s `attach`). Whatever the report writes is rolled back: a report
    /// changes nothing, here as under `comity report`.
    private func attachedReport(
        _ name: String, format: ReportFormat, parameters given: [String: String], sandbox: LuaSandbox, schema: DomainSchema,
        runID: String, context: APIContext, transaction: (any StoreTransaction)?, report: RunReport
    ) throws -> String {
        let folder = workspace.appendingPathComponent("Scripts/reports")
        let known = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".lua") && !$0.hasSuffix("_spec.lua") && !$0.hasPrefix(".") }.map { String($0.dropLast(4)) }.sorted()
        guard known.contains(name) else {
            var message = "mail.send: no report '\(name)' in Scripts/reports/"
            if let near = NameSuggestion.closest(to: name, among: known) { message += " (did you mean '\(near)'?)" }
            throw LuaScriptError(message + (known.isEmpty ? "" : "; reports: \(known.joined(separator: ", "))"))
        }
        guard let transaction else { throw LuaScriptError("mail.send: a report needs the workspace's database, and this run has none") }
        let path = folder.appendingPathComponent("\(name).lua").path
        let shown = "Scripts/reports/\(name).lua"
        let state = sandbox.state
        struct Undo: Error {}
        var rendered: String?
        let mark = context.records?.changeMark ?? 0
        do {
            try state.inHostSavepoint {
                try transaction.inSavepoint {
                    let environment = try PluginRuntime.environment(of: path, shownAs: shown, in: workspace, plugins: context.plugins)
                    let results = try sandbox.runFile(path, chunkName: shown, environment: environment)
                    var returned = results.first
                    if let declaration = try WorkflowDeclaration(returned, schema: schema) {
                        let typed: (values: [String: TypedParameter], text: [String: String])
                        do {
                            typed = try checkedParameters(declaration, given: given)
                        } catch {
                            throw LuaScriptError("mail.send: report '\(name)': \(error)")
                        }
                        let ctx = try contextTable(declaration, runID: runID, trigger: .manual, parameters: typed.values, state: state,
                                                   context: context, transaction: transaction, report: report, origin: .workspace)
                        returned = try state.call(declaration.run, reference: ctx).first
                    }
                    let document: ReportDocument?
                    do {
                        document = try ReportValues.document(returned, state: state, context: context, records: context.records)
                        rendered = try document.map { try ReportRenderer.render($0, as: format) }
                    } catch let limit as LuaError where limit.kind != .runtime {
                        throw limit
                    } catch {
                        throw LuaScriptError("mail.send: report '\(name)': \(error)")
                    }
                    guard document != nil else {
                        throw LuaScriptError("mail.send: \(shown) returned no report (end it with `return report { ... }`)")
                    }
                    throw Undo()
                }
            }
        } catch is Undo {
            context.records?.undoChanges(to: mark)
        } catch {
            context.records?.undoChanges(to: mark)
            throw error
        }
        guard let rendered else { throw LuaScriptError("mail.send: report '\(name)' rendered nothing") }
        return rendered
    }

    /// `--param` values checked against the declaration, defaults filled in: typed
    /// for `ctx.params`, and as text for the run history.
    private func checkedParameters(_ declaration: WorkflowDeclaration, given parameters: [String: String]) throws(LuaError)
        -> (values: [String: TypedParameter], text: [String: String])
    {
        do {
            return try WorkflowParameter.check(parameters, against: declaration.parameters, workflow: declaration.name, timeZone: timeZone)
        } catch {
            throw LuaError(.runtime, error.message)
        }
    }

    /// `ctx`: the run's id, workflow, trigger, parameters, `dry_run`, `log` and `once`.
    private func contextTable(
        _ declaration: WorkflowDeclaration, runID: String, trigger: RunTrigger, parameters: [String: TypedParameter],
        state: LuaState, context: APIContext, transaction: (any StoreTransaction)?, report: RunReport, origin: APIOrigin
    ) throws(LuaError) -> LuaReference {
        var params = LuaTable()
        for (name, value) in parameters {
            switch value {
            case .string(let s), .date(let s): params[name] = .string(LuaString(s))
            case .integer(let i): params[name] = .integer(i)
            case .number(let d): params[name] = .number(d)
            case .boolean(let b): params[name] = .boolean(b)
            case .time(let t): params[name] = try state.value(TimeObject(t), as: context.types.time)
            }
        }
        var triggerTable = LuaTable(hash: [.string(LuaString(TriggerField.kind.rawValue)): .string(LuaString(trigger.kind.rawValue))])
        if let event = trigger.event { triggerTable[TriggerField.event.rawValue] = .string(LuaString(event)) }
        if let reference = trigger.record, let records = context.records, let transaction {
            do {
                if let found = try transaction.record(reference) { triggerTable[TriggerField.record.rawValue] = try records.value(found) }
            } catch {
                throw LuaError(.runtime, "the trigger's record \(reference) could not be read: \(error)")
            }
        }
        if let slot = trigger.slot {
            // Read in the schedule's own zone: an 08:00 Europe/Moscow slot says 08:00.
            let zone = declaration.scheduleZone.flatMap(TimeZone.init(identifier:))
            triggerTable[TriggerField.slot.rawValue] = try state.value(TimeObject(slot, zone: zone), as: context.types.time)
        }
        if let cause = trigger.causedBy { triggerTable[TriggerField.caused_by.rawValue] = .string(LuaString(cause)) }
        if trigger.kind == .hook, let deliveryID = trigger.eventID, let transaction {
            let delivery: WebhookDelivery?
            do {
                delivery = try transaction.delivery(id: deliveryID)
            } catch {
                throw LuaError(.runtime, "the trigger's delivery #\(deliveryID) could not be read: \(error)")
            }
            if let delivery { Self.addDelivery(delivery, to: &triggerTable) }
        }
        var happened: DomainEvent?
        if trigger.kind != .hook, let eventID = trigger.eventID, let transaction {
            do {
                happened = try transaction.event(id: eventID)
            } catch {
                throw LuaError(.runtime, "the trigger's event #\(eventID) could not be read: \(error)")
            }
        }
        let logger = self.logger
        let log = try state.function("ctx.log") { [report] call in
            // As print shows the values (a Money's amount, not "Money"), tab-separated.
            var line: [UInt8] = []
            for index in stride(from: Int32(1), through: call.argumentCount, by: 1) {
                if index > 1 { line.append(0x09) }
                line.append(contentsOf: try call.shownBytes(index))
            }
            let text = context.redacted(String(decoding: line, as: UTF8.self))
            if let kept = report.log.append(text) {
                logger.info("\(kept)", metadata: ["run": "\(runID)", "workflow": "\(declaration.name)"])
            }
            return LuaResults(count: 0)
        }
        let once = try state.function("ctx.once") { call in
            // The workflow's keys are its own: code it hands ctx to cannot claim them.
            try APIOrigin.check(call.caller, is: origin, for: "ctx.once")
            let key = try call.string(1)
            guard call.basicType(2) == .function else {
                throw LuaArgumentError(index: 2, problem: "function expected, as ctx.once(key, function() ... end)")
            }
            guard let transaction else { throw LuaScriptError("ctx.once needs the workspace's database, and this run has none") }
            let body = try call.value(2)
            // The key and what the function writes are kept together or not at all: a
            // function that fails (even inside a pcall) leaves the key unclaimed.
            // Inside a pcall frame, the frames around get their savepoints first, below
            // this one (the key is a write), and the bridge keeps to its level.
            let mark = context.records?.changeMark ?? 0
            let results: [LuaValue]?
            do {
                results = try call.state.inHostSavepoint {
                    try transaction.inSavepoint { () throws -> [LuaValue]? in
                        guard try transaction.claimOnce(workflow: declaration.name, key: key, run: runID, at: context.now) else { return nil }
                        return try call.state.call(body, [])
                    }
                }
            } catch {
                // Handles the body changed show what the store holds again.
                context.records?.undoChanges(to: mark)
                throw error
            }
            if call.state.protectedFrames.savepoints == 0 { context.records?.forgetChanges() }
            guard let results else { return call.returning(false) }
            return try call.returning(contentsOf: [.boolean(true)] + results)
        }
        // Read-only, with its tables: code it is handed to (a plugin's function, say)
        // cannot replace `ctx.once` or `ctx.log` to catch what the workflow passes them,
        // nor change the parameters or trigger the workflow reads next.
        // Every field the registry declares, by its name there (`ContextField`): the
        // switch has a case for each, so none is documented and missing, or the reverse.
        let ctx = try state.newTable()
        for field in ContextField.allCases {
            let name = field.rawValue
            switch field {
            case .params, .trigger:
                guard let made = try state.tableReference(.table(field == .params ? params : triggerTable)) else { continue }
                if field == .trigger, let happened, let records = context.records {
                    try installEventData(happened, into: made, state: state, records: records)
                }
                try state.rawSet(ctx, name, table: try state.readOnly(made, name: "ctx.\(name)"))
            case .run_id: try state.rawSet(ctx, name, .string(LuaString(runID)))
            case .workflow: try state.rawSet(ctx, name, .string(LuaString(declaration.name)))
            case .dry_run: try state.rawSet(ctx, name, .boolean(dryRun))
            case .log: try state.rawSet(ctx, name, log)
            case .once: try state.rawSet(ctx, name, once)
            }
        }
        return try state.readOnly(ctx, name: "ctx")
    }

    /// A webhook delivery's fields of `ctx.trigger`: the hook, the sender's id, the kept
    /// headers, the body and, when the body is JSON, its value.
    private static func addDelivery(_ delivery: WebhookDelivery, to trigger: inout LuaTable) {
        trigger[TriggerField.hook.rawValue] = .string(LuaString(delivery.hook))
        trigger[TriggerField.delivery.rawValue] = .string(LuaString(delivery.delivery))
        var headers = LuaTable()
        for (name, value) in delivery.headers { headers[name] = .string(LuaString(value)) }
        trigger[TriggerField.headers.rawValue] = .table(headers)
        trigger[TriggerField.body.rawValue] = .string(LuaString(bytes: [UInt8](delivery.body)))
        if let parsed = JSONLuaValue.decode(delivery.body) { trigger[TriggerField.json.rawValue] = parsed }
    }

    /// `ctx.trigger.fields` (the record as of the event: its fields and status, typed
    /// as a record's are) and `ctx.trigger.changes` (field = { old = ..., new = ... },
    /// empty for a creation), both read-only, from the event's own data.
    private func installEventData(_ event: DomainEvent, into trigger: LuaReference, state: LuaState,
                                  records: RecordBindings) throws(LuaError) {
        func value(_ field: FieldValue?) throws(LuaError) -> LuaValue {
            guard let field else { return .nil }
            do { return try records.value(field) } catch let error as LuaError { throw error } catch {
                throw LuaError(.runtime, "the trigger's event \(event.name) could not be read: \(error)")
            }
        }
        var fields = LuaTable()
        fields["id"] = .integer(event.record.id)
        for (name, field) in event.fields { fields[name] = try value(field) }
        guard let fieldsTable = try state.tableReference(.table(fields)), let changesTable = try state.tableReference(.table(LuaTable()))
        else { return }
        for (name, change) in event.changes {
            let pairValues: [LuaValue: LuaValue] = [
                .string(LuaString(FieldChangeField.old.rawValue)): try value(change.old),
                .string(LuaString(FieldChangeField.new.rawValue)): try value(change.new),
            ]
            guard let pair = try state.tableReference(.table(LuaTable(hash: pairValues)))
            else { continue }
            try state.rawSet(changesTable, name, table: try state.readOnly(pair, name: "ctx.trigger.changes.\(name)"))
        }
        try state.rawSet(trigger, TriggerField.fields.rawValue, table: try state.readOnly(fieldsTable, name: "ctx.trigger.fields"))
        try state.rawSet(trigger, TriggerField.changes.rawValue, table: try state.readOnly(changesTable, name: "ctx.trigger.changes"))
        try state.rawSet(trigger, TriggerField.at.rawValue, try value(.time(event.at)))
    }

    /// The workspace's workflows as they are now, and what their `on` patterns listen to.
    public func eventQueuing(_ store: any Store) -> EventQueuing {
        EventQueuing(workspace: workspace, schema: store.schema, api: api, timeZone: timeZone,
                     pluginWorkflows: plugins?.workflowFiles ?? [])
    }
}
