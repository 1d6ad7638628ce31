import ComityCore
import ComityService
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The dashboard through a live server: signing in and out, the session cookie, CSRF
/// tokens, scopes and a revoked token over HTTP; every page and a retry through its
/// form in headless Chromium.
@Suite struct DashboardTests {
    /// A workspace with a workflow that failed once (with a parameter and a log line that
    /// is HTML), a scheduled one, a report, and a write and a read token.
    static func workspace() throws -> (space: ServedWorkspace, failed: String, writer: String, reader: String) {
        let space = try ServedWorkspace()
        try space.write("Scripts/flaky.lua", """
            return workflow { name = "flaky", params = { days = { type = "integer", default = 14 } }, run = function(ctx)
              orgs.create { name = "Kept only if it succeeds" }
              ctx.log("<script>alert(1)</script> and days", ctx.params.days)
              error("the form had no email")
            end }
            """)
        try space.write("Scripts/weekly.lua", """
            return workflow { name = "weekly", schedule = "0 8 * * 1", run = function(ctx) end }
            """)
        try space.write("Scripts/reports/orgs-count.lua", """
            return report { title = "Organisations", sections = { { heading = "Count", text = ("%d organisations"):format(orgs.count()) },
              { heading = "Chart", chart = { kind = "bar", labels = { "A", "B" }, values = { 1, 2 } } } } }
            """)
        let engine = try space.open()
        let run = try engine.run(workflow: "flaky", parameters: ["days": .integer(9)], output: { _ in })
        let failed = try #require(try engine.runs(RunFilter(workflow: "flaky")).first)
        #expect(failed.outcome == .failed, "\(run)")
        _ = try engine.schedules()
        let writer = try engine.createToken(name: "coordinator", scope: .write).secret
        let reader = try engine.createToken(name: "board", scope: .read).secret
        return (space, failed.id, writer, reader)
    }

    /// Signs in through the form as a browser would: the form's cookie and field, then
    /// the token. Answers the session's cookie header and a CSRF token of its pages.
    static func signIn(_ client: LiveClient, token: String) async throws -> (cookie: String, csrf: String, answer: ServedResponse) {
        let form = try await client.execute(uri: "/dashboard/sign-in", method: .get)
        let formCookie = try #require(cookie(form, "comity_sign_in"))
        let csrf = try #require(field(form.text, "csrf"))
        let answer = try await client.execute(uri: "/dashboard/sign-in", method: .post,
                                              headers: [.cookie: "comity_sign_in=\(formCookie)", .contentType: "application/x-www-form-urlencoded"],
                                              body: ByteBuffer(string: "token=\(token)&csrf=\(csrf)"))
        let session = cookie(answer, "comity_session") ?? ""
        let page = try await client.execute(uri: "/dashboard/runs", method: .get, headers: [.cookie: "comity_session=\(session)"])
        return ("comity_session=\(session)", field(page.text, "csrf") ?? "", answer)
    }

    static func cookie(_ answer: ServedResponse, _ name: String) -> String? {
        answer.headers[values: .setCookie].first { $0.hasPrefix(name + "=") }
            .map { String($0.dropFirst(name.count + 1).prefix { $0 != ";" }) }
    }

