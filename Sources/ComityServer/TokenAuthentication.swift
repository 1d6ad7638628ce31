import ComityCore
import ComityService
import Foundation
import HumanReadable
import Hummingbird
import Logging
import Synchronization

/// `Authorization: Bearer <token>` on every route under `/v1`: a missing, unknown or
/// revoked token gets 401 after a pause (so guessing is slow, and counted); a token
/// whose scope does not cover the method (`read` for GET and HEAD, `write` otherwise)
/// gets 403, as does a token that acts as a person (`comity tokens create --as`) on a route
/// beyond records, reports and workflows (see `personalPath`). The request is logged with the token's name, never the token. A token the
/// store found valid is trusted for `ServerSettings.tokenCacheLifetime` (TokenCache).
struct TokenAuthentication: RouterMiddleware {
    typealias Context = ComityRequestContext
    let engine: EngineExecutor
    let settings: ServerSettings
    let metrics: ServerMetrics
    let noted = TokenUses()
    let cache: TokenCache

    init(engine: EngineExecutor, settings: ServerSettings, metrics: ServerMetrics) {
        self.engine = engine
        self.settings = settings
        self.metrics = metrics
        cache = TokenCache(lifetime: settings.tokenCacheLifetime)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        // The scheme's name is case-insensitive (RFC 9110).
        let secret = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)).trimmingBlanks() : ""
        // A token's use is noted once a minute at most, counted here so that a database
        // that refuses the write (SQLite's lock held by a run) is not asked on every request.
        let now = Int64(Date().timeIntervalSince1970)
        let noteUse = !secret.isEmpty && noted.times.withLock { noted in
            let key = String(secret.prefix(16))
            guard (noted[key] ?? 0) < now - 60 else { return false }
            noted[key] = now
            if noted.count > 10_000 { noted.removeAll() } // unknown tokens must not grow it without end
            return true
        }
        let hash = secret.isEmpty ? "" : Engine.tokenHash(secret)
        var token = secret.isEmpty ? nil : cache.token(hash: hash)
        if token == nil, !secret.isEmpty {
            token = try await engine.read { try $0.authenticate(secret: secret, noteUse: false) }
            if let token { cache.keep(token, hash: hash) }
        }
        if noteUse, let token, token.revokedAt == nil {
            // Noted by the writing engine, not waited for: a request that only reads must
            // not queue behind writes waiting for a busy database.
            Task { _ = try? await engine.perform { try $0.authenticate(secret: secret, noteUse: true) } }
        }
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
        if token.person != nil, !Self.personalPath(request.uri.path) {
            context.logger.warning("refused: person token", metadata: ["token": "\(token.name)", "path": "\(request.uri.path)"])
            return ProblemDetails.response(.forbidden, "the token '\(token.name)' acts as a person: it reaches records, reports and workflows; "
                + "runs, the queue, schedules, the outbox and workers are the workspace's (use a token made without --as)")
        }
        var context = context
        context.token = token
        let response = try await next(request, context)
        context.logger.info("request", metadata: [
            "token": "\(token.name)", "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)"])
        return response
    }
}

/// When each token's use was last noted (by the start of its text), shared by the
/// requests of one server.
final class TokenUses: Sendable {
    let times = Mutex<[String: Int64]>([:])
}

extension TokenAuthentication {
    /// The paths a token that acts as a person reaches (records, reports, workflows): what
    /// the access policy scopes. The rest (runs and their logs, the queue, schedules, the
    /// outbox) shows every organisation's data and is the workspace's.
    static func personalPath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0] == "v1" else { return false }
        let first = String(parts[1])
        return first == "reports" || first == "workflows" || RecordType.allCases.contains { $0.collection == first }
    }
}
