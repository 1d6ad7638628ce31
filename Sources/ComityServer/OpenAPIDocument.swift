import ComityCore
import Foundation

/// `/v1/openapi.json`: the API as OpenAPI 3.1, written from `APIOperation.all` and the
/// schemas of the JSON bodies it answers.
enum OpenAPIDocument {
    static func json(_ schema: DomainSchema) -> Data {
        (try? JSONSerialization.data(withJSONObject: document(schema), options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    static func document(_ schema: DomainSchema) -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for operation in APIOperation.all(schema) {
            var responses: [String: Any] = [:]
            for (status, (description, schema)) in operation.responses {
                var response: [String: Any] = ["description": description]
                if let schema {
                    let type = schema == "Problem" ? "application/problem+json" : "application/json"
                    response["content"] = [type: ["schema": ["$ref": "#/components/schemas/\(schema)"]]]
                }
                responses["\(status)"] = response
            }
            var entry: [String: Any] = [
                "summary": operation.summary, "responses": responses,
                "operationId": operation.method.lowercased() + operation.openAPIPath.replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "").replacingOccurrences(of: ".", with: "_"),
                "security": operation.authenticated ? [["bearer": [String]()]] : [[String: [String]]](),
            ]
            if let (schema, required) = operation.requestBody {
                entry["requestBody"] = ["required": required,
                                        "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(schema)"]]]]
            }
            if !operation.parameters.isEmpty {
                entry["parameters"] = operation.parameters.map { parameter -> [String: Any] in
                    ["name": parameter.name, "in": parameter.place, "required": parameter.place == "path",
                     "schema": parameter.schema, "description": parameter.description]
                }
            }
            paths[operation.openAPIPath, default: [:]][operation.method.lowercased()] = entry
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "Comity", "version": "1", "description": "The HTTP API of comity serve: records, runs, workflows, the queue, schedules, the outbox, reports, metrics and signed webhook intake."],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "description": "A token from `comity tokens create`"]],
                "schemas": schemas.merging(recordFieldSchemas(schema)) { a, _ in a },
            ],
        ]
    }

    /// `OrganisationNew` (a create's body: its required fields required) or
    /// `OrganisationChange` (an update's or a step's: any of them).
    static func fieldsSchema(_ type: RecordType, new: Bool) -> String {
        type.displayName.replacingOccurrences(of: " ", with: "") + (new ? "New" : "Change")
    }

    /// The bodies of record writes, one of each kind per type, from the domain schema
    /// (custom fields too). The domain's other rules (a link to a record that exists, a
    /// unique value) are checked when the write is made.
    static func recordFieldSchemas(_ schema: DomainSchema) -> [String: Any] {
        var schemas: [String: Any] = [:]
        for type in RecordType.allCases {
            let recordSchema = schema[type]
            let required = Set(recordSchema.requiredNames)
            var properties: [String: Any] = [:]
            var nullable: [String: Any] = [:]
            for field in recordSchema.fields {
                // An optional text may be empty; a required one may not (the domain refuses it).
                var value: [String: Any] = field.type == .string && !required.contains(field.name) ? ["type": "string"] : valueSchema(field.type)
                value["description"] = field.summary
                properties[field.name] = value
                nullable[field.name] = ["anyOf": [value, ["type": "null"]]]
            }
            let description = "\(type.displayName) fields by name: money as {amount, currency} or \"1250.00 EUR\"; a link as its id or {type, id}; "
                + "dates and times as ISO 8601 text"
            // In a create, null leaves an optional field unset; a required one needs a value.
            schemas[fieldsSchema(type, new: true)] = [
                "type": "object", "required": recordSchema.requiredNames, "additionalProperties": false,
                "description": description + "; null leaves an optional field unset",
                "properties": nullable.merging(properties.filter { required.contains($0.key) }) { _, value in value },
            ]
            schemas[fieldsSchema(type, new: false)] = [
                "type": "object", "additionalProperties": false, "description": description + "; null clears a field",
                "properties": nullable,
            ]
        }
        return schemas
    }

    private static func valueSchema(_ type: FieldType) -> [String: Any] {
        let link: [String: Any] = ["anyOf": [
            ["type": "integer", "format": "int64", "minimum": 1],
            object(["type": ["type": "string", "enum": RecordType.allCases.map(\.rawValue)], "id": ["type": "integer", "minimum": 1]],
                   required: ["type", "id"]),
        ]]
        switch type {
        case .reference, .anyReference: return link
        case .references: return ["type": "array", "items": link]
        case .strings: return ["type": "array", "items": ["type": "string", "minLength": 1]]
        case .money:
            return ["anyOf": [FilterSchema.of(.money) as [String: Any],
                              object(["amount": ["anyOf": [["type": "string", "pattern": "^[0-9]{1,9}(\\.[0-9]{2})?$"], ["type": "integer", "minimum": 0]]], "currency": ["type": "string", "enum": ["EUR", "USD", "RUB"]]],
                                     required: ["amount", "currency"])]]
        default: return FilterSchema.of(type)
        }
    }

    private static func object(_ properties: [String: [String: Any]], required: [String]) -> [String: Any] {
        ["type": "object", "properties": properties, "required": required]
    }

    private static var text: [String: Any] { ["type": "string"] }
    private static var integer: [String: Any] { ["type": "integer"] }
    private static var optionalText: [String: Any] { ["type": ["string", "null"]] }

    static var schemas: [String: Any] {
        let run = object([
            "id": text, "workflow": optionalText, "file": text, "trigger": text, "outcome": text, "attempt": integer,
            "started_at": text, "ended_at": optionalText, "records_created": integer, "records_changed": integer,
            "dry_run": ["type": "boolean"], "parameters": ["type": "object", "additionalProperties": text],
            "caused_by": optionalText, "acting_as": optionalText, "error": optionalText, "traceback": optionalText,
            "log": ["type": "array", "items": text],
        ], required: ["id", "file", "trigger", "outcome", "attempt", "started_at", "records_created", "records_changed", "dry_run", "parameters"])
        let queued = object([
            "id": integer, "workflow": text, "trigger": text, "enqueued_at": text, "not_before": text, "attempt": integer,
            "parameters": ["type": "object", "additionalProperties": text],
        ], required: ["id", "workflow", "trigger", "enqueued_at", "not_before", "attempt", "parameters"])
        let parameter = object([
            "name": text, "type": text, "default_value": text, "description": text,
        ], required: ["name", "type"])
        let workflow = object([
            "name": text, "file": text, "description": text, "triggers": ["type": "array", "items": text], "schedule": text,
            "parameters": ["type": "array", "items": parameter], "error": text, "time_zone": text, "catch_up": text,
            "catch_up_window_seconds": integer, "overlap": text, "time_limit_seconds": integer,
        ], required: ["name", "file", "triggers", "parameters"])
        let schedule = object([
            "workflow": text, "expression": text, "explained": text, "time_zone": text, "paused": ["type": "boolean"],
            "next_slot": text, "next_slot_local": text, "last_slot": text, "last_run": text, "last_outcome": text,
            "catch_up": text, "overlap": text, "error": text,
        ], required: ["workflow", "expression", "time_zone", "paused", "catch_up", "overlap"])
        let message = object([
            "id": integer, "to": ["type": "array", "items": text], "cc": ["type": "array", "items": text], "subject": text,
            "status": text, "attempts": integer, "last_error": text, "queued_at": text, "sent_at": text, "run": text, "about": text,
            "attachments": ["type": "array", "items": object(["filename": text, "content_type": text, "size": integer],
                                                             required: ["filename", "content_type", "size"])],
        ], required: ["id", "to", "cc", "subject", "status", "attempts", "queued_at", "attachments"])
        let participant = object([
            "participant": object(["type": ["type": "string", "enum": [RecordType.organisation.rawValue, RecordType.person.rawValue]],
                                   "id": ["type": "integer", "format": "int64", "minimum": 1]], required: ["type", "id"])
                .merging(["additionalProperties": false]) { a, _ in a },
            "role": ["type": "string", "enum": DomainSchema.participantRoles],
        ], required: ["participant", "role"])
        return [
            "Problem": object(["type": text, "title": text, "status": integer, "detail": text, "field": text],
                              required: ["type", "title", "status", "detail"]),
            "StartParameters": object(["parameters": ["type": "object", "additionalProperties": ["type": ["string", "number", "integer", "boolean"]]]],
                                      required: []),
            "WorkflowList": object(["workflows": ["type": "array", "items": workflow]], required: ["workflows"]),
            "Schedule": schedule,
            "ScheduleList": object(["schedules": ["type": "array", "items": ["$ref": "#/components/schemas/Schedule"]]], required: ["schedules"]),
            "Outbox": object([
                "messages": ["type": "array", "items": message],
                "next_cursor": ["type": ["string", "null"], "description": "Give it as cursor for the next page; null on the last"],
            ], required: ["messages", "next_cursor"]),
            "Health": object(["status": text], required: ["status"]),
            "Run": run,
            "RunList": object([
                "runs": ["type": "array", "items": ["$ref": "#/components/schemas/Run"]],
                "next_cursor": ["type": ["string", "null"], "description": "Give it as cursor for the next page; null on the last"],
            ], required: ["runs", "next_cursor"]),
            "QueuedRun": queued,
            "Queue": object(["waiting": ["type": "array", "items": ["$ref": "#/components/schemas/QueuedRun"]]], required: ["waiting"]),
            "Record": object([
                "id": integer, "type": text, "status": text, "created_at": text, "updated_at": text, "archived_at": optionalText,
                "owner": ["type": ["integer", "null"], "description": "The id of the organisation it belongs to (who may see and change it)"],
                "fields": ["type": "object", "description": "By name: money as {amount, currency}, a link as {type, id}"],
            ], required: ["id", "type", "created_at", "updated_at", "archived_at", "owner", "fields"]),
            "RecordPage": object([
                "records": ["type": "array", "items": ["$ref": "#/components/schemas/Record"]],
                "next_cursor": ["type": ["string", "null"], "description": "Give it as cursor for the next page; null on the last"],
            ], required: ["records", "next_cursor"]),
            "Delivery": object(["delivery": integer, "queued_run": integer, "workflow": text], required: ["delivery", "queued_run", "workflow"]),
            "Participant": participant.merging(["additionalProperties": false]) { a, _ in a },
            "ParticipantList": object(["event": integer, "participants": ["type": "array", "items": participant]],
                                      required: ["event", "participants"]),
        ]
    }
}
