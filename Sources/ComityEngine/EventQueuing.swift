import ComityCore
import Foundation

/// What a commit triggers: the workflows of a workspace whose `on` patterns match the
/// domain events a transaction recorded, queued in that same transaction. Every way
/// of committing (a run, an import, a REPL session) does the same two things with one
/// of these, made from the workspace's catalog before the transaction starts:
///
/// ```swift
/// let queuing = EventQueuing(catalog: catalog)
/// try store.write(commit: true) { transaction in
///     transaction.recordEvents(queuing.recording)   // creations and changes only if listened to
///     ... // the writes
///     try queuing.enqueue(transaction.events(byRun: run), causedBy: run, depth: 0, in: transaction)
/// }
/// ```
public struct EventQueuing: Sendable {
    public let catalog: WorkflowCatalog
    /// The creations and changes some workflow listens to: what a transaction should
    /// record (lifecycle events are recorded whatever this says).
    public let recording: EventRecording
    /// The workflows each event name starts, worked out once per name.
    private let byEvent: [String: [WorkflowSummary]]

    public init(catalog: WorkflowCatalog, schema: DomainSchema = .standard) {
        self.catalog = catalog
        var byEvent: [String: [WorkflowSummary]] = [:]
        for name in schema.eventNames { byEvent[name] = catalog.triggered(by: name) }
        self.byEvent = byEvent
        var recording = EventRecording.lifecycleOnly
        for type in RecordType.allCases {
            if byEvent[DomainEvent.createdName(type)]?.isEmpty == false { recording.created.insert(type) }
            if byEvent[DomainEvent.updatedName(type)]?.isEmpty == false { recording.updated.insert(type) }
        }
        self.recording = recording
    }

    /// The workspace's catalog as it is now (read again only when a script changed).
    public init(workspace: URL, schema: DomainSchema, api: APIRegistry, timeZone: TimeZone, pluginWorkflows: [String] = []) {
        self.init(catalog: WorkflowCatalog.current(workspace: workspace, schema: schema, api: api, timeZone: timeZone,
                                                   pluginWorkflows: pluginWorkflows),
                  schema: schema)
    }

    /// The workflows the events start, event by event in order, each event's in file order.
    public func triggered(by events: [DomainEvent]) -> [(workflow: WorkflowSummary, event: DomainEvent)] {
        events.flatMap { event in
            (byEvent[event.name] ?? catalog.triggered(by: event.name)).map { (workflow: $0, event: event) }
        }
    }

    /// Queues every workflow an event starts, in `transaction` (the one that recorded
    /// the events, so they are queued if and only if they are committed). Each queued
    /// run is caused by `run` (nil for a commit that is no run) at `depth + 1`, and
    /// carries its event's id, for `ctx.trigger.fields` and `ctx.trigger.changes`.
    /// Returns how many runs were queued.
    @discardableResult
    public func enqueue(_ events: [DomainEvent], causedBy run: String?, depth: Int, in transaction: any StoreTransaction) throws -> Int {
        let started = triggered(by: events)
        let now = Timestamp(Date())
        for (workflow, event) in started {
            let trigger = RunTrigger(.event, event: event.name, record: event.record, eventID: event.id == 0 ? nil : event.id,
                                     causedBy: run, depth: depth + 1)
            try transaction.enqueue(QueuedRun(workflow: workflow.name, file: workflow.file, trigger: trigger, enqueuedAt: now))
        }
        return started.count
    }
}
