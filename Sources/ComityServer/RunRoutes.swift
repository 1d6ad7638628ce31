import ComityCore
import ComityService
import Foundation
import Hummingbird

/// `GET /v1/runs` (the history, filtered) and `GET /v1/runs/ID` (one run, whole).
enum RunRoutes {
    static func add(to api: RouterGroup<ComityRequestContext>, engine: EngineExecutor) {
        api.get("runs") { request, _ in
            if let refused = KnownQueryParameters.refusal(request, takes: ["workflow", "outcome", "trigger", "since", "limit", "cursor"]) { return refused }
            let query = request.uri.queryParameters
            var filter = RunFilter(limit: 50)
            if let workflow = query.get("workflow") { filter.workflow = workflow }
            if let text = query.get("outcome") {
                guard let outcome = RunRecord.Outcome(rawValue: text) else {
                    return ProblemDetails.response(.badRequest, "outcome '\(text)' is not one of \(RunRecord.Outcome.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.outcome = outcome
            }
            do throws(QueryParameterError) {
                if let text = query.get("limit") { filter.limit = try PageQuery.limit(text) }
                if let text = query.get("cursor") { filter.offset = Int(try PageQuery.cursor(text, upTo: 10_000_000)) }
            } catch {
                return ProblemDetails.response(.badRequest, error.description)
            }
            if let text = query.get("trigger") {
                guard let kind = RunTrigger.Kind(rawValue: text) else {
                    return ProblemDetails.response(.badRequest, "trigger '\(text)' is not one of \(RunTrigger.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.triggerKind = kind
            }
            if let text = query.get("since") {
                do { filter.since = try Timestamp(parsing: text, field: "since") } catch let refusal as DomainError {
                    return ProblemDetails.response(.badRequest, refusal.message)
                }
            }
            // One more than the page, to know whether another follows.
            let limit = filter.limit
            filter.limit += 1
            let chosen = filter
            do {
                let found = try await engine.read { try $0.runs(chosen) }
                let next = found.count > limit ? String(chosen.offset + limit) : nil
                return try JSONResponse.response(PageJSON(name: "runs", items: found.prefix(limit).map { RunJSON($0, whole: false) }, nextCursor: next))
            } catch let error as EngineError {
                // A workflow no script declares and no run had.
                return ProblemDetails.response(.notFound, "\(error)")
            }
        }
        api.get("runs/:id") { _, context in
            let id = PathID.text(context)
            do {
                let run = try await engine.read { try $0.findRun(id) }
                return try JSONResponse.response(RunJSON(run, whole: true))
            } catch let error as EngineError {
                return ProblemDetails.response(.notFound, "\(error)")
            }
        }
    }
}
