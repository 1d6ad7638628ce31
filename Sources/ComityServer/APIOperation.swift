import ComityCore

/// One operation of the HTTP API as `/v1/openapi.json` describes it. The list is the
/// document's only source; `OpenAPIDocumentTests` checks that the router has exactly
/// these routes and that each answers only with the statuses written here.
struct APIOperation: Sendable {
    struct Parameter: Sendable {
        var name: String
        /// `path` or `query`.
        var place: String
        var schema: [String: any Sendable]
        var description: String
    }

    /// `GET`, `POST`, `DELETE`.
    var method: String
    /// As Hummingbird writes it: `/v1/runs/:id`.
    var path: String
    var summary: String
    var parameters: [Parameter] = []
    /// Status → (description, the schema of its JSON body by name; nil: none).
    var responses: [Int: (String, String?)]
    /// Whether it needs `Authorization: Bearer` (the webhooks are signed instead).
    var authenticated = true
    /// The schema of its JSON request body by name, and whether one must be sent.
    var requestBody: (schema: String, required: Bool)?

    /// `/v1/runs/{id}`: the path as OpenAPI writes it.
    var openAPIPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    static let problems: [Int: (String, String?)] = [
        401: ("No token, or an unknown or revoked one", "Problem"), 403: ("The token's scope does not allow it", "Problem"),
        503: ("Busy: the database (a run holds it) or the server's queue of writes; nothing was written, send it again after Retry-After", "Problem"),
    ]

    /// What every write may be answered besides its own: a body that cannot be read or
    /// is too large, a key or body that is malformed, a refusal, a busy database.
    static let writeProblems: [Int: (String, String?)] = problems.merging([
        400: ("A body that is not JSON of the right shape, a malformed Idempotency-Key or id", "Problem"),
        408: ("A body that took over 30 s to arrive", "Problem"), 413: ("A body over the limit", "Problem"),
        422: ("Refused: a field or parameter that is not one, a value of the wrong kind (said as a script is told), or an Idempotency-Key sent before with another request", "Problem"),
    ]) { a, _ in a }

    static let idempotencyKey = Parameter(
        name: "Idempotency-Key", place: "header", schema: ["type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"],
        description: "Sent again with the same request within 24 hours, answers the first answer again (Idempotent-Replayed: true) instead of writing twice")

    static func idParameter(_ what: String) -> Parameter {
        Parameter(name: "id", place: "path", schema: ["type": "integer", "format": "int64", "minimum": 1], description: what)
    }

    /// Every operation: the fixed ones and, for each record type, its list and its one
    /// record, with a query parameter per field of `schema` (custom fields too).
    static func all(_ schema: DomainSchema) -> [APIOperation] { fixed + RecordType.allCases.flatMap { records($0, schema[$0]) } }

