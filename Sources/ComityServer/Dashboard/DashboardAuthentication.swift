import ComityCore
import Foundation
import Hummingbird

/// The dashboard's pages need a signed-in session: its cookie names a session whose
/// token is still good (a revoked token ends it). A page asked for without one leads to
/// the sign-in form. A form's POST must carry the session's CSRF token, come from this
/// server's own pages (its `Origin`, when sent, is this host) and be made with a
/// `write` token.
struct DashboardAuthentication: RouterMiddleware {
    typealias Context = ComityRequestContext
    static let cookie = "comity_session"
    let engine: EngineExecutor
    let sessions: DashboardSessions
    let settings: ServerSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let id = request.cookies[Self.cookie]?.value, let session = sessions.session(id) else {
            return DashboardPage.redirect("/dashboard/sign-in")
        }
        let token = try await engine.read { try $0.token(hash: session.tokenHash) }
        guard let token, token.revokedAt == nil else {
            sessions.close(id)
            return DashboardPage.redirect("/dashboard/sign-in", cookies: [Self.ended])
        }
        var context = context
        context.token = token
        context.dashboard = (id, session)
        if request.method != .get && request.method != .head {
            if let refused = await refusal(request, session: session, token: token) {
                context.logger.warning("dashboard form refused", metadata: [
                    "token": "\(token.name)", "path": "\(request.uri.path)", "status": "\(refused.status.code)"])
                return refused
            }
        }
        let response = try await next(request, context)
        context.logger.info("dashboard", metadata: [
            "token": "\(token.name)", "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)"])
        return response
    }

    /// Why a form's POST is not taken; nil when it is.
    private func refusal(_ request: Request, session: DashboardSessions.Session, token: AccessToken) async -> Response? {
        func page(_ status: HTTPResponse.Status, _ why: String) -> Response {
            DashboardPage(title: "Not done", body: DashboardPage.message(why, kind: "error") + "<p><a href=\"/dashboard/runs\">Back to the runs</a></p>",
                          csrf: session.csrf, status: status).response
        }
        if let origin = request.headers[.origin], let host = request.head.authority,
           origin != "http://\(host)" && origin != "https://\(host)" {
            return page(.forbidden, "This form was sent from another site (\(origin)); nothing was done.")
        }
        guard case .success(let body) = await RequestBody.read(request, limit: 16 * 1024, timeout: settings.bodyTimeout),
              let form = try? URLEncodedFormDecoder().decode(DashboardForm.self, from: String(decoding: body, as: UTF8.self)),
              DashboardSessions.same(form.csrf, session.csrf)
        else {
            return page(.forbidden, "This form's security token is missing or out of date (open the page again); nothing was done.")
        }
        guard token.allows(.write) else {
            return page(.forbidden, "You signed in with '\(token.name)', a \(token.scope.rawValue) token: this needs a write token. Nothing was done.")
        }
        return nil
    }

    /// The session cookie, ended.
    static var ended: Cookie {
        Cookie(name: cookie, value: "", maxAge: 0, path: "/dashboard", httpOnly: true, sameSite: .strict)
    }
}

/// What every dashboard form sends.
struct DashboardForm: Decodable {
    var csrf: String
}
