import ComityCore
import Foundation
import Hummingbird
import Logging

/// `Authorization: Bearer <token>` on every route under `/v1`: a missing, unknown or
/// revoked token gets 401 after a pause (so guessing is slow, and counted); a token
/// whose scope does not cover the method (`read` for GET and HEAD, `write` otherwise)
/// gets 403. The request is logged with the token's name, never the token.
struct TokenAuthentication: RouterMiddleware {
    typealias Context = ComityRequestContext
    let engine: EngineExecutor
    let settings: ServerSettings
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        let secret = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
        let token = secret.isEmpty ? nil : try await engine.perform { try $0.authenticate(secret: secret) }
        guard let token, token.revokedAt == nil else {
            metrics.authenticationFailed()
            let reason = secret.isEmpty ? "no token: send Authorization: Bearer <token> (comity tokens create NAME)"
                : token == nil ? "the token is not known" : "the token '\(token?.name ?? "")' was revoked"
            context.logger.warning("authentication failed", metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "reason": "\(token == nil ? (secret.isEmpty ? "missing" : "unknown") : "revoked")"])
            try? await Task.sleep(for: settings.failedAuthenticationDelay)
            return ProblemDetails.response(.unauthorized, reason, headers: [.wwwAuthenticate: "Bearer"])
        }
        let needed: AccessToken.Scope = request.method == .get || request.method == .head ? .read : .write
        guard token.allows(needed) else {
            context.logger.warning("refused: scope", metadata: ["token": "\(token.name)", "method": "\(request.method)", "path": "\(request.uri.path)"])
            return ProblemDetails.response(.forbidden, "the token '\(token.name)' has scope \(token.scope.rawValue); \(request.method) needs \(needed.rawValue)")
        }
        var context = context
        context.token = token
        let response = try await next(request, context)
        context.logger.info("request", metadata: [
            "token": "\(token.name)", "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)"])
        return response
    }
}
