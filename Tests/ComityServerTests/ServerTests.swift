import Comity
import ComityCore
import ComityEngine
import ComityServer
import ComityService
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

/// A workspace in a temporary folder with one hook, its secret in `.comity/secrets`, and
/// the workflow it queues; served by a real server on 127.0.0.1 to a real HTTP client.
struct ServedWorkspace {
    static let secret = "kobo-secret-value-1"
    let folder: URL

    init(hookSecret: String? = secret, maxBody: Int = 1 << 20) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-server-\(UUID().uuidString)")
        self.maxBody = maxBody
        try write("comity.lua", """
            return { time_zone = "UTC", hooks = {
              kobo = { secret = "KOBO_SECRET", workflow = "intake-kobo" },
              broken = { secret = "UNSET_SECRET", workflow = "intake-kobo" } } }
            """)
        try write("Scripts/intake-kobo.lua", """
            return workflow { name = "intake-kobo", run = function(ctx)
              local form = ctx.trigger.json
              local org = orgs.create { name = form.name, country = form.country }
              ctx.log(ctx.trigger.kind, ctx.trigger.hook, ctx.trigger.delivery, ctx.trigger.headers["x-github-event"],
                      ctx.trigger.headers["x-hub-signature-256"] == nil, #ctx.trigger.body, form.tags[2], org.name)
            end }
            """)
        if let hookSecret {
            try write(".comity/secrets", "KOBO_SECRET=\(hookSecret)\n")
            chmod(folder.appendingPathComponent(".comity/secrets").path, 0o600)
        }
    }

    let maxBody: Int

    func write(_ name: String, _ text: String) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// The engine over the workspace; a PostgreSQL one through the store the Comity library links.
    func open() throws -> Engine {
        PostgresLink.install()
        return try Engine.open(around: folder)
    }

    /// Serves the workspace for `test`, on a free port, to a real HTTP client, then stops
    /// the server. The client waits up to 3 minutes for an answer and the server keeps an
    /// idle connection 5 (unless a test asks for less): under `make test` other suites keep
    /// Swift's cooperative threads, on which the client's tasks run, busy for long.
    func serve<T: Sendable>(metrics: ServerMetrics = ServerMetrics(), idleTimeout: Duration = .seconds(300),
                            bodyTimeout: Duration = .seconds(30), concurrentBodies: Int = 32, tokenCache: Duration = .seconds(2),
                            _ test: @Sendable @escaping (LiveClient) async throws -> T) async throws -> T {
        try await serveRaw(metrics: metrics, idleTimeout: idleTimeout, bodyTimeout: bodyTimeout, concurrentBodies: concurrentBodies,
                           tokenCache: tokenCache) { port in
            let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(180)))
            client.connect()
            do {
                let result = try await test(LiveClient(client: client, port: port))
                try? await client.shutdown()
                return result
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    /// Serves the workspace for `test`, given only the port: for clients that must hold no
    /// connection of their own open while the server's timeouts run.
    func serveRaw<T: Sendable>(metrics: ServerMetrics = ServerMetrics(), idleTimeout: Duration = .seconds(300),
                               bodyTimeout: Duration = .seconds(30), concurrentBodies: Int = 32, tokenCache: Duration = .seconds(2),
                               _ test: @Sendable @escaping (Int) async throws -> T) async throws -> T {
        let engine = try open()
        var settings = ServerSettings()
        settings.port = 0
        settings.maxBodySize = maxBody
        settings.failedAuthenticationDelay = .milliseconds(20)
        settings.idleTimeout = idleTimeout
        settings.bodyTimeout = bodyTimeout
        settings.concurrentBodies = concurrentBodies
        settings.tokenCacheLifetime = tokenCache
        var logger = Logger(label: "comity.serve.test")
        logger.logLevel = .critical
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let app = ComityServer.application(engine: EngineExecutor(engine, readers: [try open(), try open()]), workspace: engine.workspace, settings: settings,
                                           metrics: metrics, logger: logger, listening: { address in listening.yield(Int(address.split(separator: ":").last ?? "") ?? 0) })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: app)], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask(executorPreference: ServerTaskExecutor.shared) {
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                let result = try await test(port)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }

    static func signed(_ body: String, delivery: String, secret: String = secret, event: String = "submission") -> HTTPFields {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        var fields = HTTPFields()
        fields[HTTPField.Name("X-Hub-Signature-256")!] = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        fields[HTTPField.Name("X-GitHub-Delivery")!] = delivery
        fields[HTTPField.Name("X-GitHub-Event")!] = event
        fields[.contentType] = "application/json"
        return fields
    }
}