    static func field(_ html: String, _ name: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    static func form(_ fields: String, cookie: String, origin: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
        if let origin { headers[.origin] = origin }
        return headers
    }

    @Test func signingInGivesAStrictHttpOnlySessionAndFormsNeedItsCSRFTokenAndAWriteToken() async throws {
        let (space, failed, writer, reader) = try Self.workspace()
        let answers = try await space.serve { client in
            var answers: [String: ServedResponse] = [:]
            answers["no session"] = try await client.execute(uri: "/dashboard/runs", method: .get)
            answers["forged session"] = try await client.execute(uri: "/dashboard/runs", method: .get, headers: [.cookie: "comity_session=guessed"])
            answers["stale sign-in form"] = try await client.execute(
                uri: "/dashboard/sign-in", method: .post, headers: [.cookie: "comity_sign_in=a", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "token=\(writer)&csrf=b"))
            answers["unknown token"] = try await Self.signIn(client, token: "comity_not-a-token").answer
            let (cookie, csrf, signedIn) = try await Self.signIn(client, token: writer)
            answers["signed in"] = signedIn
            answers["run page"] = try await client.execute(uri: "/dashboard/runs/\(failed)", method: .get, headers: [.cookie: cookie])
            answers["failed runs"] = try await client.execute(uri: "/dashboard/runs?outcome=failed&trigger=manual", method: .get, headers: [.cookie: cookie])
            answers["bad filter"] = try await client.execute(uri: "/dashboard/runs?workflow=flakey&since=yesterday", method: .get, headers: [.cookie: cookie])
            let retry = "/dashboard/runs/\(failed)/retry"
            answers["no csrf"] = try await client.execute(uri: retry, method: .post, headers: Self.form("", cookie: cookie), body: ByteBuffer(string: ""))
            answers["wrong csrf"] = try await client.execute(uri: retry, method: .post, headers: Self.form("", cookie: cookie), body: ByteBuffer(string: "csrf=x\(csrf)"))
            answers["other origin"] = try await client.execute(uri: retry, method: .post, headers: Self.form("", cookie: cookie, origin: "https://evil.example"),
                                                               body: ByteBuffer(string: "csrf=\(csrf)"))
            let (readCookie, readCSRF, _) = try await Self.signIn(client, token: reader)
            answers["read token"] = try await client.execute(uri: retry, method: .post, headers: Self.form("", cookie: readCookie), body: ByteBuffer(string: "csrf=\(readCSRF)"))
            answers["read token reads"] = try await client.execute(uri: "/dashboard/queue", method: .get, headers: [.cookie: readCookie])
            answers["retry"] = try await client.execute(uri: retry, method: .post, headers: Self.form("", cookie: cookie), body: ByteBuffer(string: "csrf=\(csrf)"))
            answers["pause"] = try await client.execute(uri: "/dashboard/schedules/weekly/pause", method: .post, headers: Self.form("", cookie: cookie),
                                                        body: ByteBuffer(string: "csrf=\(csrf)"))
            answers["sign out"] = try await client.execute(uri: "/dashboard/sign-out", method: .post, headers: Self.form("", cookie: cookie), body: ByteBuffer(string: "csrf=\(csrf)"))
            answers["after sign-out"] = try await client.execute(uri: "/dashboard/runs", method: .get, headers: [.cookie: cookie])
            try space.open().revokeToken(name: "board")
            answers["after revoking"] = try await client.execute(uri: "/dashboard/runs", method: .get, headers: [.cookie: readCookie])
            return answers
        }
        for name in ["no session", "forged session", "after sign-out", "after revoking"] {
            #expect(answers[name]?.status == .seeOther && answers[name]?.headers[.location] == "/dashboard/sign-in", "\(name)")
        }
        #expect(answers["stale sign-in form"]?.status == .forbidden && answers["stale sign-in form"]?.headers[values: .setCookie].contains { $0.hasPrefix("comity_session") } == false)
        #expect(answers["unknown token"]?.status == .unauthorized && answers["unknown token"]?.text.contains("not known") == true)
        let session = answers["signed in"]?.headers[values: .setCookie].first { $0.hasPrefix("comity_session=") } ?? ""
        #expect(answers["signed in"]?.status == .seeOther && answers["signed in"]?.headers[.location] == "/dashboard/runs")
        #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/dashboard"), "\(session)")
        // The run's page: its log escaped, its error, its parameters, a retry form.
        let page = answers["run page"]?.text ?? ""
        #expect(answers["run page"]?.status == .ok && answers["run page"]?.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.contains("<script>"), "\(page)")
        #expect(page.contains("the form had no email") && page.contains("days = 9") && page.contains("action=\"/dashboard/runs/\(failed)/retry\""))
        #expect(answers["failed runs"]?.text.contains("/dashboard/runs/\(failed)") == true)
        #expect(answers["bad filter"]?.text.contains("did you mean &#39;flaky&#39;?") == true, "\(answers["bad filter"]?.text ?? "")")
        #expect(answers["bad filter"]?.text.contains("invalid since &#39;yesterday&#39;") == true)
        for name in ["no csrf", "wrong csrf", "other origin", "read token"] {
            #expect(answers[name]?.status == .forbidden && answers[name]?.text.lowercased().contains("nothing was done") == true,
                    "\(name): \(answers[name]?.text ?? "")")
        }
        #expect(answers["read token"]?.text.contains("needs a write token") == true)
        #expect(answers["read token reads"]?.status == .ok)
        #expect(answers["retry"]?.status == .seeOther && answers["retry"]?.headers[.location]?.hasPrefix("/dashboard/queue?queued=") == true)
        #expect(answers["pause"]?.status == .seeOther && answers["sign out"]?.status == .seeOther)
        // One retry queued (the refused forms queued nothing), with the run's parameters; the schedule paused.
        let engine = try space.open()
        let queued = try engine.store.read { try $0.queuedRuns() }
        #expect(queued.count == 1 && queued.first?.trigger.causedBy == failed && queued.first?.parameters == ["days": "9"], "\(queued)")
        #expect(try engine.schedules().first { $0.schedule.workflow == "weekly" }?.schedule.paused == true)
    }

