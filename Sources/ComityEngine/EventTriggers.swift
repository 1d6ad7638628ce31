import ComityCore
import Foundation

/// The workflows a commit's domain events start, and their queuing in that same
/// transaction: one rule for every way a change is committed (a run, `comity import`,
/// `comity repl --write`, a plugin's import format), so that no commit triggers nothing.
public struct EventTriggers {
    public let workspace: URL
    public let schema: DomainSchema
    public let api: APIRegistry
    public let timeZone: TimeZone
    public let pluginWorkflows: [String]

    public init(workspace: URL, schema: DomainSchema, api: APIRegistry, timeZone: TimeZone, pluginWorkflows: [String] = []) {
        self.workspace = workspace
        self.schema = schema
        self.api = api
        self.timeZone = timeZone
        self.pluginWorkflows = pluginWorkflows
    }

    /// The triggers of the workflows a runner's workspace holds.
    public init(runner: ScriptRunner) {
        self.init(workspace: runner.workspace, schema: runner.store?.schema ?? .standard, api: runner.api,
                  timeZone: runner.timeZone, pluginWorkflows: runner.plugins?.workflowFiles ?? [])
    }

    /// The workflows the events start, event by event in order.
    public func started(by events: [DomainEvent]) -> [(workflow: WorkflowSummary, event: DomainEvent)] {
        guard !events.isEmpty else { return [] }
        let catalog = WorkflowCatalog.current(workspace: workspace, schema: schema, api: api, timeZone: timeZone,
                                              pluginWorkflows: pluginWorkflows)
        return events.flatMap { event in catalog.triggered(by: event.name).map { (workflow: $0, event: event) } }
    }

    /// Queues every workflow the events start, in `transaction` (the one that wrote
    /// them), each as caused by `run` one step deeper than `depth`. Returns how many.
    public func enqueue(_ events: [DomainEvent], causedBy run: String, depth: Int, in transaction: any StoreTransaction) throws -> Int {
        let started = started(by: events)
        for (workflow, event) in started {
            let trigger = RunTrigger(.event, event: event.name, record: event.record, causedBy: run, depth: depth + 1)
            try transaction.enqueue(QueuedRun(workflow: workflow.name, file: workflow.file, trigger: trigger,
                                              enqueuedAt: Timestamp(Date())))
        }
        return started.count
    }
}