/// An answer as the tests read it.
struct ServedResponse: Sendable {
    let head: HTTPResponse
    let body: ByteBuffer
    var status: HTTPResponse.Status { head.status }
    var headers: HTTPFields { head.headerFields }
}

/// HummingbirdTesting's HTTP client over a real connection to 127.0.0.1, with a longer
/// wait than its live test framework's 20 s.
struct LiveClient: Sendable {
    let client: TestClient
    let port: Int?

    @discardableResult
    func execute<Result>(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
                         testCallback: @escaping (ServedResponse) async throws -> Result = { $0 }) async throws -> Result {
        var headers = headers
        headers[.connection] = "keep-alive"
        let response = try await client.execute(TestClient.Request(uri, method: method, authority: "localhost", headers: headers, body: body))
        return try await testCallback(ServedResponse(head: response.head, body: response.body ?? ByteBuffer()))
    }
}

extension ServedResponse {
    var text: String { String(buffer: body) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
}

@Suite struct WebhookIntakeTests {
    static let form = #"{"name":"Hope Foundation","country":"KE","tags":["youth","health"]}"#

    @Test func aSignedDeliveryIsKeptWithItsWorkflowQueuedAndTheRunReadsIt() async throws {
        let space = try ServedWorkspace()
        let answer = try await space.serve { client in
            try await client.execute(uri: "/hooks/kobo", method: .post, headers: ServedWorkspace.signed(Self.form, delivery: "d-1"),
                                     body: ByteBuffer(string: Self.form)) { response in response }
        }
        #expect(answer.status == .accepted, "\(answer.text)")
        #expect(answer.json["workflow"] as? String == "intake-kobo")
        let queuedID = try #require(answer.json["queued_run"] as? Int)
        let engine = try space.open()
        let queued = try engine.store.read { try $0.queuedRuns() }
        #expect(queued.map(\.id) == [Int64(queuedID)])
        #expect(queued.first?.trigger.kind == .hook && queued.first?.trigger.event == "kobo")
        // The run, whoever takes it, reads the delivery as ctx.trigger.
        let drained = try engine.drainQueue(output: { _ in })
        let run = try #require(drained.runs.first?.record)
        #expect(run.outcome == .succeeded, "\(run.error ?? "")")
        #expect(run.log == ["hook\tkobo\td-1\tsubmission\ttrue\t\(Self.form.utf8.count)\thealth\tHope Foundation"])
        #expect(run.trigger.summary.hasPrefix("hook kobo"))
    }

