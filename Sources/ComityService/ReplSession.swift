import ComityCore
import ComityEngine
import Logging

/// The repl's statements over a workspace: each runs in its own transaction (rolled back
/// unless the session writes), and the workflows a committed statement's events start
/// run after it.
public final class ReplSession {
    private let session: WorkspaceSession
    private let runner: ScriptRunner
    private let output: (String) -> Void
    private let spool: RunRecordSpool

    init(session: WorkspaceSession, runner: ScriptRunner, spool: RunRecordSpool, output: @escaping (String) -> Void) {
        self.session = session
        self.runner = runner
        self.spool = spool
        self.output = output
    }

    /// Runs `text` (the statement so far, starting on input line `line`), then the runs
    /// its committed events queued.
    /// - Parameter answered: called with the statement's outcome before the queue is
    ///   drained, so that what a caller shows of it comes before what the queued runs print.
    public func evaluate(_ text: String, line: Int = 1, answered: (WorkspaceSession.Outcome) -> Void = { _ in }) throws -> ReplStatement {
        let outcome = session.evaluate(text, line: line)
        answered(outcome)
        guard outcome != .incomplete, session.lastQueued > 0 else { return ReplStatement(outcome: outcome, queued: []) }
        return ReplStatement(outcome: outcome, queued: try TriggerQueue(runner: runner).drain(output: output))
    }

    /// Ends a writing session's record in the run history (kept in the spool when the
    /// database cannot take it).
    public func finish() throws {
        try session.finish(spool: spool)
    }
}

extension Engine {
    /// A repl session over the workspace; `output` receives what statements and the runs
    /// they queue print.
    /// `person`: the session acts as that person (an id, an email or a name), checked here.
    public func repl(write: Bool, as person: String? = nil, logger: Logger = Logger(label: "comity.repl"),
                     output: @escaping (String) -> Void) throws(EngineError) -> ReplSession {
        let runner = runner(logger: logger)
        let store = self.store
        if let person {
            do {
                _ = try store.read { try AccessPolicy.person(named: person, in: $0) }
            } catch {
                throw .failed("--as \(person): \(error)")
            }
        }
        do {
            let session = try WorkspaceSession(
                workspace: workspace.folder, store: store, api: runner.api, plugins: runner.plugins,
                timeZone: workspace.timeZone, write: write, triggers: { runner.eventQueuing(store) }, principal: person, output: output)
            return ReplSession(session: session, runner: runner, spool: spool, output: output)
        } catch {
            throw .failed(error.message)
        }
    }
}
