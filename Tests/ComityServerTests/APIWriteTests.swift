import ComityCore
import ComityService
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Writes through a live server: records through the domain's rules with Lua's words,
/// Idempotency-Key, workflows started and retried by queueing, schedules, the outbox
/// and reports.
@Suite struct APIWriteTests {
    /// A workspace with a listener on `grant.awarded`, a workflow with typed parameters,
    /// a scheduled one, a report, and a write and a read token.
    static func workspace() throws -> (space: ServedWorkspace, writer: String, reader: String) {
        let space = try ServedWorkspace()
        try space.write("Scripts/on-award.lua", """
            return workflow { name = "on-award", on = { "grant.awarded" }, run = function(ctx) print("awarded", ctx.trigger.record.title) end }
            """)
        try space.write("Scripts/typed.lua", """
            return workflow { name = "typed",
              params = { days = { type = "integer", default = 14 }, since = { type = "date" }, flag = { type = "boolean", default = false } },
              run = function(ctx)
                print(("typed %s %d %s"):format(ctx.params.since, ctx.params.days, tostring(ctx.params.flag)))
                if ctx.params.days == 13 then error("unlucky") end
              end }
            """)
        try space.write("Scripts/weekly.lua", """
            return workflow { name = "weekly", schedule = "0 8 * * 1", run = function(ctx) end }
            """)
        try space.write("Scripts/reports/orgs-count.lua", """
            return report { title = "Organisations", sections = { { heading = "Count", text = ("%d organisations"):format(orgs.count()) } } }
            """)
        let engine = try space.open()
        let writer = try engine.createToken(name: "intake-bot", scope: .write).secret
        let reader = try engine.createToken(name: "auditor", scope: .read).secret
        return (space, writer, reader)
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test func createsChangesAndStepsGoThroughTheDomainAndAreRecordedAsTheTokens() async throws {
        let (space, writer, _) = try Self.workspace()
        let bearer: HTTPFields = [.authorization: "Bearer \(writer)", .contentType: "application/json"]
        let answers = try await space.serve { client in
            let funder = try await client.execute(uri: "/v1/orgs", method: .post, headers: bearer,
                                                  body: Self.json(#"{"name": "Presidential Grants Foundation", "country": "RU", "kind": "foundation"}"#))
            let ngo = try await client.execute(uri: "/v1/orgs", method: .post, headers: bearer,
                                               body: Self.json(#"{"name": "ASI", "country": "RU", "tags": ["member", "intake"]}"#))
            let fundID = funder.json["id"] as? Int ?? 0
            let ngoID = ngo.json["id"] as? Int ?? 0
            let grant = try await client.execute(
                uri: "/v1/grants", method: .post, headers: bearer,
                body: Self.json(#"{"title": "Round table", "funder": \#(fundID), "recipient": {"type": "organisation", "id": \#(ngoID)}, "amount_requested": {"amount": "1300000.00", "currency": "RUB"}}"#))
            let grantID = grant.json["id"] as? Int ?? 0
            let changed = try await client.execute(uri: "/v1/orgs/\(ngoID)", method: .patch, headers: bearer,
                                                   body: Self.json(#"{"website": "https://asi.example.org", "tags": null}"#))
            let submitted = try await client.execute(uri: "/v1/grants/\(grantID)/submit", method: .post, headers: bearer)
            let awarded = try await client.execute(uri: "/v1/grants/\(grantID)/award", method: .post, headers: bearer,
                                                   body: Self.json(#"{"amount_awarded": "1000000.00 RUB"}"#))
            let archived = try await client.execute(uri: "/v1/orgs/\(ngoID)/archive", method: .post, headers: bearer)
            let changeArchived = try await client.execute(uri: "/v1/orgs/\(ngoID)", method: .patch, headers: bearer,
                                                          body: Self.json(#"{"website": "https://other.example.org"}"#))
            let restored = try await client.execute(uri: "/v1/orgs/\(ngoID)/restore", method: .post, headers: bearer)
            return [funder, ngo, grant, changed, submitted, awarded, archived, changeArchived, restored]
        }
        let (funder, ngo, grant, changed, submitted, awarded, archived, changeArchived, restored) =
            (answers[0], answers[1], answers[2], answers[3], answers[4], answers[5], answers[6], answers[7], answers[8])
        #expect(funder.status == .created && ngo.status == .created && grant.status == .created, "\(grant.text)")
        #expect(funder.headers[.location] == "/v1/orgs/\(funder.json["id"] as? Int ?? -1)")
        let grantFields = grant.json["fields"] as? [String: Any] ?? [:]
        #expect((grantFields["amount_requested"] as? [String: String]) == ["amount": "1300000.00", "currency": "RUB"])
        #expect((grantFields["recipient"] as? [String: Any])?["id"] as? Int == ngo.json["id"] as? Int)
        #expect(changed.status == .ok && (changed.json["fields"] as? [String: Any])?["tags"] == nil, "\(changed.text)")
        #expect((changed.json["fields"] as? [String: Any])?["website"] as? String == "https://asi.example.org")
        #expect(submitted.json["status"] as? String == "submitted" && awarded.json["status"] as? String == "awarded", "\(awarded.text)")
        #expect(archived.status == .ok && archived.json["archived_at"] is String)
        #expect(changeArchived.status == .conflict && changeArchived.text.contains("is archived; restore it before changing it"), "\(changeArchived.text)")
        #expect(restored.status == .ok && restored.json["archived_at"] is NSNull)

        // Each write is a run of its own in the history, by the token's name; the award
        // queued its listener in the same transaction.
        let engine = try space.open()
        let runs = try engine.store.read { try $0.runs(RunFilter(limit: 100)) }.filter { $0.trigger.kind == .api }
        #expect(runs.count == 8 && runs.allSatisfy { $0.trigger.event == "intake-bot" && $0.outcome == .succeeded && $0.workflow == nil })
        #expect(runs.contains { $0.file.hasPrefix("POST /v1/grants/") && $0.log.contains("queued 1 workflow run(s)") })
        let queued = try engine.store.read { try $0.queuedRuns() }
        #expect(queued.map(\.workflow) == ["on-award"] && queued.first?.trigger.kind == .event)
        let audit = try engine.store.read { try $0.audit(of: RecordReference(.organisation, Int64(ngo.json["id"] as? Int ?? 0))) }
        #expect(audit.count >= 4 && Set(audit.compactMap(\.run)).isSubset(of: Set(runs.map(\.id))))
        // A write's record is not a script's: it cannot be retried.
        #expect(throws: EngineError.self) { _ = try engine.retry(runs[0].id, output: { _ in }) }
    }

    @Test func refusalsAreProblemDetailsInLuasWordsAndKeepNothing() async throws {
        let (space, writer, reader) = try Self.workspace()
        // What a script is told, for the same mistakes.
        try space.write("Scripts/mistakes.lua", """
            local ok1, e1 = pcall(orgs.create, { nmae = "ASI" })
            local g = grants.create { title = "T", funder = orgs.create { name = "F" }, recipient = orgs.create { name = "R" } }
            local ok2, e2 = pcall(grants.award, g)
            local ok3, e3 = pcall(grants.create, { title = "T", funder = 999, recipient = g.recipient })
            print(e1) print(e2) print(e3)
            error("undo")
            """)
        let engine = try space.open()
        var told: [String] = []
        _ = try engine.run(file: space.folder.appendingPathComponent("Scripts/mistakes.lua").path, output: { told.append($0) })
        try #require(told.count == 3)
        let bearer: HTTPFields = [.authorization: "Bearer \(writer)", .contentType: "application/json"]
        let answers = try await space.serve { client in
            let fund = try await client.execute(uri: "/v1/orgs", method: .post, headers: bearer, body: Self.json(#"{"name": "F"}"#))
            let recipient = try await client.execute(uri: "/v1/orgs", method: .post, headers: bearer, body: Self.json(#"{"name": "R"}"#))
            let grant = try await client.execute(uri: "/v1/grants", method: .post, headers: bearer,
                                                 body: Self.json(#"{"title": "T", "funder": \#(fund.json["id"] as? Int ?? 0), "recipient": \#(recipient.json["id"] as? Int ?? 0)}"#))
            let id = grant.json["id"] as? Int ?? 0
            let (f, r) = (fund.json["id"] as? Int ?? 0, recipient.json["id"] as? Int ?? 0)
            var answers: [String: ServedResponse] = [:]
            let cases: [(String, HTTPRequest.Method, String, String?)] = [
                ("unknown field", .post, "/v1/orgs", #"{"nmae": "ASI"}"#),
                ("illegal step", .post, "/v1/grants/\(id)/award", nil),
                ("missing link", .post, "/v1/grants", #"{"title": "T", "funder": 999, "recipient": \#(recipient.json["id"] as? Int ?? 0)}"#),
                ("malformed", .post, "/v1/orgs", #"{"name": "ASI""#),
                ("not an object", .post, "/v1/orgs", #"["ASI"]"#),
                ("wrong kind", .post, "/v1/grants", #"{"title": "T", "funder": \#(f), "recipient": \#(r), "amount_requested": true}"#),
                ("bad money", .post, "/v1/grants", #"{"title": "T", "funder": \#(f), "recipient": \#(r), "amount_requested": {"amount": "1.0.0", "currency": "EUR"}}"#),
                ("missing record", .patch, "/v1/orgs/999", #"{"name": "X"}"#),
                ("status is not a field", .patch, "/v1/grants/\(id)", #"{"status": "awarded"}"#),
                ("bad id", .patch, "/v1/orgs/x", #"{"name": "X"}"#),
                ("empty body", .post, "/v1/orgs", nil),
                ("bad key", .post, "/v1/orgs", #"{"name": "K"}"#),
                ("number for text", .patch, "/v1/orgs/\(f)", #"{"name": 1399}"#),
                ("empty required text", .post, "/v1/orgs", #"{"name": " "}"#),
                ("inexact money", .patch, "/v1/grants/\(id)", #"{"amount_requested": {"amount": 1250.5, "currency": "EUR"}}"#),
            ]
            for (name, method, uri, body) in cases {
                var headers = bearer
                if name == "bad key" { headers[HTTPField.Name("Idempotency-Key")!] = "has space" }
                answers[name] = try await client.execute(uri: uri, method: method, headers: headers, body: body.map(Self.json))
            }
            answers["read token"] = try await client.execute(uri: "/v1/orgs", method: .post,
                                                             headers: [.authorization: "Bearer \(reader)"], body: Self.json(#"{"name": "X"}"#))
            return answers
        }
        func expect(_ name: String, _ status: HTTPResponse.Status, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let answer = answers[name]
            #expect(answer?.status == status, "\(name): \(answer?.text ?? "")", sourceLocation: sourceLocation)
            #expect(answer?.headers[.contentType] == "application/problem+json", "\(name)", sourceLocation: sourceLocation)
            #expect(answer?.json["detail"] as? String ?? "" == words || (answer?.json["detail"] as? String ?? "").contains(words),
                    "\(name): \(answer?.text ?? "")", sourceLocation: sourceLocation)
        }
        // The same words as Lua's, did-you-mean included.
        #expect(told[0].contains("Organisation has no field 'nmae' (did you mean 'name'?)"), "\(told[0])")
        expect("unknown field", .unprocessableContent, "Organisation has no field 'nmae' (did you mean 'name'?)")
        #expect(answers["unknown field"]?.json["field"] as? String == "nmae")
        let step = answers["illegal step"]?.json["detail"] as? String ?? "?"
        #expect(told[1].hasSuffix(step), "Lua: \(told[1]); API: \(step)")
        expect("illegal step", .conflict, "cannot award")
        let missing = answers["missing link"]?.json["detail"] as? String ?? "?"
        #expect(told[2].hasSuffix(missing), "Lua: \(told[2]); API: \(missing)")
        expect("missing link", .unprocessableContent, "does not exist")
        expect("malformed", .badRequest, "the body is not JSON")
        expect("not an object", .badRequest, "the body is a JSON array")
        expect("wrong kind", .unprocessableContent, "Grant field 'amount_requested'")
        expect("bad money", .unprocessableContent, "amount_requested")
        expect("missing record", .notFound, "organisation")
        expect("status is not a field", .unprocessableContent, "changes only through its lifecycle steps")
        expect("bad id", .badRequest, "whole number")
        expect("empty body", .badRequest, "the body is empty")
        expect("bad key", .badRequest, "Idempotency-Key")
        expect("read token", .forbidden, "needs write")
        expect("number for text", .unprocessableContent, "Organisation field 'name' takes text as a JSON string, not a number")
        expect("empty required text", .unprocessableContent, "it cannot be empty")
        expect("inexact money", .unprocessableContent, "not a JSON number with a fraction")
        // Nothing of the refusals was kept: the three records made first, and their three runs.
        let after = try space.open()
        #expect(try after.store.read { try $0.count(.organisation, RecordQuery()) } == 2)
        #expect(try after.store.read { try $0.count(.grant, RecordQuery()) } == 1)
        #expect(try after.store.read { try $0.runs(RunFilter(limit: 100)) }.filter { $0.trigger.kind == .api }.count == 3)
    }

    @Test func anIdempotencyKeyAnswersTheFirstAnswerAgainAndWritesOnce() async throws {
        let (space, writer, _) = try Self.workspace()
        let key = HTTPField.Name("Idempotency-Key")!
        var headers: HTTPFields = [.authorization: "Bearer \(writer)", .contentType: "application/json"]
        headers[key] = "5f1e7c2a-form-42"
        let sent = headers
        let answers = try await space.serve { client in
            let body = #"{"name": "Kobo form 42", "country": "KE"}"#
            let first = try await client.execute(uri: "/v1/orgs", method: .post, headers: sent, body: Self.json(body))
            let again = try await client.execute(uri: "/v1/orgs", method: .post, headers: sent, body: Self.json(body))
            let otherBody = try await client.execute(uri: "/v1/orgs", method: .post, headers: sent, body: Self.json(#"{"name": "Another"}"#))
            var fresh = sent
            fresh[key] = "another-key"
            let otherKey = try await client.execute(uri: "/v1/orgs", method: .post, headers: fresh, body: Self.json(body))
            // Queueing a run takes a key too.
            fresh[key] = "start-1"
            let started = try await client.execute(uri: "/v1/workflows/typed/runs", method: .post, headers: fresh,
                                                   body: Self.json(#"{"parameters": {"since": "2026-01-01"}}"#))
            let startedAgain = try await client.execute(uri: "/v1/workflows/typed/runs", method: .post, headers: fresh,
                                                        body: Self.json(#"{"parameters": {"since": "2026-01-01"}}"#))
            return [first, again, otherBody, otherKey, started, startedAgain]
        }
        #expect(answers[0].status == .created && answers[0].headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
        #expect(answers[1].status == .created && answers[1].headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
        #expect(answers[1].text == answers[0].text)
        #expect(answers[1].headers[.location] == answers[0].headers[.location] && answers[0].headers[.location]?.hasPrefix("/v1/orgs/") == true)
        #expect(answers[2].status == .unprocessableContent && answers[2].text.contains("another request"), "\(answers[2].text)")
        #expect(answers[3].status == .created && answers[3].json["id"] as? Int != answers[0].json["id"] as? Int)
        #expect(answers[4].status == .accepted && answers[5].status == .accepted && answers[5].text == answers[4].text)
        let engine = try space.open()
        #expect(try engine.store.read { try $0.count(.organisation, RecordQuery()) } == 2)
        #expect(try engine.store.read { try $0.queuedRuns() }.count == 1)
    }

    @Test func workflowsAreListedStartedWithTypedParametersAndRetriedByQueueing() async throws {
        let (space, writer, reader) = try Self.workspace()
        let bearer: HTTPFields = [.authorization: "Bearer \(writer)", .contentType: "application/json"]
        let answers = try await space.serve { client in
            var answers: [String: ServedResponse] = [:]
            answers["list"] = try await client.execute(uri: "/v1/workflows", method: .get, headers: [.authorization: "Bearer \(reader)"])
            answers["start"] = try await client.execute(uri: "/v1/workflows/typed/runs", method: .post, headers: bearer,
                                                        body: Self.json(#"{"parameters": {"since": "2026-01-01", "days": 13, "flag": true}}"#))
            answers["misspelt"] = try await client.execute(uri: "/v1/workflows/typed/runs", method: .post, headers: bearer,
                                                           body: Self.json(#"{"parameters": {"since": "2026-01-01", "dayz": 3}}"#))
            answers["not a date"] = try await client.execute(uri: "/v1/workflows/typed/runs", method: .post, headers: bearer,
                                                             body: Self.json(#"{"parameters": {"since": "soon"}}"#))
            answers["required"] = try await client.execute(uri: "/v1/workflows/typed/runs", method: .post, headers: bearer)
            answers["unknown"] = try await client.execute(uri: "/v1/workflows/nope/runs", method: .post, headers: bearer)
            answers["shape"] = try await client.execute(uri: "/v1/workflows/typed/runs", method: .post, headers: bearer,
                                                        body: Self.json(#"{"params": {}}"#))
            answers["no run"] = try await client.execute(uri: "/v1/runs/00000000/retry", method: .post, headers: bearer)
            return answers
        }
        let workflows = answers["list"]?.json["workflows"] as? [[String: Any]] ?? []
        #expect(Set(workflows.compactMap { $0["name"] as? String }).isSuperset(of: ["typed", "on-award", "weekly", "intake-kobo"]))
        let typed = workflows.first { $0["name"] as? String == "typed" }
        #expect((typed?["parameters"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted() == ["days", "flag", "since"])
        #expect(answers["start"]?.status == .accepted, "\(answers["start"]?.text ?? "")")
        #expect(answers["start"]?.json["parameters"] as? [String: String] == ["since": "2026-01-01", "days": "13", "flag": "true"])
        #expect(answers["misspelt"]?.status == .unprocessableContent
                && answers["misspelt"]?.text.contains("has no parameter 'dayz' (did you mean 'days'?)") == true, "\(answers["misspelt"]?.text ?? "")")
        #expect(answers["not a date"]?.status == .unprocessableContent && answers["not a date"]?.text.contains("since") == true)
        #expect(answers["required"]?.status == .unprocessableContent && answers["required"]?.text.contains("needs parameter 'since'") == true)
        #expect(answers["unknown"]?.status == .notFound)
        #expect(answers["shape"]?.status == .badRequest)
        #expect(answers["no run"]?.status == .notFound)

        // The daemon's drain runs it with its parameters, typed; it fails (days = 13).
        let engine = try space.open()
        var printed: [String] = []
        let drained = try engine.drainQueue(output: { printed.append($0) })
        #expect(printed.contains("typed 2026-01-01 13 true"), "\(printed)")
        let failed = try #require(drained.runs.first?.record)
        #expect(failed.outcome == .failed && failed.parameters == ["since": "2026-01-01", "days": "13", "flag": "true"]
                && failed.trigger.kind == .api && failed.trigger.event == "intake-bot")

        // Retried through the API: queued as its next attempt, with its parameters.
        let retried = try await space.serve { client in
            try await client.execute(uri: "/v1/runs/\(failed.id.prefix(8))/retry", method: .post, headers: bearer)
        }
        #expect(retried.status == .accepted, "\(retried.text)")
        #expect(retried.json["attempt"] as? Int == 2 && retried.json["parameters"] as? [String: String] == failed.parameters)
        printed = []
        let again = try space.open().drainQueue(output: { printed.append($0) })
        #expect(printed == ["typed 2026-01-01 13 true"] && again.runs.first?.record.trigger.causedBy == failed.id
                && again.runs.first?.record.attempt == 2)
    }

    @Test func schedulesPauseAndResumeTheOutboxAndReportsAreRead() async throws {
        let (space, writer, reader) = try Self.workspace()
        let engine = try space.open()
        _ = try engine.run(file: space.folder.appendingPathComponent("Scripts/weekly.lua").path, output: { _ in })
        let bearer: HTTPFields = [.authorization: "Bearer \(writer)"]
        let reading: HTTPFields = [.authorization: "Bearer \(reader)"]
        let answers = try await space.serve { client in
            var answers: [String: ServedResponse] = [:]
            answers["list"] = try await client.execute(uri: "/v1/schedules", method: .get, headers: reading)
            answers["pause"] = try await client.execute(uri: "/v1/schedules/weekly/pause", method: .post, headers: bearer)
            answers["pause again"] = try await client.execute(uri: "/v1/schedules/weekly/pause", method: .post, headers: bearer)
            answers["pause as reader"] = try await client.execute(uri: "/v1/schedules/weekly/pause", method: .post, headers: reading)
            answers["paused list"] = try await client.execute(uri: "/v1/schedules", method: .get, headers: reading)
            answers["resume"] = try await client.execute(uri: "/v1/schedules/weekly/resume", method: .post, headers: bearer)
            answers["unknown"] = try await client.execute(uri: "/v1/schedules/nope/pause", method: .post, headers: bearer)
            answers["outbox"] = try await client.execute(uri: "/v1/outbox", method: .get, headers: reading)
            answers["outbox status"] = try await client.execute(uri: "/v1/outbox?status=lost", method: .get, headers: reading)
            for format in ["html", "csv", "json", "md"] {
                answers["report \(format)"] = try await client.execute(uri: "/v1/reports/orgs-count?format=\(format)", method: .get, headers: reading)
            }
            answers["report path"] = try await client.execute(uri: "/v1/reports/..%2F..%2Fcomity", method: .get, headers: reading)
            answers["report unknown"] = try await client.execute(uri: "/v1/reports/nope", method: .get, headers: reading)
            answers["report format"] = try await client.execute(uri: "/v1/reports/orgs-count?format=docx", method: .get, headers: reading)
            return answers
        }
        let listed = (answers["list"]?.json["schedules"] as? [[String: Any]])?.first { $0["workflow"] as? String == "weekly" }
        #expect(listed?["expression"] as? String == "0 8 * * 1" && listed?["paused"] as? Bool == false && listed?["next_slot"] is String,
                "\(answers["list"]?.text ?? "")")
        #expect(answers["pause"]?.status == .ok && answers["pause"]?.json["paused"] as? Bool == true)
        #expect(answers["pause again"]?.status == .ok && answers["pause as reader"]?.status == .forbidden)
        #expect((answers["paused list"]?.json["schedules"] as? [[String: Any]])?.first?["paused"] as? Bool == true)
        #expect(answers["resume"]?.status == .ok && answers["resume"]?.json["paused"] as? Bool == false)
        #expect(answers["unknown"]?.status == .notFound && answers["unknown"]?.text.contains("weekly") == true)
        #expect(answers["outbox"]?.status == .ok && (answers["outbox"]?.json["messages"] as? [Any])?.isEmpty == true)
        #expect(answers["outbox status"]?.status == .badRequest)
        #expect(answers["report html"]?.status == .ok && answers["report html"]?.headers[.contentType]?.hasPrefix("text/html") == true
                && answers["report html"]?.text.contains("0 organisations") == true, "\(answers["report html"]?.text ?? "")")
        // The network's data in a browser runs no script of anyone's.
        #expect(answers["report html"]?.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("sandbox") == true)
        #expect(answers["report html"]?.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
        #expect(answers["report csv"]?.headers[.contentType]?.hasPrefix("text/csv") == true)
        #expect(answers["report json"]?.headers[.contentType] == "application/json")
        #expect(answers["report md"]?.text.contains("# Organisations") == true)
        #expect(answers["report path"]?.status == .notFound && answers["report unknown"]?.status == .notFound)
        #expect(answers["report format"]?.status == .badRequest)
    }

    /// The outbox keeps every message it sent: the API pages it oldest first by cursor,
    /// the dashboard shows the newest 100 and links to older ones.
    @Test func theOutboxIsReadAPageAtATime() async throws {
        let (space, _, reader) = try Self.workspace()
        let engine = try space.open()
        let ids = try engine.store.write(commit: true) { tx in
            try (0..<105).map { index in
                var message = OutgoingMessage(to: [MailAddress(address: "m\(index)@example.org")], subject: "m\(index)", body: "", queuedAt: Timestamp(Date()))
                message.id = try tx.queueMessage(message)
                if index % 2 == 0 {
                    message.status = .sent
                    try tx.saveMessage(message)
                }
                return message.id
            }
        }
        let reading: HTTPFields = [.authorization: "Bearer \(reader)"]
        let answers = try await space.serve { client in
            var answers: [String: ServedResponse] = [:]
            let session: HTTPFields = [.cookie: try await DashboardTests.signIn(client, token: reader).cookie]
            var seen: [Int64] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await client.execute(uri: "/v1/outbox?limit=40" + (cursor.map { "&cursor=\($0)" } ?? ""), method: .get, headers: reading)
                seen += ((page.json["messages"] as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? Int).map(Int64.init) }
                cursor = page.json["next_cursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            answers["paged"] = try await client.execute(uri: "/v1/outbox?limit=1000", method: .get, headers: reading)
            answers["exact"] = try await client.execute(uri: "/v1/outbox?limit=105", method: .get, headers: reading)
            answers["misspelt"] = try await client.execute(uri: "/v1/outbox?stauts=held", method: .get, headers: reading)
            answers["signed cursor"] = try await client.execute(uri: "/v1/outbox?cursor=%2B5", method: .get, headers: reading)
            answers["sent"] = try await client.execute(uri: "/v1/outbox?status=sent&limit=50", method: .get, headers: reading)
            answers["default"] = try await client.execute(uri: "/v1/outbox", method: .get, headers: reading)
            answers["bad limit"] = try await client.execute(uri: "/v1/outbox?limit=0", method: .get, headers: reading)
            answers["bad cursor"] = try await client.execute(uri: "/v1/outbox?cursor=soon", method: .get, headers: reading)
            answers["dashboard"] = try await client.execute(uri: "/dashboard/outbox", method: .get, headers: session)
            let older = ids[4]
            answers["older"] = try await client.execute(uri: "/dashboard/outbox?before=\(older)", method: .get, headers: session)
            // Exactly 100 older than this one: they are the last page, with no link to an empty one.
            answers["hundred"] = try await client.execute(uri: "/dashboard/outbox?before=\(ids[100])", method: .get, headers: session)
            #expect(seen == ids && pages == 3, "\(pages) pages")
            return answers
        }
        #expect((answers["paged"]?.json["messages"] as? [Any])?.count == 105 && answers["paged"]?.json["next_cursor"] is NSNull)
        // A page that ends exactly at the last message is the last page.
        #expect((answers["exact"]?.json["messages"] as? [Any])?.count == 105 && answers["exact"]?.json["next_cursor"] is NSNull)
        #expect(answers["misspelt"]?.status == .badRequest && answers["misspelt"]?.text.contains("did you mean 'status'?") == true,
                "\(answers["misspelt"]?.text ?? "")")
        #expect(answers["signed cursor"]?.status == .badRequest)
        let sent = (answers["sent"]?.json["messages"] as? [[String: Any]]) ?? []
        #expect(sent.count == 50 && sent.allSatisfy { $0["status"] as? String == "sent" } && answers["sent"]?.json["next_cursor"] as? String != nil)
        #expect((answers["default"]?.json["messages"] as? [Any])?.count == 100)
        #expect(answers["bad limit"]?.status == .badRequest && answers["bad limit"]?.text.contains("from 1 to 1000") == true)
        #expect(answers["bad cursor"]?.status == .badRequest && answers["bad cursor"]?.text.contains("next_cursor") == true)
        // Newest first: the latest message is on the first page, the first five are not.
        let page = answers["dashboard"]?.text ?? ""
        #expect(page.contains(">m104<") && !page.contains(">m4<") && page.contains("before=\(ids[5])\">Older messages"), "\(page)")
        let older = answers["older"]?.text ?? ""
        #expect(older.contains(">m3<") && older.contains(">m0<") && !older.contains(">m4<") && !older.contains("Older messages"))
        let hundred = answers["hundred"]?.text ?? ""
        #expect(hundred.contains(">m99<") && hundred.contains(">m0<") && !hundred.contains("Older messages"))
    }

    /// An event's participants through the API, as `events.add_participant`: added once,
    /// audited, listed in order; every refusal in Lua's words keeps nothing.
    @Test func anEventsParticipantsAreAddedAndListedThroughTheDomain() async throws {
        let (space, writer, reader) = try Self.workspace()
        try space.write("Scripts/setup.lua", """
            local org = orgs.create { name = "ASI", country = "RU" }
            local person = people.create { name = "Elena Topoleva", organisation = org }
            local event = events.create { title = "Round table", kind = "round_table", starts_at = "2021-01-26T11:00:00+03:00" }
            local gone = events.create { title = "Old", kind = "round_table", starts_at = "2020-01-26T11:00:00+03:00" }
            events.archive(gone)
            print(org.id, person.id, event.id, gone.id)
            """)
        var printed: [String] = []
        _ = try space.open().run(file: space.folder.appendingPathComponent("Scripts/setup.lua").path, output: { printed.append($0) })
        let ids = (printed.first ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int64($0) }
        try #require(ids.count == 4, "\(printed)")
        let (org, person, event, gone) = (ids[0], ids[1], ids[2], ids[3])
        let writing: HTTPFields = [.authorization: "Bearer \(writer)", .contentType: "application/json"]
        let reading: HTTPFields = [.authorization: "Bearer \(reader)"]
        @Sendable func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
        let answers = try await space.serve { client in
            var answers: [String: ServedResponse] = [:]
            let path = "/v1/events/\(event)/participants"
            answers["empty"] = try await client.execute(uri: path, method: .get, headers: reading)
            answers["org"] = try await client.execute(uri: path, method: .post, headers: writing,
                                                      body: body(#"{"participant": {"type": "organisation", "id": \#(org)}, "role": "organiser"}"#))
            answers["again"] = try await client.execute(uri: path, method: .post, headers: writing,
                                                        body: body(#"{"participant": {"type": "organisation", "id": \#(org)}, "role": "organiser"}"#))
            answers["person"] = try await client.execute(uri: path, method: .post, headers: writing,
                                                         body: body(#"{"participant": {"type": "person", "id": \#(person)}, "role": "speaker"}"#))
            answers["role"] = try await client.execute(uri: path, method: .post, headers: writing,
                                                       body: body(#"{"participant": {"type": "person", "id": \#(person)}, "role": "speeker"}"#))
            answers["grant"] = try await client.execute(uri: path, method: .post, headers: writing,
                                                        body: body(#"{"participant": {"type": "grant", "id": 1}, "role": "sponsor"}"#))
            answers["missing org"] = try await client.execute(uri: path, method: .post, headers: writing,
                                                              body: body(#"{"participant": {"type": "organisation", "id": 999}, "role": "sponsor"}"#))
            answers["unknown field"] = try await client.execute(uri: path, method: .post, headers: writing,
                                                                body: body(#"{"participent": {"type": "organisation", "id": 1}, "role": "sponsor"}"#))
            answers["no event"] = try await client.execute(uri: "/v1/events/999/participants", method: .post, headers: writing,
                                                           body: body(#"{"participant": {"type": "organisation", "id": \#(org)}, "role": "sponsor"}"#))
            answers["archived"] = try await client.execute(uri: "/v1/events/\(gone)/participants", method: .post, headers: writing,
                                                           body: body(#"{"participant": {"type": "organisation", "id": \#(org)}, "role": "sponsor"}"#))
            answers["as reader"] = try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(reader)", .contentType: "application/json"],
                                                            body: body(#"{"participant": {"type": "organisation", "id": \#(org)}, "role": "sponsor"}"#))
            answers["duplicate key"] = try await client.execute(uri: path, method: .post, headers: writing,
                                                                body: body(#"{"participant": {"type": "organisation", "id": \#(org)}, "role": "sponsor", "role": "attendee"}"#))
            answers["duplicate create"] = try await client.execute(uri: "/v1/orgs", method: .post, headers: writing,
                                                                   body: body(#"{"name": "DupA", "name": "DupB"}"#))
            answers["list"] = try await client.execute(uri: path, method: .get, headers: reading)
            answers["list missing"] = try await client.execute(uri: "/v1/events/999/participants", method: .get, headers: reading)
            return answers
        }
        #expect(answers["empty"]?.status == .ok && (answers["empty"]?.json["participants"] as? [Any])?.isEmpty == true)
        func listed(_ name: String) -> [String] {
            ((answers[name]?.json["participants"] as? [[String: Any]]) ?? []).map { entry in
                let who = entry["participant"] as? [String: Any]
                return "\(who?["type"] as? String ?? "?") \(who?["id"] as? Int ?? 0) \(entry["role"] as? String ?? "?")"
            }
        }
        #expect(answers["org"]?.status == .ok && listed("org") == ["organisation \(org) organiser"], "\(answers["org"]?.text ?? "")")
        #expect(answers["again"]?.status == .ok && listed("again") == ["organisation \(org) organiser"])
        #expect(listed("person") == ["organisation \(org) organiser", "person \(person) speaker"])
        #expect(answers["role"]?.status == .unprocessableContent && answers["role"]?.json["detail"] as? String
                == "invalid role 'speeker' (allowed: organiser, speaker, moderator, sponsor, attendee)", "\(answers["role"]?.text ?? "")")
        #expect(answers["grant"]?.status == .unprocessableContent
                && (answers["grant"]?.json["detail"] as? String)?.contains("an event's participant is an organisation or a person") == true,
                "\(answers["grant"]?.text ?? "")")
        #expect(answers["missing org"]?.status == .unprocessableContent
                && (answers["missing org"]?.json["detail"] as? String)?.contains("Organisation 999 does not exist") == true, "\(answers["missing org"]?.text ?? "")")
        #expect(answers["unknown field"]?.status == .unprocessableContent
                && (answers["unknown field"]?.json["detail"] as? String)?.contains("did you mean 'participant'?") == true, "\(answers["unknown field"]?.text ?? "")")
        #expect(answers["no event"]?.status == .notFound && answers["no event"]?.json["detail"] as? String == "no event 999 in events")
        #expect(answers["archived"]?.status == .conflict, "\(answers["archived"]?.text ?? "")")
        #expect(answers["as reader"]?.status == .forbidden)
        // Parsers disagree about a key given twice: refused, nothing kept.
        for name in ["duplicate key", "duplicate create"] {
            #expect(answers[name]?.status == .badRequest && answers[name]?.text.contains("twice in one object") == true, "\(answers[name]?.text ?? "")")
        }
        #expect(listed("list") == ["organisation \(org) organiser", "person \(person) speaker"] && answers["list missing"]?.status == .notFound)
        // Each addition is audited under the token's run; the refusals kept nothing.
        let engine = try space.open()
        let audit = try engine.store.read { try $0.audit(of: RecordReference(.event, event)) }.filter { $0.field == "participants" }
        #expect(audit.count == 2, "\(audit)")
        let unchanged = try engine.store.read { try $0.participants(of: RecordReference(.event, gone)) }
        #expect(unchanged.isEmpty)
        let named = try engine.store.read { tx in try tx.count(.organisation, RecordQuery(filters: [.init("name", .equal, .string("DupA"))])) }
        #expect(named == 0)
    }

    /// The history a page at a time: every run once, newest first, by cursor; the
    /// dashboard links to older runs with the same filters.
    @Test func theRunHistoryIsReadAPageAtATime() async throws {
        let (space, _, reader) = try Self.workspace()
        try space.write("Scripts/tiny.lua", "return 1")
        let engine = try space.open()
        for _ in 0..<102 { _ = try engine.run(file: space.folder.appendingPathComponent("Scripts/tiny.lua").path, output: { _ in }) }
        let all = try engine.runs(RunFilter(limit: 1000)).map(\.id)
        let reading: HTTPFields = [.authorization: "Bearer \(reader)"]
        let (seen, pages, answers) = try await space.serve { client in
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await client.execute(uri: "/v1/runs?limit=40" + (cursor.map { "&cursor=\($0)" } ?? ""), method: .get, headers: reading)
                seen += ((page.json["runs"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                cursor = page.json["next_cursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            var answers: [String: ServedResponse] = [:]
            for uri in ["/v1/runs?trigger=manual&limit=1000", "/v1/runs?trigger=bogus", "/v1/runs?since=2000-01-01&limit=1", "/v1/runs?since=soon",
                        "/v1/runs?cursor=-1"] {
                answers[uri] = try await client.execute(uri: uri, method: .get, headers: reading)
            }
            let session: HTTPFields = [.cookie: try await DashboardTests.signIn(client, token: reader).cookie]
            answers["dashboard"] = try await client.execute(uri: "/dashboard/runs?trigger=manual", method: .get, headers: session)
            answers["older"] = try await client.execute(uri: "/dashboard/runs?trigger=manual&skip=100", method: .get, headers: session)
            return (seen, pages, answers)
        }
        #expect(seen == all && pages == 3, "\(pages) pages, \(seen.count) of \(all.count)")
        #expect((answers["/v1/runs?trigger=manual&limit=1000"]?.json["runs"] as? [Any])?.count == 102)
        #expect(answers["/v1/runs?since=2000-01-01&limit=1"]?.status == .ok && answers["/v1/runs?since=2000-01-01&limit=1"]?.json["next_cursor"] as? String == "1")
        for uri in ["/v1/runs?trigger=bogus", "/v1/runs?since=soon", "/v1/runs?cursor=-1"] {
            #expect(answers[uri]?.status == .badRequest, "\(uri): \(answers[uri]?.text ?? "")")
        }
        let page = answers["dashboard"]?.text ?? ""
        #expect(page.contains("href=\"/dashboard/runs?trigger=manual&amp;skip=100\">Older runs"), "\(page.suffix(400))")
        let older = answers["older"]?.text ?? ""
        #expect(older.contains("/dashboard/runs/\(all[101])") && !older.contains("/dashboard/runs/\(all[99])\"") && !older.contains("Older runs"))
    }
}