    @Test func aReplayABadSignatureAStaleTimestampAnUnknownHookABigBodyAndAMissingSecretKeepNothing() async throws {
        let space = try ServedWorkspace(maxBody: 4096)
        let reader = try space.open().createToken(name: "prometheus", scope: .read)
        let (statuses, scraped) = try await space.serve { client in
            var statuses: [String: HTTPResponse.Status] = [:]
            func post(_ name: String, _ uri: String, _ headers: HTTPFields, _ body: String) async throws {
                statuses[name] = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) { $0.status }
            }
            try await post("first", "/hooks/kobo", ServedWorkspace.signed(Self.form, delivery: "d-1"), Self.form)
            try await post("replay", "/hooks/kobo", ServedWorkspace.signed(Self.form, delivery: "d-1"), Self.form)
            try await post("wrong secret", "/hooks/kobo", ServedWorkspace.signed(Self.form, delivery: "d-2", secret: "not-the-secret"), Self.form)
            try await post("changed body", "/hooks/kobo", ServedWorkspace.signed(Self.form, delivery: "d-3"), Self.form + " ")
            var unsigned = ServedWorkspace.signed(Self.form, delivery: "d-4")
            unsigned[HTTPField.Name("X-Hub-Signature-256")!] = nil
            try await post("unsigned", "/hooks/kobo", unsigned, Self.form)
            let stamp = Int64(Date().timeIntervalSince1970) - 600
            let mac = HMAC<SHA256>.authenticationCode(for: Data("msg_1.\(stamp).\(Self.form)".utf8),
                                                      using: SymmetricKey(data: Data(ServedWorkspace.secret.utf8)))
            var stale = HTTPFields()
            stale[HTTPField.Name("webhook-id")!] = "msg_1"
            stale[HTTPField.Name("webhook-timestamp")!] = "\(stamp)"
            stale[HTTPField.Name("webhook-signature")!] = "v1," + Data(mac).base64EncodedString()
            try await post("stale", "/hooks/kobo", stale, Self.form)
            try await post("unknown hook", "/hooks/typeform", ServedWorkspace.signed(Self.form, delivery: "d-5"), Self.form)
            let big = String(repeating: "x", count: 5000)
            try await post("too big", "/hooks/kobo", ServedWorkspace.signed(big, delivery: "d-6"), big)
            try await post("missing secret", "/hooks/broken", ServedWorkspace.signed(Self.form, delivery: "d-7"), Self.form)
            for invented in ["a", "b", "c"] {
                try await post("invented \(invented)", "/hooks/\(invented)", ServedWorkspace.signed(Self.form, delivery: "x"), Self.form)
            }
            let scraped = try await client.execute(uri: "/v1/metrics", method: .get, headers: [.authorization: "Bearer \(reader.secret)"])
            return (statuses.filter { !$0.key.hasPrefix("invented") }, scraped)
        }
        let expected: [String: HTTPResponse.Status] = [
            "first": .accepted, "replay": .conflict, "wrong secret": .unauthorized, "changed body": .unauthorized,
            "unsigned": .unauthorized, "stale": .unauthorized, "unknown hook": .notFound, "too big": .contentTooLarge,
            "missing secret": .serviceUnavailable,
        ]
        #expect(statuses == expected)
        // Only the first delivery was kept and queued.
        let engine = try space.open()
        #expect(try engine.store.read { try $0.queuedRunCount() } == 1)
        for delivery in ["d-2", "d-3", "d-4", "d-6", "d-7", "msg_1"] {
            #expect(try engine.store.read { try $0.delivery(hook: "kobo", delivery: delivery) } == nil, "\(delivery) was kept")
        }
        // Counted in /metrics; hooks that are not declared share one label, whatever their names.
        #expect(scraped.status == .ok && scraped.headers[.contentType]?.hasPrefix("text/plain") == true)
        let lines = Set(scraped.text.split(separator: "\n").map(String.init))
        for line in [
            #"comity_webhook_deliveries_total{hook="kobo",status="202"} 1"#, #"comity_webhook_deliveries_total{hook="kobo",status="401"} 4"#,
            #"comity_webhook_deliveries_total{hook="kobo",status="409"} 1"#, #"comity_webhook_deliveries_total{hook="kobo",status="413"} 1"#,
            #"comity_webhook_deliveries_total{hook="broken",status="503"} 1"#, #"comity_webhook_deliveries_total{hook="unknown",status="404"} 4"#,
            "comity_queue_waiting_runs 1.0", #"comity_outbox_messages{status="queued"} 0.0"#, #"comity_http_requests_total{status="202"} 1"#,
        ] {
            #expect(lines.contains(line), "no line \(line) in:\n\(scraped.text)")
        }
        #expect(!scraped.text.contains("hook=\"typeform\"") && !scraped.text.contains("hook=\"a\""))
    }
}

