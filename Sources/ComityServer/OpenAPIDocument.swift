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
            "info": ["title": "Comity", "version": "1", "description": "The HTTP API of comity serve: runs, the queue, metrics and signed webhook intake."],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "description": "A token from `comity tokens create`"]],
                "schemas": schemas,
            ],
        ]
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
            "caused_by": optionalText, "error": optionalText, "traceback": optionalText,
            "log": ["type": "array", "items": text],
        ], required: ["id", "file", "trigger", "outcome", "attempt", "started_at", "records_created", "records_changed", "dry_run", "parameters"])
        let queued = object([
            "id": integer, "workflow": text, "trigger": text, "enqueued_at": text, "not_before": text, "attempt": integer,
        ], required: ["id", "workflow", "trigger", "enqueued_at", "not_before", "attempt"])
        return [
            "Problem": object(["type": text, "title": text, "status": integer, "detail": text], required: ["type", "title", "status", "detail"]),
            "Health": object(["status": text], required: ["status"]),
            "Run": run,
            "RunList": object(["runs": ["type": "array", "items": ["$ref": "#/components/schemas/Run"]]], required: ["runs"]),
            "QueuedRun": queued,
            "Queue": object(["waiting": ["type": "array", "items": ["$ref": "#/components/schemas/QueuedRun"]]], required: ["waiting"]),
            "Record": object([
                "id": integer, "type": text, "status": text, "created_at": text, "updated_at": text, "archived_at": optionalText,
                "fields": ["type": "object", "description": "By name: money as {amount, currency}, a link as {type, id}"],
            ], required: ["id", "type", "created_at", "updated_at", "archived_at", "fields"]),
            "RecordPage": object([
                "records": ["type": "array", "items": ["$ref": "#/components/schemas/Record"]],
                "next_cursor": ["type": ["string", "null"], "description": "Give it as cursor for the next page; null on the last"],
            ], required: ["records", "next_cursor"]),
            "Delivery": object(["delivery": integer, "queued_run": integer, "workflow": text], required: ["delivery", "queued_run", "workflow"]),
        ]
    }
}
