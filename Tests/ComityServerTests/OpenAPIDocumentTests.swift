import ComityCore
import ComityService
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import ComityServer

/// `/v1/openapi.json` is kept true: the router has exactly the documented routes, and
/// every request tried (good ones and bad ones) is answered with a documented status and,
/// where the document gives a schema, a body with its required fields.
@Suite struct OpenAPIDocumentTests {
    @Test func theRouterHasExactlyTheDocumentedRoutes() throws {
        let space = try ServedWorkspace()
        let engine = try space.open()
        let router = ComityServer.router(engine: EngineExecutor(engine), workspace: engine.workspace, settings: ServerSettings(),
                                         metrics: ServerMetrics())
        // The dashboard's pages are HTML for people, not the API the document describes.
        let routed = Set(router.routes.map { "\($0.method.rawValue) /" + "\($0.path)".split(separator: "/").joined(separator: "/") }
            .filter { !$0.contains(" /dashboard") })
        let documented = Set(APIOperation.all(engine.workspace.schema).map { "\($0.method) \($0.openAPIPath)" })
        #expect(routed == documented, "routed only: \(routed.subtracting(documented)); documented only: \(documented.subtracting(routed))")
    }

    @Test func everyAnswerIsOneTheDocumentGives() async throws {
        let space = try ServedWorkspace()
        let engine = try space.open()
        let writer = try engine.createToken(name: "writer", scope: .write)
        let reader = try engine.createToken(name: "reader", scope: .read)
        _ = try engine.run(file: space.folder.appendingPathComponent("Scripts/intake-kobo.lua").path, output: { _ in })
        try space.write("Scripts/orgs.lua", """
            for i = 1, 5 do orgs.create { name = "Org " .. i, country = "KE", tags = { "t" .. i } } end
            local funder = orgs.create { name = "Fund", country = "DE", kind = "foundation" }
            grants.create { title = "G", funder = funder, recipient = orgs.find { name = "Org 1" }(), amount_requested = money("1000.50 EUR") }
            """)
        #expect(try engine.run(file: space.folder.appendingPathComponent("Scripts/orgs.lua").path, output: { _ in }).run.record.outcome == .succeeded)
        let form = #"{"name":"Hope Foundation","tags":["a","b"]}"#
        let operations = APIOperation.all(engine.workspace.schema)
        let document = try #require(OpenAPIDocument.document(engine.workspace.schema)["components"] as? [String: Any])
        let schemas = try #require(document["schemas"] as? [String: [String: Any]])
        struct Tried: Sendable {
            var method: String, path: String, uri: String, status: Int, body: String, contentType: String?
        }
        let tried = try await space.serve { client in
            var tried: [Tried] = []
            func send(_ method: HTTPRequest.Method, _ path: String, _ uri: String, token: String? = nil, headers: HTTPFields = [:],
                      body: String? = nil) async throws {
                var fields = headers
                if let token { fields[.authorization] = "Bearer \(token)" }
                let response = try await client.execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
                tried.append(Tried(method: method.rawValue, path: path, uri: uri, status: response.status.code, body: String(buffer: response.body),
                                   contentType: response.headers[.contentType]))
            }
            try await send(.get, "/health", "/health")
            try await send(.get, "/v1/openapi.json", "/v1/openapi.json")
            for token in [writer.secret, nil, "comity_wrong"] {
                try await send(.get, "/v1/runs", "/v1/runs", token: token)
                try await send(.get, "/v1/queue", "/v1/queue", token: token)
                try await send(.get, "/v1/metrics", "/v1/metrics", token: token)
            }
            for uri in ["/v1/runs?limit=0", "/v1/runs?limit=x", "/v1/runs?outcome=great", "/v1/runs?workflow=intake-kobo&outcome=failed&limit=2"] {
                try await send(.get, "/v1/runs", uri, token: writer.secret)
            }
            for id in ["ffff", "f", "00000000-0000-0000-0000-000000000000"] {
                try await send(.get, "/v1/runs/:id", "/v1/runs/\(id)", token: writer.secret)
            }
            let listed = tried.last { $0.uri == "/v1/runs" && $0.status == 200 }?.body ?? ""
            if let id = (try? JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: [[String: Any]]])?["runs"]?.first?["id"] as? String {
                try await send(.get, "/v1/runs/:id", "/v1/runs/\(id)", token: writer.secret)
            }
            for uri in ["/v1/orgs?limit=2", "/v1/orgs?limit=2&cursor=2", "/v1/orgs?country=KE&country=DE&order_by=-name",
                        "/v1/orgs?nmae=x", "/v1/orgs?limit=0", "/v1/orgs?cursor=abc", "/v1/orgs?order_by=nope", "/v1/grants?funder=x",
                        "/v1/grants?amount_requested_min=1000%20EUR", "/v1/tasks?overdue=true", "/v1/orgs?name_contains=org&archived=true"] {
                try await send(.get, String(uri.prefix { $0 != "?" }), uri, token: writer.secret)
            }
            for uri in ["/v1/orgs/1", "/v1/orgs/999", "/v1/orgs/x", "/v1/grants/1"] {
                try await send(.get, uri.hasPrefix("/v1/grants") ? "/v1/grants/:id" : "/v1/orgs/:id", uri, token: writer.secret)
            }
            try await send(.post, "/hooks/:name", "/hooks/kobo", headers: ServedWorkspace.signed(form, delivery: "d-1"), body: form)
            try await send(.post, "/hooks/:name", "/hooks/kobo", headers: ServedWorkspace.signed(form, delivery: "d-1"), body: form)
            try await send(.post, "/hooks/:name", "/hooks/kobo", body: form)
            try await send(.post, "/hooks/:name", "/hooks/nope", body: form)
            try await send(.post, "/hooks/:name", "/hooks/broken", headers: ServedWorkspace.signed(form, delivery: "d-2"), body: form)
            for id in ["1", "1", "x", "-5"] {
                try await send(.delete, "/v1/queue/:id", "/v1/queue/\(id)", token: writer.secret)
            }
            try await send(.delete, "/v1/queue/:id", "/v1/queue/1", token: reader.secret)
            return tried
        }
        #expect(tried.count >= 25)
        for answer in tried {
            let operation = try #require(operations.first { $0.method == answer.method && $0.path == answer.path })
            guard let (_, schemaName) = operation.responses[answer.status] else {
                Issue.record("\(answer.method) \(answer.uri) answered \(answer.status), which the document does not give (\(answer.body))")
                continue
            }
            guard let schemaName else { continue }
            let expectedType = schemaName == "Problem" ? "application/problem+json" : "application/json"
            #expect(answer.contentType == expectedType, "\(answer.method) \(answer.uri)")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any], "\(answer.uri): \(answer.body)")
            let required = (schemas[schemaName]?["required"] as? [String]) ?? []
            #expect(required.allSatisfy { body[$0] != nil }, "\(answer.method) \(answer.uri) \(answer.status): \(answer.body) lacks one of \(required)")
            let known = Set(((schemas[schemaName]?["properties"] as? [String: Any]) ?? [:]).keys)
            #expect(Set(body.keys).isSubset(of: known), "\(answer.method) \(answer.uri): fields not in \(schemaName): \(Set(body.keys).subtracting(known))")
        }
        // The document itself.
        let served = try #require(tried.first { $0.uri == "/v1/openapi.json" })
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(served.body.utf8)) as? [String: Any])
        #expect(parsed["openapi"] as? String == "3.1.0")
        #expect(((parsed["paths"] as? [String: Any])?.keys.sorted()) == Set(operations.map(\.openAPIPath)).sorted())
    }
}