extension WebhookIntakeTests {
    /// GitHub's style signs the body only, not the delivery id: a captured delivery sent
    /// again under a new id (or the same id in other letters) is a replay all the same.
    @Test func aGitHubStyleBodySentAgainUnderANewIdIsAReplay() async throws {
        let space = try ServedWorkspace()
        let other = #"{"name":"Another Org","tags":["a","b"]}"#
        let statuses = try await space.serve { client in
            var statuses: [HTTPResponse.Status] = []
            for (body, id) in [(Self.form, "d-1"), (Self.form, "d-9"), (Self.form, "D-1"), (other, "d-10")] {
                statuses.append(try await client.execute(uri: "/hooks/kobo", method: .post, headers: ServedWorkspace.signed(body, delivery: id),
                                                         body: ByteBuffer(string: body)).status)
            }
            return statuses
        }
        #expect(statuses == [.accepted, .conflict, .conflict, .accepted])
        #expect(try space.open().store.read { try $0.queuedRunCount() } == 2)
    }
}

extension WebhookIntakeTests {
    /// A hook whose workflow is missing is the operator's to mend: 503 without a
    /// Retry-After that would have senders try again and again, and nothing kept.
    @Test func aHookWhoseWorkflowIsMissingKeepsNothingAndAsksForNoRetry() async throws {
        let space = try ServedWorkspace()
        try space.write("comity.lua", """
            return { time_zone = "UTC", hooks = { kobo = { secret = "KOBO_SECRET", workflow = "no-such-workflow" } } }
            """)
        let answer = try await space.serve { client in
            try await client.execute(uri: "/hooks/kobo", method: .post, headers: ServedWorkspace.signed(Self.form, delivery: "d-1"),
                                     body: ByteBuffer(string: Self.form))
        }
        #expect(answer.status == .serviceUnavailable && answer.headers[.retryAfter] == nil, "\(answer.text)")
        #expect((answer.json["detail"] as? String)?.contains("its workflow is not ready") == true)
        let engine = try space.open()
        #expect(try engine.store.read { try $0.queuedRunCount() } == 0)
        #expect(try engine.store.read { try $0.delivery(hook: "kobo", delivery: "d-1") } == nil)
    }
}

extension WebhookIntakeTests {
    /// Typeform as it sends: `Typeform-Signature: sha256=<base64>`, the delivery named by
    /// the signed body's `event_id`; a response sent again is a replay.
    @Test func aTypeformResponseIsTakenOnceByItsEventId() async throws {
        let space = try ServedWorkspace()
        try space.write("comity.lua", """
            return { time_zone = "UTC", hooks = { typeform = { secret = "KOBO_SECRET", workflow = "intake-kobo", style = "typeform" } } }
            """)
        let body = #"{"event_id":"01HV8ZQ","event_type":"form_response","name":"Hope Foundation","country":"KE","tags":["a","b"]}"#
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(ServedWorkspace.secret.utf8)))
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("Typeform-Signature")!] = "sha256=" + Data(mac).base64EncodedString()
        let sent = headers
        let answers = try await space.serve { client in
            [try await client.execute(uri: "/hooks/typeform", method: .post, headers: sent, body: ByteBuffer(string: body)),
             try await client.execute(uri: "/hooks/typeform", method: .post, headers: sent, body: ByteBuffer(string: body)),
             try await client.execute(uri: "/hooks/typeform", method: .post, headers: ServedWorkspace.signed(body, delivery: "x"), body: ByteBuffer(string: body))]
        }
        #expect(answers.map(\.status) == [.accepted, .conflict, .unauthorized], "\(answers.map(\.text))")
        let engine = try space.open()
        #expect(try engine.store.read { try $0.delivery(hook: "typeform", delivery: "01HV8ZQ") } != nil)
        #expect(try engine.store.read { try $0.queuedRunCount() } == 1)
    }
}

@Suite struct TokenAuthenticationTests {
    @Test func theBearerSchemeIsReadInAnyLetters() async throws {
        let space = try ServedWorkspace()
        let reader = try space.open().createToken(name: "reader", scope: .read)
        let statuses = try await space.serve { client in
            var statuses: [HTTPResponse.Status] = []
            for scheme in ["bearer", "BEARER", "Bearer"] {
                statuses.append(try await client.execute(uri: "/v1/queue", method: .get, headers: [.authorization: "\(scheme) \(reader.secret)"]).status)
            }
            return statuses
        }
        #expect(statuses == [.ok, .ok, .ok])
    }

