import ComityCore

/// A run as `/v1/runs` answers it; `log`, `error` and `traceback` only for one run.
struct RunJSON: Encodable {
    var id: String
    var workflow: String?
    var file: String
    var trigger: String
    var outcome: String
    var attempt: Int
    var startedAt: String
    var endedAt: String?
    var recordsCreated: Int
    var recordsChanged: Int
    var dryRun: Bool
    var parameters: [String: String]
    var causedBy: String?
    /// The person it acted as; absent for the workspace.
    var actingAs: String?
    var error: String?
    var traceback: String?
    var log: [String]?

    init(_ run: RunRecord, whole: Bool) {
        id = run.id
        workflow = run.workflow
        file = run.file
        trigger = run.trigger.summary
        outcome = run.outcome.rawValue
        attempt = run.attempt
        startedAt = run.startedAt.description
        endedAt = run.endedAt?.description
        recordsCreated = run.recordsCreated
        recordsChanged = run.recordsChanged
        dryRun = run.dryRun
        parameters = run.parameters
        causedBy = run.trigger.causedBy
        actingAs = run.actingAs
        error = run.error
        if whole {
            traceback = run.traceback
            log = run.log
        }
    }
}

/// A run waiting in the queue, as `/v1/queue` answers it.
struct QueuedRunJSON: Encodable {
    var id: Int64
    var workflow: String
    var trigger: String
    var enqueuedAt: String
    var notBefore: String
    var attempt: Int
    var parameters: [String: String]

    init(_ run: QueuedRun) {
        id = run.id
        parameters = run.parameters
        workflow = run.workflow
        trigger = run.trigger.summary
        enqueuedAt = run.enqueuedAt.description
        notBefore = run.notBefore.description
        attempt = run.attempt
    }
}

/// `/v1/queue`'s answer.
struct QueueJSON: Encodable {
    var waiting: [QueuedRunJSON]
}

/// `POST /hooks/NAME`'s answer: what the delivery became.
struct DeliveryJSON: Encodable {
    var delivery: Int64
    var queuedRun: Int64
    var workflow: String
}
