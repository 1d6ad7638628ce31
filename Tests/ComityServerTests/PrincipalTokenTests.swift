import ComityCore
import ComityService
import Foundation
import HTTPTypes
import Hummingbird
import Testing
@testable import ComityServer

/// A token made `--as` a person, through a live server: it reads and writes as that person
/// (`AccessPolicy`), gets a report as they see it, and reaches nothing of the workspace's own.
@Suite struct PrincipalTokenTests {
    /// A report of the sum of every grant's award the run may see: `Total: ...`.
    static let totalsReport = """
        local rows = grants.sum { "amount_awarded" }
        local total = tostring(rows[1] and rows[1].total or "none")
        return report { title = "Totals", subtitle = "Total: " .. total,
          sections = { { heading = "All", table = { columns = { "Total" }, rows = { { total } } } } } }
        """

    static func seeded() throws -> (space: ServedWorkspace, person: String, workspace: String, ids: [String: Int64]) {
        let space = try ServedWorkspace()
        try space.write("Scripts/seed.lua", """
            local asi = orgs.create { name = "Agency for Social Information", country = "RU" }
            local td = orgs.create { name = "Tetradka Druzhby", country = "RU" }
            local pgf = orgs.create { name = "Presidential Grants Foundation", country = "RU", kind = "foundation" }
            people.create { name = "Elena Topoleva", email = "elena@asi.example", organisation = asi }
            grants.create { title = "Civic media", funder = pgf, recipient = asi, amount_awarded = money("1000.00 RUB") }
            grants.create { title = "Friendship", funder = pgf, recipient = td, amount_awarded = money("2000.00 RUB") }
            grants.create { title = "Own", funder = asi, recipient = td, amount_awarded = money("300.00 RUB") }
            """)
        try space.write("Scripts/reports/totals.lua", Self.totalsReport)
        let engine = try space.open()
        let run = try engine.run(file: space.folder.appendingPathComponent("Scripts/seed.lua").path, output: { _ in }).run.record
        try #require(run.outcome == .succeeded, "\(run.error ?? "")")
        _ = try engine.addMember(person: "Elena Topoleva", organisation: "Agency for Social Information", role: .editor)
        let ids = try engine.store.read { tx in
            var ids: [String: Int64] = [:]
            try tx.forEach(.grant, RecordQuery()) { ids[$0.fields["title"]?.description ?? ""] = $0.id; return true }
            return ids
        }
        let person = try engine.createToken(name: "elena", scope: .write, person: "Elena Topoleva").secret
        let workspace = try engine.createToken(name: "coordinator", scope: .write).secret
        return (space, person, workspace, ids)
    }