    @Test func missingUnknownAndRevokedTokensGet401AndAValidOneReadsRunsAndTheQueue() async throws {
        let space = try ServedWorkspace()
        let engine = try space.open()
        let reader = try engine.createToken(name: "coordinator", scope: .read)
        let revoked = try engine.createToken(name: "old-laptop", scope: .write)
        try engine.revokeToken(name: "old-laptop")
        _ = try engine.run(file: space.folder.appendingPathComponent("Scripts/intake-kobo.lua").path, output: { _ in })
        let metrics = ServerMetrics()
        // Counted from 0, there before the first failure.
        #expect(metrics.text.contains("comity_http_authentication_failures_total 0"), "\(metrics.text)")
        let answers = try await space.serve(metrics: metrics) { client in
            func get(_ uri: String, token: String?) async throws -> ServedResponse {
                var headers = HTTPFields()
                if let token { headers[.authorization] = "Bearer \(token)" }
                return try await client.execute(uri: uri, method: .get, headers: headers)
            }
            return [
                "none": try await get("/v1/runs", token: nil),
                "unknown": try await get("/v1/runs", token: "comity_not-a-token"),
                "revoked": try await get("/v1/runs", token: revoked.secret),
                "runs": try await get("/v1/runs?limit=5", token: reader.secret),
                "bad limit": try await get("/v1/runs?limit=0", token: reader.secret),
                "queue": try await get("/v1/queue", token: reader.secret),
                "no run": try await get("/v1/runs/ffffffff", token: reader.secret),
            ]
        }
        for name in ["none", "unknown", "revoked"] {
            #expect(answers[name]?.status == .unauthorized, "\(name)")
            #expect(answers[name]?.headers[.contentType] == "application/problem+json")
            #expect(answers[name]?.headers[.wwwAuthenticate] == "Bearer")
        }
        #expect(answers["revoked"]?.json["detail"] as? String == "the token 'old-laptop' was revoked")
        #expect(metrics.text.contains("comity_http_authentication_failures_total 3"), "\(metrics.text)")
        let runs = try #require(answers["runs"])
        #expect(runs.status == .ok)
        let listed = try #require(runs.json["runs"] as? [[String: Any]])
        #expect(listed.count == 1 && listed.first?["outcome"] as? String == "failed") // a file run has no delivery to read
        #expect(answers["bad limit"]?.status == .badRequest)
        #expect(answers["queue"]?.status == .ok && (answers["queue"]?.json["waiting"] as? [Any])?.isEmpty == true)
        #expect(answers["no run"]?.status == .notFound)
        // The token's use is noted; the revoked one was refused before anything was noted.
        let tokens = try engine.tokens()
        #expect(tokens.first { $0.name == "coordinator" }?.lastUsedAt != nil)
        #expect(tokens.first { $0.name == "old-laptop" }?.lastUsedAt == nil)
    }