    @Test func everyPageLoadsInHeadlessChromiumWithoutAConsoleErrorAndARetryThroughItsFormIsQueued() async throws {
        let chromium = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "chromium is not installed (make test installs it)")
        let checker = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("browser-check.py")
        let (space, failed, writer, _) = try Self.workspace()
        let pages = ["/dashboard/runs", "/dashboard/runs?outcome=failed&workflow=flaky", "/dashboard/runs/\(failed)", "/dashboard/queue",
                     "/dashboard/schedules", "/dashboard/workers", "/dashboard/outbox", "/dashboard/reports", "/dashboard/reports/orgs-count"]
        let plan = try JSONSerialization.data(withJSONObject: [
            "pages": pages,
            "clicks": [["page": "/dashboard/runs/\(failed)", "form": "/dashboard/runs/\(failed)/retry"],
                       ["page": "/dashboard/schedules", "form": "/dashboard/schedules/weekly/pause"]],
        ])
        let planFile = space.folder.appendingPathComponent("plan.json")
        try plan.write(to: planFile)
        let profile = space.folder.appendingPathComponent(".chromium").path
        let output = try await space.serveRaw { port in
            try await Self.runChecker(checker, arguments: [chromium, "http://127.0.0.1:\(port)", writer, profile, planFile.path])
        }
        let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any], "\(String(decoding: output, as: UTF8.self))")
        func string(_ page: Any?, _ key: String) -> String { (page as? [String: Any])?[key] as? String ?? "" }
        func errors(_ page: Any?) -> [String] { (page as? [String: Any])?["errors"] as? [String] ?? ["not seen"] }
        #expect(string(report["before_sign_in"], "location") == "/dashboard/sign-in")
        #expect(string(report["signed_in"], "location") == "/dashboard/runs" && errors(report["signed_in"]).isEmpty, "\(report["signed_in"] ?? "")")
        // HttpOnly: the page's scripts cannot read the session.
        #expect(report["cookie_visible_to_scripts"] as? String == "")
        let seen = report["pages"] as? [[String: Any]] ?? []
        #expect(seen.count == pages.count)
        let headings = ["Runs", "Runs", "Run of flaky", "Queue", "Schedules", "Workers", "Outbox", "Reports", "Organisations"]
        for (page, heading) in zip(seen, headings) {
            #expect(string(page, "heading") == heading && errors(page).isEmpty, "\(string(page, "path")): \(string(page, "heading")) \(errors(page))")
        }
        #expect(string(seen[2], "text").contains("the form had no email"))
        let clicks = report["clicks"] as? [[String: Any]] ?? []
        try #require(clicks.count == 2)
        #expect(clicks[0]["pressed"] as? Bool == true && string(clicks[0], "location").hasPrefix("/dashboard/queue?queued="), "\(clicks[0])")
        #expect(string(clicks[0], "text").contains("flaky") && errors(clicks[0]).isEmpty)
        #expect(string(clicks[1], "location") == "/dashboard/schedules" && string(clicks[1], "text").contains("paused"))
        let engine = try space.open()
        let queued = try engine.store.read { try $0.queuedRuns() }
        #expect(queued.count == 1 && queued.first?.trigger.causedBy == failed && queued.first?.attempt == 2, "\(queued)")
    }

    /// Runs the browser checker, answering what it printed; its errors fail the test. It
    /// waits on a thread of its own: the cooperative pool's few threads serve the server.
    static func runChecker(_ script: URL, arguments: [String]) async throws -> Data {
        let (status, data, problems) = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runCheckerWaiting(script, arguments: arguments) })
            }
        }
        #expect(status == 0, "\(problems)")
        return data
    }

    static func runCheckerWaiting(_ script: URL, arguments: [String]) throws -> (Int32, Data, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let problems = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, data, problems)
    }
}
