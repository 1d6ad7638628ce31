import ComityCore
import ComityService
import Foundation
import Hummingbird

/// `GET /v1/runs` (the history, filtered) and `GET /v1/runs/ID` (one run, whole).
enum RunRoutes {
    static func add(to api: RouterGroup<ComityRequestContext>, engine: EngineExecutor) {
        api.get("runs") { request, _ in
            if let refused = KnownQueryParameters.refusal(request, takes: ["workflow", "outcome", "limit"]) { return refused }
            let query = request.uri.queryParameters
            var filter = RunFilter(limit: 50)
            if let workflow = query.get("workflow") { filter.workflow = workflow }
            if let text = query.get("outcome") {
                guard let outcome = RunRecord.Outcome(rawValue: text) else {
                    return ProblemDetails.response(.badRequest, "outcome '\(text)' is not one of \(RunRecord.Outcome.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.outcome = outcome
            }
            if let text = query.get("limit") {
                guard let limit = Int(text), (1...1000).contains(limit) else {
                    return ProblemDetails.response(.badRequest, "limit '\(text)' must be a whole number from 1 to 1000")
                }
                filter.limit = limit
            }
            let chosen = filter
            do {
                let runs = try await engine.read { try $0.runs(chosen) }
                return try JSONResponse.response(RunListJSON(runs: runs.map { RunJSON($0, whole: false) }))
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
