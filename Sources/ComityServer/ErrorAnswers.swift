import ComityCore
import ComityService
import Hummingbird
import Logging

/// What a request that fails is answered: problem details always (never an empty body).
/// A route's own HTTPError keeps its status; a method a path does not take is 405 with
/// `Allow` (not 404: the path exists); an engine refusal is 400 with its words; a busy
/// database or a write that waited too long for its turn is 503 with `Retry-After`;
/// anything else is 500 with nothing of its internals, and logged.
struct ErrorAnswers: RouterMiddleware {
    typealias Context = ComityRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as EngineError {
            return ProblemDetails.response(.badRequest, "\(error)")
        } catch let busy as EngineExecutor.Busy {
            return ProblemDetails.response(.serviceUnavailable, "\(busy); send it again", headers: [.retryAfter: "5"])
        } catch let error as StoreError where error.kind == .locked || error.kind == .unavailable {
            // Not the store's own words: they name the database's file, the server's business.
            let why = error.kind == .locked ? "another process is writing to it" : "it cannot be reached"
            context.logger.warning("database busy", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return ProblemDetails.response(.serviceUnavailable, "the database is busy (\(why)); nothing was written, send it again",
                                           headers: [.retryAfter: "2"])
        } catch let error as any HTTPResponseError {
            if error.status == .notFound {
                var allowed = APIOperation.all(.standard).filter { $0.matches(path: request.uri.path) }.map(\.method)
                if allowed.contains("GET") { allowed.append("HEAD") } // HeadRequests answers it
                if !allowed.isEmpty {
                    return ProblemDetails.response(.methodNotAllowed, "\(request.uri.path) takes \(allowed.joined(separator: ", ")), not \(request.method)",
                                                   headers: [.allow: allowed.joined(separator: ", ")])
                }
                return ProblemDetails.response(.notFound, "no such route (see /v1/openapi.json)")
            }
            let detail = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            return ProblemDetails.response(error.status, detail)
        } catch {
            context.logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            return ProblemDetails.response(.internalServerError, "the server could not answer this request; its log says why")
        }
    }
}

extension APIOperation {
    /// Whether a request's path is this operation's (`:name` matching one segment).
    func matches(path: String) -> Bool {
        let given = path.split(separator: "/")
        let template = self.path.split(separator: "/")
        return given.count == template.count && zip(given, template).allSatisfy { $1.hasPrefix(":") || $0 == $1 }
    }
}