    static func records(_ type: RecordType, _ schema: RecordSchema) -> [APIOperation] {
        // Lists have no order of their own.
        let orderable = schema.fields.filter { field in
            switch field.type {
            case .references, .strings, .anyReference: false
            default: true
            }
        }
        let names = ["id", "created_at", "updated_at"] + (schema.lifecycle == nil ? [] : ["status"]) + orderable.map(\.name)
        let filters = schema.fields.map { field in
            Parameter(name: field.name, place: "query", schema: FilterSchema.of(field.type),
                      description: "Only records whose \(field.name) is this (repeat it: any of); \(field.summary)")
        }
        let name = type.displayName.lowercased()
        let id = idParameter("The \(name)'s id")
        let changing: [Int: (String, String?)] = writeProblems.merging([
            200: ("The record after the write", "Record"), 404: ("No such record", "Problem"),
            409: ("A step not allowed from its status, an archived record, or a unique value taken", "Problem"),
        ]) { a, _ in a }
        let steps = RecordWriteRoutes.verbs(schema).map { verb in
            APIOperation(method: "POST", path: "/v1/\(type.collection)/:id/\(verb)",
                         summary: "The lifecycle step \(verb) of one \(name), with the fields that go with it",
                         parameters: [id, idempotencyKey], responses: changing, requestBody: (OpenAPIDocument.fieldsSchema(type, new: false), false))
        }
        return [
            APIOperation(
                method: "POST", path: "/v1/\(type.collection)",
                summary: "A new \(name), from its fields, through the same checks as a script's create",
                parameters: [idempotencyKey],
                responses: writeProblems.merging([201: ("The record made", "Record"), 409: ("A unique value taken", "Problem")]) { a, _ in a },
                requestBody: (OpenAPIDocument.fieldsSchema(type, new: true), true)),
            APIOperation(
                method: "PATCH", path: "/v1/\(type.collection)/:id",
                summary: "Changes fields of one \(name) (null clears one), through the same checks as a script's update",
                parameters: [id, idempotencyKey], responses: changing, requestBody: (OpenAPIDocument.fieldsSchema(type, new: false), true)),
            APIOperation(method: "POST", path: "/v1/\(type.collection)/:id/archive", summary: "Archives one \(name)",
                         parameters: [id, idempotencyKey], responses: changing),
            APIOperation(method: "POST", path: "/v1/\(type.collection)/:id/restore", summary: "Restores one archived \(name)",
                         parameters: [id, idempotencyKey], responses: changing),
        ] + steps + [
            APIOperation(
                method: "GET", path: "/v1/\(type.collection)",
                summary: "\(type.displayName) records, a page at a time, with find's filters (also NAME_min, NAME_max, NAME_after, NAME_before, NAME_contains, NAME_prefix)",
                parameters: filters + [
                    Parameter(name: "order_by", place: "query", schema: ["type": "string", "enum": names + names.map { "-" + $0 }],
                              description: "A field, -field for descending; ties in id order"),
                    Parameter(name: "limit", place: "query", schema: ["type": "integer", "minimum": 1, "maximum": 1000, "default": 50],
                              description: "At most this many"),
                    Parameter(name: "cursor", place: "query", schema: ["type": "string", "pattern": "^[0-9]{1,7}$"],
                              description: "The next_cursor of the page before"),
                    Parameter(name: "archived", place: "query", schema: ["type": "boolean"], description: "Archived records too"),
                ],
                responses: problems.merging([200: ("A page", "RecordPage"), 400: ("A filter that is not one", "Problem")]) { a, _ in a }),
            APIOperation(
                method: "GET", path: "/v1/\(type.collection)/:id", summary: "One \(type.displayName.lowercased()) by id",
                parameters: [Parameter(name: "id", place: "path", schema: ["type": "integer", "format": "int64", "minimum": 1], description: "Its id")],
                responses: problems.merging([200: ("The record", "Record"), 400: ("An id that is not one", "Problem"),
                                             404: ("No such record", "Problem")]) { a, _ in a }),
        ]
    }