    /// A token revoked while the server runs (as `comity tokens revoke` does, from another
    /// process's engine): with no token cache the next request is refused; with one, every
    /// request sent once its lifetime has passed is.
    @Test(arguments: [Duration.zero, .milliseconds(500)])
    func aTokenRevokedWhileServingIsRefusedWithinTheCachesLifetime(lifetime: Duration) async throws {
        let space = try ServedWorkspace()
        let reader = try space.open().createToken(name: "phone", scope: .read)
        let (before, after) = try await space.serve(tokenCache: lifetime) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(reader.secret)"]
            let before = try await client.execute(uri: "/v1/queue", method: .get, headers: headers).status
            try space.open().revokeToken(name: "phone")
            let revoked = ContinuousClock.now
            if lifetime > .zero { try await Task.sleep(until: revoked + lifetime + .milliseconds(50)) }
            var after: [HTTPResponse.Status] = []
            for _ in 0..<3 { after.append(try await client.execute(uri: "/v1/queue", method: .get, headers: headers).status) }
            return (before, after)
        }
        #expect(before == .ok)
        #expect(after == [.unauthorized, .unauthorized, .unauthorized], "\(after)")
    }

    /// Within the lifetime the store is not asked: a token revoked a moment ago still
    /// reads (what the cache trades), an unknown one is refused each time (never kept).
    @Test func aCheckedTokenIsTrustedForTheCachesLifetimeAndAnUnknownOneIsNeverKept() async throws {
        let space = try ServedWorkspace()
        let reader = try space.open().createToken(name: "phone", scope: .read)
        let statuses = try await space.serve(tokenCache: .seconds(600)) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(reader.secret)"]
            var statuses = [try await client.execute(uri: "/v1/queue", method: .get, headers: headers).status]
            try space.open().revokeToken(name: "phone")
            statuses.append(try await client.execute(uri: "/v1/queue", method: .get, headers: headers).status)
            for _ in 0..<2 {
                statuses.append(try await client.execute(uri: "/v1/queue", method: .get, headers: [.authorization: "Bearer comity_unknown"]).status)
            }
            return statuses
        }
        #expect(statuses == [.ok, .ok, .unauthorized, .unauthorized], "\(statuses)")
    }

    /// HEAD wherever GET is answered: the GET's status and headers, its length, no body;
    /// a refusal too (401 without a token).
    @Test func headIsAnsweredAsGetWithoutTheBody() async throws {
        let space = try ServedWorkspace()
        let reader = try space.open().createToken(name: "phone", scope: .read)
        let bearer: HTTPFields = [.authorization: "Bearer \(reader.secret)"]
        let answers = try await space.serve { client in
            [
                "head health": try await client.execute(uri: "/health", method: .head),
                "get queue": try await client.execute(uri: "/v1/queue", method: .get, headers: bearer),
                "head queue": try await client.execute(uri: "/v1/queue", method: .head, headers: bearer),
                "head unauthorised": try await client.execute(uri: "/v1/queue", method: .head),
                "get after": try await client.execute(uri: "/health", method: .get),
            ]
        }
        #expect(answers["head health"]?.status == .ok && answers["head health"]?.body.readableBytes == 0
                && answers["head health"]?.headers[.contentLength] == "15")
        let get = try #require(answers["get queue"])
        #expect(answers["head queue"]?.status == .ok && answers["head queue"]?.body.readableBytes == 0
                && answers["head queue"]?.headers[.contentLength] == String(get.body.readableBytes) && answers["head queue"]?.headers[.contentType] == get.headers[.contentType])
        #expect(answers["head unauthorised"]?.status == .unauthorized && answers["head unauthorised"]?.body.readableBytes == 0)
        // The connection still reads the next answer whole.
        #expect(answers["get after"]?.text == #"{"status":"ok"}"#)
    }

    @Test func aRunIsShownWholeWithItsLogAndError() async throws {
        let space = try ServedWorkspace()
        try space.write("Scripts/hello.lua", "ctx = nil print('hi') error('stopped here')")
        let engine = try space.open()
        let reader = try engine.createToken(name: "reader", scope: .read)
        let run = try engine.run(file: space.folder.appendingPathComponent("Scripts/hello.lua").path, output: { _ in }).run.record
        let shown = try await space.serve { client in
            try await client.execute(uri: "/v1/runs/\(run.id.prefix(8))", method: .get, headers: [.authorization: "Bearer \(reader.secret)"])
        }
        #expect(shown.status == .ok)
        #expect(shown.json["id"] as? String == run.id && shown.json["outcome"] as? String == "failed")
        #expect((shown.json["error"] as? String)?.contains("Scripts/hello.lua:1: stopped here") == true)
        #expect(shown.json["traceback"] != nil)
    }

    @Test func aReadTokenMayNotCancelAQueuedRunAndAWriteTokenMayOnce() async throws {
        let space = try ServedWorkspace()
        let engine = try space.open()
        let reader = try engine.createToken(name: "reader", scope: .read)
        let writer = try engine.createToken(name: "writer", scope: .write)
        let form = #"{"name":"Hope Foundation"}"#
        let answers = try await space.serve { client in
            let posted = try await client.execute(uri: "/hooks/kobo", method: .post, headers: ServedWorkspace.signed(form, delivery: "d-1"),
                                                  body: ByteBuffer(string: form))
            let id = posted.json["queued_run"] as? Int ?? 0
            func delete(_ uri: String, _ token: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: uri, method: .delete, headers: [.authorization: "Bearer \(token)"]).status
            }
            return [
                try await delete("/v1/queue/\(id)", reader.secret), try await delete("/v1/queue/\(id)", writer.secret),
                try await delete("/v1/queue/\(id)", writer.secret), try await delete("/v1/queue/first", writer.secret),
            ]
        }
        #expect(answers == [.forbidden, .ok, .notFound, .badRequest])
        #expect(try engine.store.read { try $0.queuedRunCount() } == 0)
        // The delivery stays in the inbox, so its id is still refused as a replay.
        #expect(try engine.store.read { try $0.delivery(hook: "kobo", delivery: "d-1") } != nil)
    }

    @Test func tokenNamesAreCheckedAndNeverReused() throws {
        let engine = try ServedWorkspace().open()
        #expect(throws: EngineError.self) { try engine.createToken(name: "has space", scope: .read) }
        #expect(throws: EngineError.self) { try engine.createToken(name: "", scope: .read) }
        let first = try engine.createToken(name: "anna", scope: .write)
        #expect(first.secret.hasPrefix("comity_") && first.secret.count == 50)
        #expect(try engine.authenticate(secret: first.secret)?.name == "anna")
        #expect(try engine.authenticate(secret: first.secret + "x") == nil)
        #expect(throws: StoreError.self) { try engine.createToken(name: "anna", scope: .read) }
        try engine.revokeToken(name: "anna")
        #expect(throws: EngineError.self) { try engine.revokeToken(name: "anna") }
        #expect(throws: EngineError.self) { try engine.revokeToken(name: "bob") }
        // Only the hash is kept.
        #expect(try engine.tokens().allSatisfy { $0.hash.count == 64 && $0.hash != first.secret })
    }
}

