import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `comity serve` and `comity tokens` as a user runs them: real child processes, a real
/// server on 127.0.0.1 and a real HTTP client.
@Suite struct ServeCommandTests {
    static let config = """
        return { time_zone = "UTC", hooks = { kobo = { secret = "KOBO_SECRET", workflow = "intake-kobo" } } }
        """
    static let script = """
        return workflow { name = "intake-kobo", run = function(ctx)
          orgs.create { name = ctx.trigger.json.name }
          ctx.log("from " .. ctx.trigger.hook .. " " .. ctx.trigger.delivery)
        end }
        """

    /// `comity serve --port 0 ARGUMENTS` as a child process, once it says where it listens.
    static func startServe(in folder: URL, _ arguments: [String]) async throws -> (server: Process, port: Int, log: URL) {
        let log = folder.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let server = Process()
        server.executableURL = Comity.executable
        server.arguments = ["serve", "--port", "0"] + arguments
        server.currentDirectoryURL = folder
        server.standardOutput = FileHandle.nullDevice
        server.standardError = try FileHandle(forWritingTo: log)
        try server.run()
        // The address is logged once listening: address=http://127.0.0.1:PORT
        var port: Int?
        // Generous: under make test's parallel load a debug binary may take long to start
        // (a clean clone's CI once took over two minutes).
        let started = Date().addingTimeInterval(300)
        while port == nil, Date() < started, server.isRunning {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "address=http://127.0.0.1:") {
                port = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let port else {
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
            Issue.record("the server did not say where it listens: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            throw CancellationError()
        }
        return (server, port, log)
    }

    /// One request on a connection of its own. `comity serve` closes a connection idle for
    /// 30 s, and under make test's load this process may not get to write within that: a
    /// request that never left (its channel closed first) is sent again, at most 3 times.
    static func request(port: Int, _ request: TestClient.Request) async throws -> TestClient.Response {
        var attempt = 0
        while true {
            attempt += 1
            let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(180)))
            client.connect()
            do {
                let response = try await client.execute(request)
                try? await client.shutdown()
                return response
            } catch ChannelError.ioOnClosedChannel where attempt < 3 {
                try? await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    /// SIGTERM while 120 writes and reads are on their way: the server stops taking
    /// connections, answers what it took, exits 0; every write answered 201 is stored,
    /// whole, with its run record ended, and nothing is left half done.
    @Test func sigtermUnderLoadFinishesWhatItTookAndLeavesNothingHalfWritten() async throws {
        let folder = try workspace(["comity.lua": "return { time_zone = \"UTC\" }"])
        let token = try Comity.run(["tokens", "create", "loader", "--scope", "write"], in: folder).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let (server, port, log) = try await Self.startServe(in: folder, [])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        // Each answered request says so here; SIGTERM goes once some writes are answered
        // (so the server has taken work) while most requests are still on their way. A
        // fixed wait would be too short when make test's load slows the server's start.
        let (finished, finishing) = AsyncStream.makeStream(of: Int?.self)
        let answers = try await withThrowingTaskGroup(of: (Int, Int?).self) { group in
            for index in 0..<120 {
                group.addTask {
                    let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(120)))
                    client.connect()
                    defer { Task { try? await client.shutdown() } }
                    let write = index % 3 != 0
                    do {
                        let response = write
                            ? try await client.post("/v1/orgs", headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                    body: ByteBuffer(string: #"{"name": "Load \#(index)", "country": "KE"}"#))
                            : try await client.get("/v1/orgs?limit=20", headers: [.authorization: "Bearer \(token)"])
                        finishing.yield(Int(response.status.code))
                        return (index, Int(response.status.code))
                    } catch {
                        finishing.yield(nil)
                        return (index, nil) // not taken: the server had stopped listening
                    }
                }
            }
            var done = 0, written = 0
            for await status in finished {
                done += 1
                if status == 201 { written += 1 }
                if written >= 5 || done == 120 { break }
            }
            kill(server.processIdentifier, SIGTERM)
            var answers: [Int: Int?] = [:]
            for try await (index, status) in group { answers[index] = status }
            return answers
        }
        server.waitUntilExit()
        let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(server.terminationStatus == 0, "\(logText)")
        #expect(answers.values.allSatisfy { $0 == nil || $0 == 200 || $0 == 201 || $0 == 503 }, "\(answers.values.compactMap { $0 })")
        // What the store has, read as a user would, after the server is gone.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Scripts"), withIntermediateDirectories: true)
        try "for o in orgs.find { limit = 1000 } do print(o.name .. '|' .. tostring(o.country)) end"
            .write(to: folder.appendingPathComponent("Scripts/list.lua"), atomically: true, encoding: .utf8)
        let exported = try Comity.run(["run", "Scripts/list.lua"], in: folder)
        try #require(exported.status == 0, "\(exported.stderr)")
        let stored = Set(exported.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("Load ") })
        let answered = answers.filter { $0.value == 201 }.map { "Load \($0.key)|KE" }
        #expect(answered.count >= 5, "writes answered before the server stopped: \(answered.count)")
        #expect(Set(answered).isSubset(of: stored), "answered 201 but not stored: \(Set(answered).subtracting(stored))")
        #expect(stored.allSatisfy { $0.hasSuffix("|KE") }, "a record stored without all its fields")
        let runs = try Comity.run(["runs", "--limit", "500"], in: folder)
        #expect(!runs.stdout.contains("running"), "a run left unfinished: \(runs.stdout)")
    }

    @Test func tokensAreCreatedShownOnceListedAndRevoked() throws {
        let folder = try workspace(["comity.lua": "return {}"])
        let created = try Comity.run(["tokens", "create", "coordinator", "--scope", "write"], in: folder)
        #expect(created.status == 0, "\(created.stderr)")
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("comity_") && created.stderr.contains("shown this once"))
        let listed = try Comity.run(["tokens", "list"], in: folder)
        #expect(listed.stdout.contains("coordinator") && listed.stdout.contains("write") && listed.stdout.contains("never"))
        #expect(!listed.stdout.contains(secret))
        let again = try Comity.run(["tokens", "create", "coordinator"], in: folder)
        #expect(again.status == 1 && again.stderr.contains("a token named 'coordinator' exists already"), "\(again.stderr)")
        let badScope = try Comity.run(["tokens", "create", "x", "--scope", "admin"], in: folder)
        #expect(badScope.status != 0 && badScope.stderr.contains("--scope must be read or write"))
        #expect(try Comity.run(["tokens", "revoke", "coordinator"], in: folder).status == 0)
        let twice = try Comity.run(["tokens", "revoke", "coordinator"], in: folder)
        #expect(twice.status == 1 && twice.stderr.contains("revoked already"))
        let unknown = try Comity.run(["tokens", "revoke", "nobody"], in: folder)
        #expect(unknown.status == 1 && unknown.stderr.contains("no token named 'nobody'"))
    }

    @Test func aPortInUseIsSaidInWords() throws {
        let folder = try workspace(["comity.lua": "return {}"])
        // A listener of our own holds a port; serve is asked for the same one.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) == 0 && listen(holder, 1) == 0
                && getsockname(holder, $0, &length) == 0 }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let result = try Comity.run(["serve", "--port", "\(port)"], in: folder)
        #expect(result.status == 1 && result.stderr.contains("cannot listen on 127.0.0.1:\(port): the address is in use"), "\(result.stderr)")
    }

