import ComityCore
import ComityEngine
import ComityService
import Foundation
import Hummingbird

/// `GET /v1/workflows` (what the scripts declare), `POST /v1/workflows/NAME/runs` (a run
/// queued with typed parameters) and `POST /v1/runs/ID/retry` (its next attempt
/// queued). Both queue and answer 202: the daemon, a worker or `serve
/// --with-scheduler` runs them; the server runs no script.
enum WorkflowRoutes {
    static func add(to api: RouterGroup<ComityRequestContext>, engine: EngineExecutor, settings: ServerSettings) {
        api.get("workflows") { _, _ in
            let workflows = try await engine.read { $0.catalog().workflows }
            return try JSONResponse.response(WorkflowListJSON(workflows: workflows))
        }
        api.post("workflows/:name/runs") { request, context in
            let name = context.parameters.get("name") ?? ""
            return try await queue(request, context, engine: engine, settings: settings) { body, token, claim, answer in
                let parameters = try parameters(body)
                return { engine in try engine.start(workflow: name, parameters: parameters, by: token, idempotency: claim, answer: answer) }
            }
        }
        api.post("runs/:id/retry") { request, context in
            let id = PathID.text(context)
            return try await queue(request, context, engine: engine, settings: settings) { _, token, claim, answer in
                { engine in try engine.queueRetry(id, by: token, idempotency: claim, answer: answer) }
            }
        }
    }

    /// A body that is not `{"parameters": {...}}`.
    struct Malformed: Error {
        var detail: String
    }

    /// `{"parameters": {"days": 14, "since": "2026-01-01"}}` as the text the command
    /// line would give; an empty body is no parameters.
    static func parameters(_ body: Data) throws -> [String: String] {
        guard !body.isEmpty else { return [:] }
        let tree: JSONTree
        do {
            tree = try JSONTree.decodeRefusingDuplicateKeys(body)
        } catch let duplicate as JSONTree.DuplicateKey {
            throw Malformed(detail: duplicate.description)
        } catch {
            throw Malformed(detail: "the body is not JSON; send {\"parameters\": {\"name\": value}}")
        }
        guard case .object(let object) = tree, object.keys.allSatisfy({ $0 == "parameters" }) else {
            throw Malformed(detail: "the body is a JSON object with one member, parameters: {\"parameters\": {\"name\": value}}")
        }
        guard let given = object["parameters"] else { return [:] }
        guard case .object(let values) = given else { throw Malformed(detail: "parameters is a JSON object of names and values") }
        var text: [String: String] = [:]
        for (name, value) in values {
            switch value {
            case .string(let s): text[name] = s
            case .integer(let i): text[name] = String(i)
            case .number(let d): text[name] = String(d)
            case .boolean(let b): text[name] = String(b)
            default: throw Malformed(detail: "parameter '\(name)' is a JSON \(value.kindName); give text, a number or a boolean")
            }
        }
        return text
    }

    typealias Answer = @Sendable (QueuedRun) throws -> (status: Int, body: Data)

    private static func queue(
        _ request: Request, _ context: ComityRequestContext, engine: EngineExecutor, settings: ServerSettings,
        _ make: (Data, String, IdempotencyClaim?, @escaping Answer) throws -> @Sendable (Engine) throws -> WorkflowStart
    ) async throws -> Response {
        let body: Data
        switch await RequestBody.forWrite(request, settings: settings) {
        case .success(let data): body = data
        case .failure(let refused): return refused.response
        }
        let claim: IdempotencyClaim?
        switch IdempotencyHeader.claim(request, body: body) {
        case .success(let given): claim = given
        case .failure(let refusal): return refusal.response
        }
        let token = context.token?.name ?? "-"
        let answer: Answer = { run in (202, try JSONEncoder.sorted.encode(QueuedRunJSON(run))) }
        let started: WorkflowStart
        do {
            started = try await engine.perform(try make(body, token, claim, answer))
        } catch let malformed as Malformed {
            return ProblemDetails.response(.badRequest, malformed.detail)
        } catch let error as EngineError {
            // No run of that id, or an id that names several.
            return ProblemDetails.response(.notFound, "\(error)")
        }
        switch started {
        case .queued(let run):
            context.logger.info("run queued", metadata: ["token": "\(token)", "workflow": "\(run.workflow)", "queued_run": "\(run.id)"])
            return try JSONResponse.response(QueuedRunJSON(run), status: .accepted)
        case .unknownWorkflow(let name):
            return ProblemDetails.response(.notFound, "no workflow '\(name)' in Scripts/ or its plugins (see /v1/workflows)")
        case .refused(let reason):
            return ProblemDetails.response(.unprocessableContent, reason)
        case .replay(let replay):
            return IdempotencyHeader.response(replay)
        }
    }
}

/// `/v1/workflows`' answer.
struct WorkflowListJSON: Encodable {
    var workflows: [WorkflowSummary]
}