/// A TCP connection to the server, for clients no HTTP library would be.
struct RawConnection {
    let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
    }

    func send(_ text: String) { _ = text.withCString { Glibc.send(socket, $0, strlen($0), 0) } }

    /// What the server sends until it closes or `seconds` pass. Read on a thread of its
    /// own: a blocking read on Swift's cooperative threads would starve the server's handlers.
    func answer(within seconds: Double) async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: blockingAnswer(within: seconds)) }
        }
    }

    /// Whether the server closes the connection within `seconds` (reading what it sends).
    func closes(within seconds: Double) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                var buffer = [UInt8](repeating: 0, count: 4096)
                let end = Date().addingTimeInterval(seconds)
                while Date() < end {
                    guard poll(&descriptor, 1, 200) > 0 else { continue }
                    if recv(socket, &buffer, buffer.count, 0) <= 0 { return continuation.resume(returning: true) }
                }
                continuation.resume(returning: false)
            }
        }
    }

    private func blockingAnswer(within seconds: Double) -> String {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            bytes += buffer[0..<count]
            if String(decoding: bytes, as: UTF8.self).contains("}") { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func close() { Glibc.close(socket) }
}

@Suite struct SlowClientTests {
    /// Bodies are read before a signature can be checked, so how many are read at once is
    /// bounded: one over the limit gets 503 with Retry-After, and nothing is kept.
    @Test func bodiesReadAtOnceAreBounded() async throws {
        let space = try ServedWorkspace()
        let (third, health) = try await space.serve(bodyTimeout: .seconds(120), concurrentBodies: 2) { client in
            let port = try #require(client.port)
            let head = "POST /hooks/kobo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"
            let slow = try [RawConnection(port: port), RawConnection(port: port)]
            defer { slow.forEach { $0.close() } }
            for connection in slow { connection.send(head) }
            // Both stalled bodies are being read once the server has taken their heads.
            var third: ServedResponse?
            for _ in 0..<100 {
                try await Task.sleep(for: .milliseconds(100))
                let answer = try await client.execute(uri: "/hooks/kobo", method: .post, headers: ServedWorkspace.signed("{}", delivery: "d-3"),
                                                      body: ByteBuffer(string: "{}"))
                third = answer
                if answer.status == .serviceUnavailable { break }
            }
            return (third, try await client.execute(uri: "/health", method: .get).status)
        }
        #expect(third?.status == .serviceUnavailable && third?.headers[.retryAfter] == "5", "\(third?.text ?? "")")
        #expect(health == .ok)
        #expect(try space.open().store.read { try $0.queuedRunCount() } == 0)
    }

    /// A body that keeps trickling in (so the idle timeout never ends it) gets 408 at the
    /// body timeout.
    @Test func aTricklingBodyGets408AtTheBodyTimeout() async throws {
        let space = try ServedWorkspace()
        let answer = try await space.serveRaw(bodyTimeout: .seconds(1)) { port in
            let connection = try RawConnection(port: port)
            defer { connection.close() }
            connection.send("POST /hooks/kobo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{")
            var answer = ""
            for _ in 0..<100 where !answer.contains("}") {
                connection.send("x")
                answer += await connection.answer(within: 0.2)
            }
            return answer
        }
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        #expect(try space.open().store.read { try $0.queuedRunCount() } == 0)
    }

    /// A client that sends half a request and stops holds its connection only until the
    /// idle timeout, and others are answered meanwhile.
    @Test func aStalledClientIsCutOffAtTheIdleTimeoutWhileOthersAreServed() async throws {
        let space = try ServedWorkspace()
        let (health, closed) = try await space.serveRaw(idleTimeout: .seconds(1)) { port in
            let stalled = try RawConnection(port: port)
            defer { stalled.close() }
            stalled.send("POST /hooks/kobo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"na")
            // Another client is answered meanwhile, on a connection of its own.
            let other = try RawConnection(port: port)
            defer { other.close() }
            other.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let health = await other.answer(within: 30)
            // The server closes the stalled connection: a read ends within a few seconds.
            return (health, await stalled.closes(within: 30))
        }
        #expect(health.hasPrefix("HTTP/1.1 200"), "\(health)")
        #expect(closed, "the stalled connection was still open after 30 s")
        #expect(try space.open().store.read { try $0.queuedRunCount() } == 0)
    }
}

@Suite struct ErrorAnswerTests {
    /// Every failure is problem details: a method a path does not take is 405 with Allow,
    /// an unknown path 404, a workflow no one declared 404 with its name; never an empty 500.
    @Test func failuresAreProblemDetailsWithTheirOwnStatus() async throws {
        let space = try ServedWorkspace()
        let reader = try space.open().createToken(name: "reader", scope: .read)
        let answers = try await space.serve { client in
            [
                try await client.execute(uri: "/v1/queue", method: .init("TRACE")!),
                try await client.execute(uri: "/hooks/kobo", method: .get),
                try await client.execute(uri: "/nothing/here", method: .get),
                try await client.execute(uri: "/v1/runs?workflow=intake-kobbo", method: .get, headers: [.authorization: "Bearer \(reader.secret)"]),
                try await client.execute(uri: "/v1/runs?workflow=", method: .get, headers: [.authorization: "Bearer \(reader.secret)"]),
                try await client.execute(uri: "/v1/runs?workflow=" + String(repeating: "w", count: 50_000), method: .get,
                                         headers: [.authorization: "Bearer \(reader.secret)"]),
            ]
        }
        #expect(answers.map(\.status) == [.methodNotAllowed, .methodNotAllowed, .notFound, .notFound, .notFound, .notFound])
        // A refusal quoting what it was sent does not send 50,000 characters back.
        let long = answers[5].json["detail"] as? String ?? ""
        #expect(long.count < 2_100 && long.hasSuffix("more characters)"), "\(long.count)")
        #expect(answers[0].headers[.allow] == "GET, HEAD" && answers[1].headers[.allow] == "POST")
        #expect(answers.allSatisfy { $0.headers[.contentType] == "application/problem+json" && $0.json["detail"] is String })
        #expect((answers[3].json["detail"] as? String)?.contains("did you mean 'intake-kobo'?") == true)
    }
}