    @Test func aHookSettingWithoutItsSecretOrWorkflowIsAnErrorNamingIt() throws {
        for (hooks, expected) in [
            ("{ kobo = { workflow = 'intake' } }", "hooks.kobo.secret must name a secret"),
            ("{ kobo = { secret = 'S' } }", "hooks.kobo.workflow must name the workflow"),
            ("{ Kobo = { secret = 'S', workflow = 'w' } }", "'Kobo' is not a hook name"),
            ("{ kobo = { secret = 'S', workflow = 'w', secert = 'x' } }", "hooks.kobo has no setting 'secert'"),
        ] {
            let folder = try workspace(["comity.lua": "return { hooks = \(hooks) }"])
            let result = try Comity.run(["workflows"], in: folder)
            #expect(result.status == 1 && result.stderr.contains("comity.lua") && result.stderr.contains(expected), "\(result.stderr)")
        }
    }

    @Test func serveWithSchedulerTakesASignedWebhookRunsItsWorkflowAndStopsOnSIGTERM() async throws {
        let folder = try workspace(["comity.lua": Self.config, "Scripts/intake-kobo.lua": Self.script])
        let secret = "kobo-secret-value-1"
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".comity"), withIntermediateDirectories: true)
        try "KOBO_SECRET=\(secret)\n".write(to: folder.appendingPathComponent(".comity/secrets"), atomically: true, encoding: .utf8)
        chmod(folder.appendingPathComponent(".comity/secrets").path, 0o600)
        let token = try Comity.run(["tokens", "create", "reader"], in: folder).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let (server, listening, log) = try await Self.startServe(in: folder, ["--with-scheduler", "--grace", "2s"])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let body = #"{"name":"Hope Foundation"}"#
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Hub-Signature-256")!] = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        headers[HTTPField.Name("X-GitHub-Delivery")!] = "d-1"
        let posted = try await Self.request(port: listening, .init("/hooks/kobo", method: .post, headers: headers, body: ByteBuffer(string: body)))
        #expect(posted.status == .accepted, "\(String(buffer: posted.body ?? ByteBuffer()))")
        // The daemon in the same process runs it.
        var runs = ""
        let end = Date().addingTimeInterval(120)
        while Date() < end, !runs.contains("succeeded") {
            try await Task.sleep(for: .milliseconds(100))
            runs = String(buffer: try await Self.request(port: listening, .init("/v1/runs", method: .get, headers: [.authorization: "Bearer \(token)"])).body ?? ByteBuffer())
        }
        #expect(runs.contains("\"outcome\":\"succeeded\"") && runs.contains("hook kobo"), "\(runs)")
        let unauthorised = try await Self.request(port: listening, .init("/v1/runs", method: .get))
        #expect(unauthorised.status == .unauthorized)
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        #expect(server.terminationStatus == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        let listed = try Comity.run(["runs"], in: folder)
        #expect(listed.stdout.contains("intake-kobo") && listed.stdout.contains("hook kobo"))
        let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(logText.contains("token=reader") && !logText.contains(token), "the log names the token, never shows it")
    }
}
