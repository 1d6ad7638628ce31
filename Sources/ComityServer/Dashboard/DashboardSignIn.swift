import ComityCore
import ComityService
import Foundation
import HTTPTypes
import HumanReadable
import Hummingbird

/// Signing in to the dashboard with an API token, and out. The sign-in form carries a
/// CSRF token of its own (a cookie and a field that must match), so another site cannot
/// sign a browser in as someone else. A good token opens a session: an HttpOnly,
/// SameSite=Strict cookie (Secure when a TLS proxy says the request came over HTTPS).
enum DashboardSignIn {
    static let formCookie = "comity_sign_in"

    static func add(to router: Router<ComityRequestContext>, engine: EngineExecutor, sessions: DashboardSessions,
                    settings: ServerSettings, metrics: ServerMetrics) {
        router.get("/dashboard") { _, _ in DashboardPage.redirect("/dashboard/runs") }
        router.get("/dashboard/sign-in") { request, _ in form(request, problem: nil) }
        router.post("/dashboard/sign-in") { request, context in
            let body: Data
            switch await RequestBody.read(request, limit: 16 * 1024, timeout: settings.bodyTimeout) {
            case .success(let data): body = data
            case .failure: return form(request, problem: "The form did not arrive whole; send it again.", status: .badRequest)
            }
            guard let given = try? URLEncodedFormDecoder().decode(SignInForm.self, from: String(decoding: body, as: UTF8.self)),
                  let expected = request.cookies[formCookie]?.value, DashboardSessions.same(given.csrf, expected)
            else {
                return form(request, problem: "The sign-in form was out of date; it is shown again, send it once more.", status: .forbidden)
            }
            let secret = given.token.trimmingBlanksAndNewlines()
            let token = secret.isEmpty ? nil : try await engine.perform { try $0.authenticate(secret: secret) }
            guard let token, token.revokedAt == nil else {
                metrics.authenticationFailed()
                context.logger.warning("dashboard sign-in failed", metadata: ["reason": "\(token == nil ? "unknown" : "revoked")"])
                try? await Task.sleep(for: settings.failedAuthenticationDelay)
                return form(request, problem: token == nil ? "That token is not known." : "That token was revoked.", status: .unauthorized)
            }
            guard token.person == nil else {
                return form(request, problem: "That token acts as a person; the dashboard shows every organisation's runs and messages, "
                            + "and signs in with a workspace token only.", status: .forbidden)
            }
            let (id, _) = sessions.open(tokenHash: Engine.tokenHash(secret))
            context.logger.info("dashboard sign-in", metadata: ["token": "\(token.name)"])
            let session = Cookie(name: DashboardAuthentication.cookie, value: id, maxAge: Int(DashboardSessions.lifetime), path: "/dashboard",
                                 secure: overTLS(request), httpOnly: true, sameSite: .strict)
            let spent = Cookie(name: formCookie, value: "", maxAge: 0, path: "/dashboard/sign-in", httpOnly: true, sameSite: .strict)
            return DashboardPage.redirect("/dashboard/runs", cookies: [session, spent])
        }
    }

    /// Signing out: the session ends, its cookie with it.
    static func addSignOut(to pages: RouterGroup<ComityRequestContext>, sessions: DashboardSessions) {
        pages.post("sign-out") { _, context in
            if let id = context.dashboard?.id { sessions.close(id) }
            return DashboardPage.redirect("/dashboard/sign-in", cookies: [DashboardAuthentication.ended])
        }
    }

    private static func form(_ request: Request, problem: String?, status: HTTPResponse.Status = .ok) -> Response {
        let csrf = DashboardSessions.randomText()
        let body = (problem.map { DashboardPage.message($0, kind: "error") } ?? "") + """
            <form method="post" action="/dashboard/sign-in">\(DashboardPage.csrfField(csrf))
            <p><label>API token<input type="password" name="token" autocomplete="current-password" required size="50"></label></p>
            <p><button>Sign in</button></p></form>
            <p class="note">A token from <code>comity tokens create NAME</code>: a read token shows, a write token may also retry runs and pause schedules.</p>
            """
        var response = DashboardPage(title: "Sign in", body: body, csrf: nil, status: status).response
        response.setCookie(Cookie(name: formCookie, value: csrf, path: "/dashboard/sign-in", secure: overTLS(request), httpOnly: true, sameSite: .strict))
        return response
    }

    /// Whether the request reached the proxy in front over HTTPS.
    private static func overTLS(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }
}

/// What the sign-in form sends.
struct SignInForm: Decodable {
    var token: String
    var csrf: String
}
