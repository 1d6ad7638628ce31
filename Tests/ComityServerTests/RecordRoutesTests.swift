import ComityCore
import ComityService
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import ComityServer

/// `GET /v1/COLLECTION` and `/v1/COLLECTION/ID` on a real store through a live server.
@Suite struct RecordRoutesTests {
    static func seeded() throws -> (ServedWorkspace, String) {
        let space = try ServedWorkspace()
        try space.write("Scripts/seed.lua", """
            for i = 1, 23 do orgs.create { name = ("Org %02d"):format(i), country = i % 2 == 0 and "KE" or "DE", tags = { "t" .. i % 3 } } end
            local funder = orgs.create { name = "Fund", country = "DE", kind = "foundation" }
            local first = orgs.find { name = "Org 01" }()
            grants.create { title = "Small", funder = funder, recipient = first, amount_requested = money("1000.50 EUR") }
            grants.create { title = "Large", funder = funder, recipient = first, amount_requested = money("250000.00 EUR") }
            orgs.archive(orgs.find { name = "Org 23" }())
            """)
        let engine = try space.open()
        let run = try engine.run(file: space.folder.appendingPathComponent("Scripts/seed.lua").path, output: { _ in }).run.record
        try #require(run.outcome == .succeeded, "\(run.error ?? "")")
        return (space, try engine.createToken(name: "reader", scope: .read).secret)
    }