    @Test func aPersonsTokenReadsAndWritesAsThatPersonAndReachesNothingElse() async throws {
        let (space, person, workspace, ids) = try Self.seeded()
        let civic = ids["Civic media"] ?? 0, friendship = ids["Friendship"] ?? 0, own = ids["Own"] ?? 0
        let answers = try await space.serve { client in
            func get(_ uri: String, _ token: String) async throws -> ServedResponse {
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
            }
            func patch(_ uri: String, _ body: String) async throws -> ServedResponse {
                try await client.execute(uri: uri, method: .patch, headers: [.authorization: "Bearer \(person)", .contentType: "application/json"],
                                         body: ByteBuffer(string: body))
            }
            return [
                "list": try await get("/v1/grants", person), "all": try await get("/v1/grants", workspace),
                "hidden": try await get("/v1/grants/\(friendship)", person), "seen": try await get("/v1/grants/\(civic)", person),
                "notChangeable": try await patch("/v1/grants/\(civic)", #"{"title": "Renamed"}"#),
                "hiddenChange": try await patch("/v1/grants/\(friendship)", #"{"title": "Renamed"}"#),
                "ownChange": try await patch("/v1/grants/\(own)", #"{"title": "Renamed"}"#),
                "report": try await get("/v1/reports/totals?format=md", person),
                "runs": try await get("/v1/runs", person), "outbox": try await get("/v1/outbox", person),
                "queue": try await get("/v1/queue", person),
            ]
        }
        func titles(_ answer: ServedResponse?) -> Set<String> {
            Set((answer?.json["records"] as? [[String: Any]] ?? []).compactMap { ($0["fields"] as? [String: Any])?["title"] as? String })
        }
        #expect(titles(answers["list"]) == ["Civic media", "Own"], "\(answers["list"]?.text ?? "")")
        #expect(titles(answers["all"]) == ["Civic media", "Friendship", "Own"])
        // A hidden record is absent, said as for one that never was.
        #expect(answers["hidden"]?.status == .notFound)
        #expect(answers["seen"]?.status == .ok)
        // Its owner and funder, the foundation she does not see, are left out; the recipient is hers.
        #expect(answers["seen"]?.json["owner"] is NSNull, "\(answers["seen"]?.text ?? "")")
        let fields = answers["seen"]?.json["fields"] as? [String: Any]
        #expect(fields?["funder"] == nil && (fields?["recipient"] as? [String: Any])?["id"] as? Int == 1, "\(answers["seen"]?.text ?? "")")
        #expect(answers["notChangeable"]?.status == .forbidden, "\(answers["notChangeable"]?.text ?? "")")
        #expect(answers["notChangeable"]?.text.contains("Elena Topoleva (editor, Agency for Social Information) may not change grants of another organisation") == true,
                "\(answers["notChangeable"]?.text ?? "")")
        #expect(answers["hiddenChange"]?.status == .notFound)
        #expect(answers["ownChange"]?.status == .ok, "\(answers["ownChange"]?.text ?? "")")
        // The report sums what Elena sees: 1,000 + 300.
        #expect(answers["report"]?.status == .ok && answers["report"]?.text.contains("1,300.00 RUB") == true, "\(answers["report"]?.text ?? "")")
        for route in ["runs", "outbox", "queue"] {
            #expect(answers[route]?.status == .forbidden, "\(route): \(answers[route]?.text ?? "")")
        }
        // Nothing but the one allowed change was written, and its audit names her.
        let engine = try space.open()
        let titlesNow = try engine.store.read { tx in try [civic, friendship].map { try tx.record(RecordReference(.grant, $0))?.fields["title"] } }
        #expect(titlesNow == [.string("Civic media"), .string("Friendship")])
        let audit = try engine.store.read { try $0.audit(of: RecordReference(.grant, own)) }
        #expect(audit.last?.principal == "Elena Topoleva (editor, Agency for Social Information)")
    }
}

/// A hook that declares `run_as`: its deliveries' runs act as that person; one that names no
/// one takes nothing; and a workflow that would act as someone else is not run.
@Suite struct HookPrincipalTests {
    static let form = #"{"name":"Hope Foundation","country":"KE"}"#

    @Test func aHooksDeliveriesRunAsItsPersonAndNoOneElse() async throws {
        let (space, _, _, ids) = try PrincipalTokenTests.seeded()
        try space.write("comity.lua", """
            return { time_zone = "UTC", hooks = {
              asi = { secret = "KOBO_SECRET", workflow = "intake-as", run_as = "ELENA@asi.example" },
              ghost = { secret = "KOBO_SECRET", workflow = "intake-as", run_as = "nobody@nowhere.example" },
              mira = { secret = "KOBO_SECRET", workflow = "intake-as", run_as = "Mira" },
              claim = { secret = "KOBO_SECRET", workflow = "as-coordinator", run_as = "Elena Topoleva" } } }
            """)
        try space.write("Scripts/intake-as.lua", """
            return workflow { name = "intake-as", run = function(ctx)
              local org = orgs.create { name = ctx.trigger.json.name, country = ctx.trigger.json.country }
              local changed = pcall(grants.update, grants.get(\(ids["Civic media"] ?? 0)), { title = "Renamed" })
              ctx.log(grants.count {}, tostring(orgs.get(3)), tostring(grants.get(\(ids["Friendship"] ?? 0))), changed, org.owner.name)
            end }
            """)
        try space.write("Scripts/as-coordinator.lua", """
            return workflow { name = "as-coordinator", run_as = "mira@network.example", run = function(ctx) orgs.create { name = "Not kept" } end }
            """)
        try space.write("Scripts/mira.lua", #"people.create { name = "Mira", email = "mira@network.example" }"#)
        let seeded = try space.open().run(file: space.folder.appendingPathComponent("Scripts/mira.lua").path, output: { _ in }).run.record
        try #require(seeded.outcome == .succeeded, "\(seeded.error ?? "")")
        let answers = try await space.serve { client in
            var statuses: [String: ServedResponse] = [:]
            for (hook, delivery) in [("asi", "d-1"), ("ghost", "d-2"), ("claim", "d-3"), ("mira", "d-4")] {
                statuses[hook] = try await client.execute(uri: "/hooks/\(hook)", method: .post,
                                                          headers: ServedWorkspace.signed(Self.form, delivery: delivery),
                                                          body: ByteBuffer(string: Self.form))
            }
            return statuses
        }
        #expect(answers["asi"]?.status == .accepted, "\(answers["asi"]?.text ?? "")")
        #expect(answers["claim"]?.status == .accepted, "\(answers["claim"]?.text ?? "")")
        // A hook acting as no one keeps nothing: its runs could never run.
        #expect(answers["ghost"]?.status == .serviceUnavailable, "\(answers["ghost"]?.text ?? "")")
        // Nor one naming a person who is no member: anyone may make a person of that name.
        #expect(answers["mira"]?.status == .serviceUnavailable, "\(answers["mira"]?.text ?? "")")
        let engine = try space.open()
        #expect(try engine.store.read { try $0.queuedRuns() }.count == 2)
        #expect(try engine.store.read { try $0.delivery(hook: "ghost", delivery: "d-2") } == nil)
        let runs = try engine.drainQueue(output: { _ in }).runs.map(\.record)
        let asi = try #require(runs.first { $0.workflow == "intake-as" })
        // Elena sees two grants, not the foundation or its grant to another NGO, may not rename
        // the foundation's grant, and what she creates is her organisation's.
        #expect(asi.outcome == .succeeded, "\(asi.error ?? "")")
        #expect(asi.log == ["2\tnil\tnil\tfalse\tAgency for Social Information"], "\(asi.log)")
        let claim = try #require(runs.first { $0.workflow == "as-coordinator" })
        #expect(claim.outcome != .succeeded)
        #expect(claim.error?.contains("runs as 'mira@network.example', and Elena Topoleva (editor, Agency for Social Information) may not act for anyone else") == true, "\(claim.error ?? "")")
        let audit = try engine.store.read { tx in try tx.audit(of: RecordReference(.organisation, 4)) }
        #expect(audit.first?.principal == "Elena Topoleva (editor, Agency for Social Information)", "\(audit)")
        #expect(try engine.store.read { try $0.count(.organisation, RecordQuery(filters: [RecordQuery.Filter("name", .equal, .string("Not kept"))])) } == 0)
    }

    @Test func aHooksRunAsMustNameSomeone() throws {
        let space = try ServedWorkspace()
        try space.write("comity.lua", #"return { hooks = { kobo = { secret = "KOBO_SECRET", workflow = "intake-kobo", run_as = " " } } }"#)
        #expect {
            _ = try space.open()
        } throws: { error in
            "\(error)".contains("hooks.kobo.run_as must name a person")
        }
    }
}
