import ComityCore
import ComityExchange
import ComityPostgres
import ComityService
import ComityStoreConformance
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing
@testable import ComityServer

/// The access matrix of the store conformance suite (`AccessMatrix`, its expectations in
/// `AccessPolicyCases`) through a live server, on SQLite and on the PostgreSQL server of
/// `make test`: for every principal (a token made `--as` them) and record, GET, the lists
/// page by page, PATCH, every lifecycle step from a record's first status and archive;
/// the report and an export as each sees them; the dashboard's sign-in. Each denial is a
/// 403 or a 404, never a 500, and no refused request writes anything. One store at a
/// time: each sends some 700 requests, and other suites hold the writer for a while.
@Suite(.serialized) struct AccessMatrixHTTPTests {
    enum Backing: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    static var backings: [Backing] { ProcessInfo.processInfo.environment["COMITY_TEST_POSTGRES"] == nil ? [.sqlite] : [.sqlite, .postgres] }

    private static let made = Mutex(0)

    /// A new, empty database on the test server; its URL.
    static func newDatabase() throws -> String {
        let server = try PostgresLocation(url: try #require(ProcessInfo.processInfo.environment["COMITY_TEST_POSTGRES"]))
        let number = made.withLock { count in
            count += 1
            return count
        }
        let name = "served_\(getpid())_\(number)"
        try PostgresStore.execute("CREATE DATABASE \(name)", at: server)
        return server.database(name).description
    }

    /// One record of the matrix as the requests name it.
    struct Target: Sendable {
        let key: String
        let type: RecordType
        let id: Int64
        var path: String { "/v1/\(type.collection)/\(id)" }
    }

    /// A record's change, as JSON, that says who asked for it (by number: a principal's
    /// name in a record's text would show in the exports of those who may not see them).
    static func change(_ type: RecordType, by principal: String) -> String {
        let field = AccessPolicyCases.changes[type]?.keys.first ?? "title"
        return #"{"\#(field)": "changed by principal \#(AccessMatrix.principals.firstIndex(of: principal) ?? -1)"}"#
    }

    @Test(arguments: backings) func everyPrincipalSeesAndChangesThroughTheAPIExactlyWhatThePolicySays(_ backing: Backing) async throws {
        let space = try ServedWorkspace()
        if backing == .postgres {
            try space.write("comity.lua", #"return { time_zone = "UTC", store = { postgres = "\#(try Self.newDatabase())" } }"#)
        } else {
            try space.write("comity.lua", #"return { time_zone = "UTC" }"#)
        }
        try space.write("Scripts/reports/totals.lua", PrincipalTokenTests.totalsReport)
        let engine = try space.open()
        #expect("\(type(of: engine.store))".contains(backing == .postgres ? "Postgres" : "SQLite"), "\(type(of: engine.store))")
        let matrix = try AccessMatrix(store: engine.store)
        var tokens: [String: String] = [:]
        for principal in AccessMatrix.principals {
            let person = try #require(matrix.people[principal])
            tokens[principal] = try engine.createToken(name: principal, scope: .write, person: "person#\(person.id)").secret
        }
        let workspaceToken = try engine.createToken(name: "coordinator", scope: .write).secret
        let targets = matrix.all.map { Target(key: $0.key, type: $0.value.type, id: $0.value.id) }.sorted { $0.key < $1.key }
        let keysByID = Dictionary(uniqueKeysWithValues: targets.map { ("\($0.type.rawValue)#\($0.id)", $0.key) })
        let principals = AccessMatrix.principals
        let given = tokens

        // Reads first, then changes: a change allowed to one principal alters no one's view
        // (no share filters on what the changes touch), and the refused go before the allowed.
        let outcomes = try await space.serve { client in
            var outcomes: [String: Int] = [:]
            var listed: [String: Set<String>] = [:]
            var reports: [String: String] = [:]
            var signIns: [String: Int] = [:]
            func send(_ method: HTTPRequest.Method, _ uri: String, _ principal: String, body: String? = nil) async throws -> ServedResponse {
                var headers: HTTPFields = [.authorization: "Bearer \(given[principal] ?? workspaceToken)"]
                if body != nil { headers[.contentType] = "application/json" }
                return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
            }
            for principal in principals {
                for target in targets {
                    outcomes["\(principal) GET \(target.key)"] = Int(try await send(.get, target.path, principal).status.code)
                }
                for type in RecordType.allCases {
                    var cursor: String? = ""
                    var seen: Set<String> = []
                    var pages = 0
                    while let at = cursor, pages < 20 {
                        let page = try await send(.get, "/v1/\(type.collection)?limit=2" + (at.isEmpty ? "" : "&cursor=\(at)"), principal)
                        outcomes["\(principal) LIST \(type.collection) page \(pages)"] = Int(page.status.code)
                        for record in page.json["records"] as? [[String: Any]] ?? [] {
                            seen.insert(keysByID["\(type.rawValue)#\(record["id"] as? Int ?? 0)"] ?? "unknown \(record["id"] ?? "")")
                        }
                        cursor = page.json["next_cursor"] as? String
                        pages += 1
                    }
                    listed["\(principal) \(type.collection)"] = seen
                }
                reports[principal] = try await send(.get, "/v1/reports/totals?format=md", principal).text
                signIns[principal] = Int(try await DashboardTests.signIn(client, token: given[principal] ?? "").answer.status.code)
            }
            let changes = AccessPolicyCases.expected.mapValues(\.changes)
            let refusedFirst = { (target: Target) in principals.sorted { (changes[$0]?.contains(target.key) == true ? 1 : 0) < (changes[$1]?.contains(target.key) == true ? 1 : 0) } }
            for target in targets {
                for principal in refusedFirst(target) {
                    outcomes["\(principal) PATCH \(target.key)"] = Int(try await send(.patch, target.path, principal,
                                                                                      body: Self.change(target.type, by: principal)).status.code)
                }
            }
            for target in targets {
                for (verb, fields) in AccessPolicyCases.firstSteps(target.type) {
                    let body = "{" + fields.map { #""\#($0.key)": "\#($0.value.description)""# }.joined(separator: ", ") + "}"
                    for principal in refusedFirst(target) {
                        outcomes["\(principal) \(verb) \(target.key)"] = Int(try await send(.post, "\(target.path)/\(verb)", principal, body: body).status.code)
                    }
                }
            }
            for target in targets {
                for principal in refusedFirst(target) {
                    outcomes["\(principal) archive \(target.key)"] = Int(try await send(.post, "\(target.path)/archive", principal).status.code)
                }
            }
            let workspaceSignIn = Int(try await DashboardTests.signIn(client, token: workspaceToken).answer.status.code)
            return (outcomes, listed, reports, signIns, workspaceSignIn)
        }
        let (codes, listed, reports, signIns, workspaceSignIn) = outcomes
        for principal in principals {
            let sees = AccessPolicyCases.expected[principal]?.sees ?? []
            let changes = AccessPolicyCases.expected[principal]?.changes ?? []
            for target in targets {
                #expect(codes["\(principal) GET \(target.key)"] == (sees.contains(target.key) ? 200 : 404), "\(backing) \(principal) GET \(target.key)")
                let operations = ["PATCH", "archive"] + AccessPolicyCases.firstSteps(target.type).map(\.0)
                for operation in operations {
                    let code = codes["\(principal) \(operation) \(target.key)"] ?? 0
                    if changes.contains(target.key) {
                        // The first allowed step is taken; the next principal's may find the status moved on.
                        #expect(code < 500 && ![403, 404].contains(code), "\(backing) \(principal) \(operation) \(target.key): \(code)")
                        if operation == "PATCH" { #expect(code == 200, "\(backing) \(principal) PATCH \(target.key): \(code)") }
                    } else {
                        #expect(code == (sees.contains(target.key) ? 403 : 404), "\(backing) \(principal) \(operation) \(target.key): \(code)")
                    }
                }
            }
            for type in RecordType.allCases {
                let wanted = sees.filter { matrix.all[$0]?.type == type }
                #expect(listed["\(principal) \(type.collection)"] == wanted, "\(backing) \(principal) lists \(type.collection)")
            }
            for (name, code) in codes where name.hasPrefix("\(principal) LIST") { #expect(code == 200, "\(backing) \(name)") }
            let total = AccessPolicyCases.sums[principal].flatMap { $0 }.map { $0 >= 1000 ? "1,\(String(format: "%03d", $0 % 1000)).00 RUB" : "\($0).00 RUB" } ?? "none"
            #expect(reports[principal]?.contains("Total: \(total)") == true, "\(backing) \(principal) report: \(reports[principal] ?? "")")
            // The dashboard shows every organisation's runs and messages: no person signs in.
            #expect(signIns[principal] == 403, "\(backing) \(principal) dashboard")
        }
        #expect(workspaceSignIn == 303)

        // No refused request wrote anything: every change the audit holds is one its principal may make.
        let engineAfter = try space.open()
        let audit = try engineAfter.store.read { tx in try targets.flatMap { target in
            try tx.audit(of: RecordReference(target.type, target.id)).map { (target.key, $0) }
        } }
        var written = 0
        for (key, entry) in audit {
            guard let by = entry.principal, let principal = principals.first(where: { by.hasPrefix("\($0) (") }) else { continue }
            written += 1
            #expect(AccessPolicyCases.expected[principal]?.changes.contains(key) == true, "\(backing) \(by) wrote \(key): \(entry)")
        }
        #expect(written > 0)
        for target in targets {
            let record = try engineAfter.store.read { try $0.record(RecordReference(target.type, target.id)) }
            let field = AccessPolicyCases.changes[target.type]?.keys.first ?? "title"
            if case .string(let text)? = record?.fields[field], text.hasPrefix("changed by principal "),
               let index = Int(text.dropFirst("changed by principal ".count)), principals.indices.contains(index) {
                #expect(AccessPolicyCases.expected[principals[index]]?.changes.contains(target.key) == true, "\(backing) \(target.key): \(text)")
            }
        }

        // An export as each principal names no organisation or person it may not see.
        let names = Dictionary(uniqueKeysWithValues: try engineAfter.store.read { tx in
            try (matrix.organisations.merging(matrix.people) { a, _ in a }).map { key, reference in
                (key, (try tx.record(reference)?.fields["name"]).map { "\($0)" } ?? key)
            }
        })
        for principal in principals {
            let sees = AccessPolicyCases.expected[principal]?.sees ?? []
            let store = try engineAfter.store(actingAs: "person#\(matrix.people[principal]?.id ?? 0)")
            for type in RecordType.allCases {
                let text = try ExchangeFile.export(type, store: store, timeZone: .gmt, format: .json, includeArchived: true)
                let rows = (try JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
                let exported = Set(rows.map { keysByID["\(type.rawValue)#\($0["id"] as? Int ?? 0)"] ?? "unknown" })
                #expect(exported == sees.filter { matrix.all[$0]?.type == type }, "\(backing) \(principal) exports \(type.collection)")
                for (key, name) in names where !sees.contains(key) {
                    #expect(!text.contains(name), "\(backing) \(principal)'s export of \(type.collection) names \(key) (\(name))")
                }
            }
        }
    }
}
