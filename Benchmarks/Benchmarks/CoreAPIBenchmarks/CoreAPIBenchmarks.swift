import Benchmark
import Comity
import CreateBaseline
import Foundation
import GRDB

// The typed core API against plain GRDB doing the same work, in the same run: read
// the figures as ratios (README "Benchmarks").

let organisations = 100_000
let grantRows = 1_000_000

func freshDatabase(_ label: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-bench-\(label)-\(UUID().uuidString)")
    return folder.appendingPathComponent("comity.db").path
}

/// Runs a Lua source as one run over `store`; fails loudly, since a failed run would
/// measure nothing.
func runLua(_ source: String, store: SQLiteStore, folder: URL, as principal: String? = nil) -> ScriptRun {
    let file = folder.appendingPathComponent("bench-\(UUID().uuidString.prefix(6)).lua")
    try? source.write(to: file, atomically: true, encoding: .utf8)
    var limits = LuaLimits.default
    limits.time = .seconds(600)
    limits.memory = 512 << 20
    var runner = ScriptRunner(workspace: folder, limits: limits, now: Timestamp(secondsSince1970: 1_611_648_000), store: store)
    runner.principal = principal
    let run = runner.run(file: file.path) { _ in }
    if let error = run.outcome.error { fatalError("benchmark script failed: \(error.message)") }
    return run
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal], timeUnits: .milliseconds, warmupIterations: 1,
        maxDuration: .seconds(30), maxIterations: 5)

    // MARK: Creating 100,000 organisations

    // Ten runs each: on a shared machine five left the median to one noisy run.
    let creating = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal], timeUnits: .milliseconds, warmupIterations: 1,
        maxDuration: .seconds(90), maxIterations: 10)

    Benchmark("create: 100k organisations through GRDB from Swift (baseline)", configuration: creating) { benchmark in
        for _ in benchmark.scaledIterations { try insertOrganisations(withAudit: false) }
    }

    // For context: the same rows with an audit row each, as every create writes.
    Benchmark("create: 100k organisations and their audit rows through GRDB from Swift", configuration: creating) { benchmark in
        for _ in benchmark.scaledIterations { try insertOrganisations(withAudit: true) }
    }

    Benchmark("create: 100k organisations from Lua in one run (orgs.create, checked and audited)", configuration: creating) { benchmark in
        for _ in benchmark.scaledIterations {
            let path = try freshDatabase("lua")
            let store = try SQLiteStore(path: path)
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            blackHole(runLua("""
                for i = 1, \(organisations) do
                  orgs.create { name = "Organisation " .. i, kind = "national_ngo", country = "RU" }
                end
                """, store: store, folder: folder))
        }
    }

    // For context: the same with a workflow on `organisation.created`, so that each
    // create also records its event with its data and queues a run (not drained here).
    Benchmark("create: 100k organisations from Lua in one run, each queueing a workflow on organisation.created", configuration: creating) { benchmark in
        for _ in benchmark.scaledIterations {
            let path = try freshDatabase("listened")
            let store = try SQLiteStore(path: path)
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("Scripts"), withIntermediateDirectories: true)
            try "return workflow { name = 'welcome', on = 'organisation.created', run = function() end }".write(
                to: folder.appendingPathComponent("Scripts/welcome.lua"), atomically: true, encoding: .utf8)
            let run = runLua("""
                for i = 1, \(organisations) do
                  orgs.create { name = "Organisation " .. i, kind = "national_ngo", country = "RU" }
                end
                """, store: store, folder: folder)
            precondition(run.queued == organisations, "the listening workflow was not queued for each creation")
            blackHole(run)
        }
    }

    // MARK: Summing 1,000,000 grants by funder

    Benchmark("sum: 1M grants by funder, the same SQL through GRDB (baseline)") { benchmark, world in
        for _ in benchmark.scaledIterations {
            let rows = try world.queue.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT t.funder, t.amount_awarded_currency, SUM(t.amount_awarded_minor) FROM grants t
                    WHERE t.archived_at IS NULL AND t.amount_awarded_minor IS NOT NULL
                    GROUP BY t.funder, t.amount_awarded_currency ORDER BY t.funder, t.amount_awarded_currency
                    """)
            }
            blackHole(rows)
        }
    } setup: {
        try GrantWorld()
    }

    Benchmark("sum: 1M grants by funder from Lua (grants.sum)") { benchmark, world in
        for _ in benchmark.scaledIterations {
            blackHole(runLua("""
                local rows = grants.sum { "amount_awarded", by = { "funder" } }
                assert(#rows == 10)
                """, store: world.store, folder: world.folder))
        }
    } setup: {
        try GrantWorld()
    }

    // MARK: The same sum as a principal: the access policy is a predicate in the SQL

    Benchmark("access: 1M grants summed by funder from Lua as the workspace (baseline)") { benchmark, world in
        for _ in benchmark.scaledIterations {
            blackHole(runLua("""
                local rows = grants.sum { "amount_awarded", by = { "funder" } }
                assert(#rows == 10)
                """, store: world.store, folder: world.folder))
        }
    } setup: {
        try GrantWorld(principal: true)
    }

    Benchmark("access: 1M grants summed by funder from Lua as an editor with 3 shares") { benchmark, world in
        for _ in benchmark.scaledIterations {
            blackHole(runLua("""
                local rows = grants.sum { "amount_awarded", by = { "funder" } }
                assert(#rows == 5, #rows)
                """, store: world.store, folder: world.folder, as: "1"))
        }
    } setup: {
        try GrantWorld(principal: true)
    }

    // The predicate's cost alone: every grant is shared with the person, so both sum the same rows.
    Benchmark("access: 1M grants summed by funder from Lua as an editor to whom all 10 funders share") { benchmark, world in
        for _ in benchmark.scaledIterations {
            blackHole(runLua("""
                local rows = grants.sum { "amount_awarded", by = { "funder" } }
                assert(#rows == 10, #rows)
                """, store: world.store, folder: world.folder, as: "1"))
        }
    } setup: {
        try GrantWorld(principal: true, sharedBy: 2...10)
    }

    // MARK: Finding 1,000,000 grants: a find is a snapshot, which costs nothing until the loop writes

    Benchmark("find: 1M grants, the same SELECT through GRDB, a column read per row (baseline)") { benchmark, world in
        for _ in benchmark.scaledIterations {
            var total = 0
            try world.queue.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT * FROM grants t WHERE t.archived_at IS NULL ORDER BY t.id")
                while let row = try rows.next() { total += (row["title"] as String?)?.utf8.count ?? 0 }
            }
            blackHole(total)
        }
    } setup: {
        try GrantWorld()
    }

    Benchmark("find: 1M grants from Lua (grants.find, nothing written in the loop)") { benchmark, world in
        for _ in benchmark.scaledIterations {
            blackHole(runLua("""
                local n = 0
                for g in grants.find {} do n = n + #g.title end
                assert(n > 0)
                """, store: world.store, folder: world.folder))
        }
    } setup: {
        try GrantWorld()
    }

    // The first write copies the 999,999 rows not yet returned into a TEMP table.
    Benchmark("find: 1M grants from Lua, the first one updated in the loop (the rest copied)") { benchmark, world in
        for _ in benchmark.scaledIterations {
            blackHole(runLua("""
                local n = 0
                for g in grants.find {} do
                  if n == 0 then grants.update(g, { title = g.title .. "!" }) end
                  n = n + #g.title
                end
                assert(n > 0)
                """, store: world.store, folder: world.folder))
        }
    } setup: {
        try GrantWorld()
    }

    // MARK: Reading a field

    Benchmark("field: 1M reads of a plain Lua table's field (baseline)") { benchmark, world in
        for _ in benchmark.scaledIterations {
            blackHole(runLua("""
                local o = { name = "ASI" }
                local n = 0
                for i = 1, 1000000 do n = n + #o.name end
                """, store: world.store, folder: world.folder))
        }
    } setup: {
        try GrantWorld(grants: 1)
    }

    Benchmark("field: 1M reads of a record's field (o.name)") { benchmark, world in
        for _ in benchmark.scaledIterations {
            blackHole(runLua("""
                local o = orgs.get(1)
                local n = 0
                for i = 1, 1000000 do n = n + #o.name end
                """, store: world.store, folder: world.folder))
        }
    } setup: {
        try GrantWorld(grants: 1)
    }
}

/// The baselines of `create:` (`CreateBaseline`), each into a fresh database of the same schema.
func insertOrganisations(withAudit: Bool) throws {
    let path = try freshDatabase(withAudit ? "grdb-audit" : "grdb")
    blackHole(try SQLiteStore(path: path)) // migrates: the same schema
    try insertOrganisationRows(path: path, count: organisations, withAudit: withAudit)
}

/// A database with ten funders and many grants, inserted in bulk by SQL so that the
/// setup does not take longer than the measurement.
final class GrantWorld: @unchecked Sendable {
    let store: SQLiteStore
    let queue: DatabaseQueue
    let folder: URL

    /// `principal`: person 1, an editor of funder 1, to whom the funders `sharing` (2, 3 and 4) share their grants.
    init(grants count: Int = grantRows, principal: Bool = false, sharedBy sharing: ClosedRange<Int64> = 2...4) throws {
        let path = try freshDatabase("grants")
        store = try SQLiteStore(path: path)
        folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        queue = try DatabaseQueue(path: path)
        try queue.write { db in
            for i in 1...10 {
                try db.execute(sql: "INSERT INTO organisations (name, custom, created_at, updated_at) VALUES (?, '{}', 0, 0)",
                               arguments: ["Funder \(i)"])
            }
            // Owned by the funder, as a grant created through the API is.
            let statement = try db.makeStatement(sql: """
                INSERT INTO grants (status, title, funder, recipient, owner, amount_awarded_minor, amount_awarded_currency,
                                    custom, created_at, updated_at)
                VALUES ('awarded', 'Grant', ?, ?, ?, ?, 'RUB', '{}', 0, 0)
                """)
            for i in 0..<count {
                try statement.execute(arguments: [i % 10 + 1, (i + 1) % 10 + 1, i % 10 + 1, 352_303_523 + i % 1000])
            }
        }
        guard principal else { return }
        let context = ChangeContext(run: nil, at: Timestamp(secondsSince1970: 0))
        try store.write(commit: true) { tx in
            let person = try tx.create(.person, ["name": .string("Elena Topoleva"), "organisation": .reference(RecordReference(.organisation, 1))], context: context)
            try tx.saveMembership(Membership(person: person.id, organisation: 1, role: .editor), context: context)
            for owner in sharing {
                _ = try tx.saveShare(RecordShare(owner: owner, recordType: .grant, grantee: .organisation(1), access: .read), context: context)
            }
        }
    }
}