    static let fixed: [APIOperation] = [
        APIOperation(method: "GET", path: "/health", summary: "Whether the server answers", responses: [200: ("It does", "Health")],
                     authenticated: false),
        APIOperation(method: "GET", path: "/v1/openapi.json", summary: "This document", responses: [200: ("The OpenAPI 3.1 document", nil)],
                     authenticated: false),
        APIOperation(
            method: "GET", path: "/v1/runs", summary: "Recorded runs, newest first, a page at a time",
            parameters: [
                Parameter(name: "workflow", place: "query", schema: ["type": "string"],
                          description: "Only runs of this workflow (404 when no script declares it and no run had it)"),
                Parameter(name: "outcome", place: "query",
                          schema: ["type": "string", "enum": ["running", "succeeded", "failed", "limit", "cancelled", "interrupted", "skipped", "partial"]],
                          description: "Only runs that ended so"),
                Parameter(name: "trigger", place: "query", schema: ["type": "string", "enum": RunTrigger.Kind.allCases.map(\.rawValue)],
                          description: "Only runs triggered so"),
                Parameter(name: "since", place: "query", schema: ["type": "string"],
                          description: "Only runs started at or after this time (ISO 8601, or a date)"),
                Parameter(name: "limit", place: "query", schema: ["type": "integer", "minimum": 1, "maximum": 1000, "default": 50],
                          description: "At most this many"),
                Parameter(name: "cursor", place: "query", schema: ["type": "string", "pattern": "^[0-9]{1,8}$"],
                          description: "The next_cursor of the page before"),
            ],
            responses: problems.merging([
                200: ("A page of runs", "RunList"), 400: ("A filter that is not one", "Problem"), 404: ("No such workflow", "Problem"),
            ]) { a, _ in a }),
        APIOperation(
            method: "GET", path: "/v1/runs/:id", summary: "One run, with its log, error and traceback",
            parameters: [Parameter(name: "id", place: "path", schema: ["type": "string"],
                                   description: "The run's id, or a unique start of it (at least 4 characters)")],
            responses: problems.merging([200: ("The run", "Run"), 404: ("No such run, or an id that names several", "Problem")]) { a, _ in a }),
        APIOperation(method: "GET", path: "/v1/queue", summary: "The runs waiting in the queue, in the order they will run",
                     responses: problems.merging([200: ("What waits", "Queue")]) { a, _ in a }),
        APIOperation(
            method: "DELETE", path: "/v1/queue/:id", summary: "Take a waiting run off the queue (a write token)",
            parameters: [Parameter(name: "id", place: "path", schema: ["type": "integer", "format": "int64", "minimum": 1],
                                   description: "The queued run's id, as /v1/queue lists it")],
            responses: problems.merging([
                200: ("The run taken off", "QueuedRun"), 400: ("An id that is not a whole number", "Problem"),
                404: ("No run of that id waits", "Problem"), 409: ("A worker has leased it: it runs", "Problem"),
            ]) { a, _ in a }),
        APIOperation(method: "GET", path: "/v1/events/:id/participants", summary: "An event's participants, in the order they were added",
                     parameters: [idParameter("The event's id")],
                     responses: problems.merging([200: ("The participants", "ParticipantList"), 400: ("An id that is not one", "Problem"),
                                                  404: ("No such event", "Problem")]) { a, _ in a }),
        APIOperation(
            method: "POST", path: "/v1/events/:id/participants",
            summary: "Adds an organisation or a person to an event in a role, as events.add_participant (once: adding it again changes nothing)",
            parameters: [idParameter("The event's id"), idempotencyKey],
            responses: writeProblems.merging([200: ("The event's participants after it", "ParticipantList"), 404: ("No such event", "Problem"),
                                              409: ("An archived event", "Problem")]) { a, _ in a },
            requestBody: ("Participant", true)),
        APIOperation(method: "GET", path: "/v1/workflows", summary: "The workflows the scripts declare, with their parameters",
                     responses: problems.merging([200: ("The workflows", "WorkflowList")]) { a, _ in a }),
        APIOperation(
            method: "POST", path: "/v1/workflows/:name/runs", summary: "Queues a run of a workflow with typed parameters (a write token)",
            parameters: [Parameter(name: "name", place: "path", schema: ["type": "string"], description: "The workflow's name"), idempotencyKey],
            responses: writeProblems.merging([202: ("Queued", "QueuedRun"), 404: ("No such workflow", "Problem")]) { a, _ in a },
            requestBody: ("StartParameters", false)),
        APIOperation(
            method: "POST", path: "/v1/runs/:id/retry", summary: "Queues the next attempt of a recorded run, with its parameters (a write token)",
            parameters: [Parameter(name: "id", place: "path", schema: ["type": "string"],
                                   description: "The run's id, or a unique start of it (at least 4 characters)"), idempotencyKey],
            responses: writeProblems.merging([202: ("Queued", "QueuedRun"), 404: ("No such run, or an id that names several", "Problem")]) { a, _ in a }),
        APIOperation(method: "GET", path: "/v1/schedules", summary: "The scheduled workflows: next slot in their zone, last run",
                     responses: problems.merging([200: ("The schedules", "ScheduleList")]) { a, _ in a }),
        APIOperation(
            method: "POST", path: "/v1/schedules/:name/pause", summary: "Stops a schedule's slots from running until resumed (a write token)",
            parameters: [Parameter(name: "name", place: "path", schema: ["type": "string"], description: "The scheduled workflow's name")],
            responses: problems.merging([200: ("The schedule, paused", "Schedule"), 404: ("No scheduled workflow of that name", "Problem")]) { a, _ in a }),
        APIOperation(
            method: "POST", path: "/v1/schedules/:name/resume", summary: "Lets a paused schedule run again from its next slot (a write token)",
            parameters: [Parameter(name: "name", place: "path", schema: ["type": "string"], description: "The scheduled workflow's name")],
            responses: problems.merging([200: ("The schedule", "Schedule"), 404: ("No scheduled workflow of that name", "Problem")]) { a, _ in a }),
        APIOperation(
            method: "GET", path: "/v1/outbox", summary: "The messages runs queued, oldest first, a page at a time",
            parameters: [Parameter(name: "status", place: "query", schema: ["type": "string", "enum": OutgoingMessage.Status.allCases.map(\.rawValue)],
                                   description: "Only messages in this state"),
                         Parameter(name: "limit", place: "query", schema: ["type": "integer", "minimum": 1, "maximum": 1000, "default": 100],
                                   description: "At most this many"),
                         Parameter(name: "cursor", place: "query", schema: ["type": "string", "pattern": "^[0-9]{1,18}$"],
                                   description: "The next_cursor of the page before")],
            responses: problems.merging([200: ("A page of messages", "Outbox"), 400: ("A status, limit or cursor that is not one", "Problem")]) { a, _ in a }),
        APIOperation(
            method: "GET", path: "/v1/reports/:name", summary: "A report of Scripts/reports/, run read-only; other query pairs are its parameters",
            parameters: [
                Parameter(name: "name", place: "path", schema: ["type": "string"], description: "The report's file name without .lua"),
                Parameter(name: "format", place: "query", schema: ["type": "string", "default": "md"],
                          description: "html, csv, json, md, or a plugin's format"),
            ],
            responses: problems.merging([
                200: ("The report in its format (text/html, text/csv, application/json, text/markdown)", nil),
                400: ("A format no one writes", "Problem"), 404: ("No such report", "Problem"),
                422: ("The report script failed, or returned no report", "Problem"),
            ]) { a, _ in a }),
        APIOperation(method: "GET", path: "/v1/metrics", summary: "Counters and gauges in Prometheus's text format",
                     responses: problems.merging([200: ("The metrics, text/plain", nil)]) { a, _ in a }),
        APIOperation(
            method: "POST", path: "/hooks/:name", summary: "A signed webhook delivery: kept, with its hook's workflow queued",
            parameters: [Parameter(name: "name", place: "path", schema: ["type": "string"], description: "The hook's name in comity.lua")],
            responses: [
                202: ("Kept and queued", "Delivery"), 400: ("No delivery id, or a body cut off before its length", "Problem"), 401: ("A bad or missing signature, or a stale timestamp", "Problem"),
                404: ("No such hook", "Problem"), 409: ("A delivery id the hook has had already", "Problem"),
                408: ("A body that took over 30 s to arrive", "Problem"), 413: ("A body over the limit", "Problem"),
                503: ("The hook cannot take deliveries now, too many are being read, or the store cannot keep it", "Problem"),
            ],
            authenticated: false),
    ]
}
