import ComityCore
import ComityEngine
import Foundation
import HumanReadable
import Logging

extension Engine {
    /// Runs one script file (relative to ``currentFolder`` unless absolute; modules come
    /// from the workspace), then, when it committed events, the workflows they queued,
    /// each in its own transaction. Never throws for the run itself: its failure is its
    /// outcome; only a store that gives out while the queue is drained throws.
    public func run(file: String, options: RunOptions = RunOptions(), logger: Logger = Logger(label: "comity.run"),
                    output: @escaping (String) -> Void) throws -> FileRun {
        var runner = runner(logger: logger)
        options.apply(to: &runner)
        let path = resolved(file)
        let run = runner.run(file: path, shownAs: workspacePath(path) ?? file, output: output)
        // The workflows its events queued run now, each in its own transaction (unless
        // left to the workers).
        let queued = run.queued > 0 && !options.leaveQueued ? try TriggerQueue(runner: runner).drain(output: output) : []
        return FileRun(run: run, queued: queued)
    }

    /// Runs the workflow declared as `name` (in Scripts/ or a plugin) with `parameters`,
    /// checked against its declaration before it runs, then the runs it queued.
    public func run(workflow name: String, parameters: [String: WorkflowArgument] = [:], options: RunOptions = RunOptions(),
                    logger: Logger = Logger(label: "comity.run"), output: @escaping (String) -> Void) throws -> FileRun {
        let workflows = catalog().workflows
        guard let workflow = workflows.first(where: { $0.name == name }) else {
            var message = "no workflow '\(name)' in \(workspace.folder.appendingPathComponent("Scripts").path) or its plugins"
            if let near = NameSuggestion.closest(to: name, among: workflows.map(\.name).sorted()) { message += " (did you mean '\(near)'?)" }
            throw EngineError.failed(message)
        }
        if let error = workflow.error { throw EngineError.failed(error) }
        var options = options
        options.parameters = try WorkflowArgument.text(of: parameters, for: workflow)
        return try run(file: workflow.file, options: options, logger: logger, output: output)
    }

    /// Runs every queued run that is due, and those they queue, until none is due.
    public func drainQueue(logger: Logger = Logger(label: "comity.run"), output: @escaping (String) -> Void) throws -> QueueDrain {
        let runs = try TriggerQueue(runner: runner(logger: logger)).drain(output: output)
        return QueueDrain(runs: runs, waiting: try store.read { try $0.queuedRunCount() })
    }

    /// A run by its id or a unique start of its UUID (at least 4 characters, as git asks).
    public func findRun(_ id: String) throws -> RunRecord {
        if let exact = try store.read({ try $0.run(id: id) }) { return exact }
        let uuid = RunRecord.uuidPart(id.lowercased())
        guard uuid.count >= 4 else {
            // An old import's or repl's label (`import-`) is not part of what is counted.
            let label = id.lowercased().dropLast(uuid.count)
            throw EngineError.failed("'\(id)' is too short to name a run: give at least 4 characters of its id"
                + (label.isEmpty ? "" : " after '\(label)'") + " (see `comity runs`)")
        }
        var named = RunFilter(limit: Int.max)
        named.idPrefixes = RunRecord.idPrefixes(naming: id)
        let candidates = try store.read { try $0.runs(named) }.filter { $0.isNamed(by: id) }
        guard candidates.count == 1, let only = candidates.first else {
            if candidates.isEmpty { throw EngineError.failed("no run with id '\(id)' (see `comity runs`)") }
            let length = RunRecord.uniquePrefixLength(candidates.map(\.id))
            let listed = candidates.prefix(5).map { RunRecord.shortID($0.id, length: length) }.joined(separator: ", ")
            throw EngineError.failed("'\(id)' starts \(candidates.count) run ids (\(listed)\(candidates.count > 5 ? ", ..." : "")); give more of it")
        }
        return only
    }

    /// Runs a recorded run's script again (as it is now) with the same trigger and
    /// parameters, as its next attempt, caused by it; a dry run's retry is a dry run.
    /// Then drains the queue. Refused for a run still going on (its process may still
    /// commit it: a retry now would make two records of one piece of work) and for an
    /// import or a repl session, which have no script.
    /// - Parameter ended: called with the retry's run before the queue is drained, so that
    ///   what a caller shows of it comes before what the queued runs print.
    public func retry(_ id: String, logger: Logger = Logger(label: "comity.run"), output: @escaping (String) -> Void,
                      ended: (ScriptRun) -> Void = { _ in }) throws -> RetryOutcome {
        let previous = try findRun(id)
        try refuseRetry(of: previous)
        var runner = runner(logger: logger)
        runner.parameters = previous.parameters
        runner.dryRun = previous.dryRun
        var trigger = previous.trigger
        trigger.causedBy = previous.id
        let path = previous.file.hasPrefix("/") ? previous.file : workspace.folder.appendingPathComponent(previous.file).path
        let run = runner.run(file: path, shownAs: previous.file, trigger: trigger, attempt: previous.attempt + 1,
                             workflow: previous.workflow, output: output)
        ended(run)
        let queued = try TriggerQueue(runner: runner).drain(output: output)
        return RetryOutcome(previous: previous, run: FileRun(run: run, queued: queued))
    }

    /// Refuses the retry of a run still going on (its process may still commit it: a
    /// retry now would make two records of one piece of work) and of a record with no
    /// script (an import, a repl session, a write through the API).
    func refuseRetry(of previous: RunRecord) throws {
        if previous.outcome == .running {
            throw EngineError.failed("run \(RunRecord.shortID(previous.id)) is still running (process \(previous.processID)); "
                + "retry it once it has ended, or been marked interrupted")
        }
        guard previous.isScriptRun else {
            let what = previous.isImport ? "an import of \(previous.file); import the file again"
                : previous.trigger.kind == .api ? "a write through the HTTP API (\(previous.file))" : "a repl session"
            throw EngineError.failed("run \(RunRecord.shortID(previous.id)) is \(what): it has no script to run again")
        }
    }
}