    @Test func pagesCoverEveryRecordOnceInAnyOrder() async throws {
        let (space, token) = try Self.seeded()
        let pages = try await space.serve { client in
            var results: [String: [String]] = [:]
            for order in ["", "&order_by=-name", "&order_by=country"] {
                var names: [String] = []
                var cursor: String?
                repeat {
                    let uri = "/v1/orgs?limit=5\(order)" + (cursor.map { "&cursor=\($0)" } ?? "")
                    let page = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
                    #expect(page.status == .ok, "\(uri): \(page.text)")
                    let records = page.json["records"] as? [[String: Any]] ?? []
                    names += records.compactMap { ($0["fields"] as? [String: Any])?["name"] as? String }
                    cursor = page.json["next_cursor"] as? String
                    #expect(records.count <= 5)
                } while cursor != nil && names.count < 100
                results[order] = names
            }
            return results
        }
        // 23 organisations and the funder, less the archived one: 23, each once.
        let expected = (1...22).map { String(format: "Org %02d", $0) } + ["Fund"]
        for (order, names) in pages {
            #expect(names.count == 23 && Set(names) == Set(expected), "order '\(order)': \(names)")
        }
        #expect(pages["&order_by=-name"] == expected.sorted(by: >))
        // By country, ties by id: DE first (odd numbers and the funder), then KE.
        #expect(pages["&order_by=country"]?.prefix(12).allSatisfy { name in
            name == "Fund" || (Int(name.dropFirst(4)) ?? 0) % 2 == 1
        } == true)
    }

    /// Odd text in paths and queries, answered as a script is told or as the document
    /// says: a NUL byte in a filter is refused (SQLite would compare only up to it), a
    /// percent-encoded id is the id, a signed one is none, a misspelt run filter is named.
    @Test func oddPathsAndQueriesAreReadAsTheirClientMeantOrRefused() async throws {
        let (space, token) = try Self.seeded()
        let engine = try space.open()
        let run = try #require(try engine.runs(RunFilter(limit: 1)).first)
        let encoded = run.id.prefix(8) + "%2D" + run.id.dropFirst(9).prefix(4)
        let answers = try await space.serve { client in
            var answers: [String: ServedResponse] = [:]
            for uri in ["/v1/orgs?name=Org%2001%00junk", "/v1/grants?title_contains=%00", "/v1/orgs/%31", "/v1/orgs/+1", "/v1/orgs/0x1",
                        "/v1/runs/\(encoded)", "/v1/runs?triger=manual", "/v1/runs?limt=5", "/v1/runs/import-"] {
                answers[uri] = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
            }
            return answers
        }
        for uri in ["/v1/orgs?name=Org%2001%00junk", "/v1/grants?title_contains=%00"] {
            #expect(answers[uri]?.status == .badRequest && answers[uri]?.text.contains("NUL byte") == true, "\(uri): \(answers[uri]?.text ?? "")")
        }
        #expect(answers["/v1/orgs/%31"]?.status == .ok && answers["/v1/orgs/%31"]?.json["id"] as? Int == 1)
        #expect(answers["/v1/orgs/+1"]?.status == .badRequest && answers["/v1/orgs/0x1"]?.status == .badRequest)
        #expect(answers["/v1/runs/\(encoded)"]?.status == .ok && answers["/v1/runs/\(encoded)"]?.json["id"] as? String == run.id,
                "\(answers["/v1/runs/\(encoded)"]?.text ?? "")")
        #expect(answers["/v1/runs?triger=manual"]?.status == .badRequest && answers["/v1/runs?triger=manual"]?.text.contains("did you mean 'trigger'?") == true)
        #expect(answers["/v1/runs?limt=5"]?.status == .badRequest && answers["/v1/runs?limt=5"]?.text.contains("did you mean 'limit'?") == true)
        #expect(answers["/v1/runs/import-"]?.text.contains("after 'import-'") == true, "\(answers["/v1/runs/import-"]?.text ?? "")")
    }

    @Test func filtersAreFindsAndRecordsAreTypedJSON() async throws {
        let (space, token) = try Self.seeded()
        let answers = try await space.serve { client in
            var answers: [String: ServedResponse] = [:]
            for uri in ["/v1/orgs?country=KE&limit=100", "/v1/orgs?country=KE&country=DE&tags=t1&limit=100", "/v1/orgs?name_prefix=org%200&limit=100",
                        "/v1/orgs?archived=true&limit=100", "/v1/grants?amount_requested_min=2000+EUR", "/v1/grants?funder=24",
                        "/v1/orgs?nmae=x", "/v1/orgs?name=", "/v1/grants?funder=Fund", "/v1/orgs?limit=1001", "/v1/grants/1", "/v1/grants/99",
                        "/v1/orgs/0"] {
                answers[uri] = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
            }
            return answers
        }
        func count(_ uri: String) -> Int? { (answers[uri]?.json["records"] as? [Any])?.count }
        #expect(count("/v1/orgs?country=KE&limit=100") == 11)
        #expect(count("/v1/orgs?country=KE&country=DE&tags=t1&limit=100") == 8)
        #expect(count("/v1/orgs?name_prefix=org%200&limit=100") == 9)
        #expect(count("/v1/orgs?archived=true&limit=100") == 24)
        #expect(count("/v1/grants?amount_requested_min=2000+EUR") == 1)
        #expect(count("/v1/grants?funder=24") == 2)
        for uri in ["/v1/orgs?nmae=x", "/v1/orgs?name=", "/v1/grants?funder=Fund", "/v1/orgs?limit=1001", "/v1/orgs/0"] {
            #expect(answers[uri]?.status == .badRequest, "\(uri): \(answers[uri]?.text ?? "")")
            #expect(answers[uri]?.headers[.contentType] == "application/problem+json")
        }
        #expect((answers["/v1/orgs?nmae=x"]?.json["detail"] as? String)?.contains("did you mean 'name'?") == true)
        #expect(answers["/v1/grants/99"]?.status == .notFound)
        let grant = try #require(answers["/v1/grants/1"]?.json)
        let fields = try #require(grant["fields"] as? [String: Any])
        #expect(grant["type"] as? String == "grant" && grant["status"] != nil)
        #expect((fields["amount_requested"] as? [String: String]) == ["amount": "1000.50", "currency": "EUR"])
        #expect((fields["funder"] as? [String: Any])?["id"] as? Int == 24 && (fields["funder"] as? [String: Any])?["type"] as? String == "organisation")
    }
}
