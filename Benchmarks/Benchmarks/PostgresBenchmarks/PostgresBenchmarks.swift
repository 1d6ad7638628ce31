import Benchmark
import Comity
import Foundation
import PostgresNIO

// The PostgreSQL store against postgres-nio doing the same work from Swift, in the
// same run, on the private server of Tests/with-postgres (COMITY_TEST_POSTGRES): read
// the figures as ratios (README "Benchmarks").

let organisations = 100_000
let grantRows = 1_000_000

/// The server of Tests/with-postgres; without it there is nothing to measure.
let server: PostgresLocation = {
    guard let url = ProcessInfo.processInfo.environment["COMITY_TEST_POSTGRES"], var location = try? PostgresLocation(url: url) else {
        fatalError("COMITY_TEST_POSTGRES is not set: run through `make bench` (Tests/with-postgres)")
    }
    // Without TLS, as the baselines connect: the test server offers it, and the
    // default (prefer) would take it, measuring encryption on one side only.
    location.tls = .disable
    return location
}()

nonisolated(unsafe) var databases = 0

/// A new database on the server, with Comity's schema (the PostgreSQL store migrates it).
func freshDatabase(_ label: String) throws -> (store: PostgresStore, location: PostgresLocation) {
    databases += 1
    let name = "bench_\(label)_\(getpid())_\(databases)"
    try PostgresStore.execute("CREATE DATABASE \(name)", at: server)
    let location = server.database(name)
    return (try PostgresStore(location: location), location)
}

/// A connection of postgres-nio's own, for the baselines.
func connect(_ location: PostgresLocation) async throws -> PostgresConnection {
    var configuration = PostgresConnection.Configuration(
        host: location.host, port: location.port, username: location.user, password: nil, database: location.database, tls: .disable)
    configuration.options.connectTimeout = .seconds(10)
    return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "bench"))
}

/// Runs a Lua source as one run over `store`; fails loudly, since a failed run would
/// measure nothing.
func runLua(_ source: String, store: PostgresStore) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-pgbench-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("bench.lua")
    try? source.write(to: file, atomically: true, encoding: .utf8)
    var limits = LuaLimits.default
    limits.time = .seconds(3600)
    limits.memory = 512 << 20
    let run = ScriptRunner(workspace: folder, limits: limits, now: Timestamp(secondsSince1970: 1_611_648_000), store: store)
        .run(file: file.path) { _ in }
    if let error = run.outcome.error { fatalError("benchmark script failed: \(error.message)") }
}

/// The baseline of `pg create:`: the SQL the store sends, from Swift. `count`
/// organisation rows, one statement each, waited for before the next (its id is the
/// audit entry's), and their audit rows 64 to a statement, in one transaction through
/// postgres-nio.
func insertOrganisationRows(_ location: PostgresLocation, count: Int) async throws {
    let connection = try await connect(location)
    let logger = Logger(label: "bench")
    let at = 1_611_648_000
    var audit = PostgresBindings()
    var pending = 0
    func writeAudit() async throws {
        guard pending > 0 else { return }
        let values = (0..<pending).map { index in
            "(" + (1...8).map { "$\(index * 8 + $0)" }.joined(separator: ", ") + ")"
        }.joined(separator: ", ")
        try await connection.query(PostgresQuery(
            unsafeSQL: "INSERT INTO audit (run, at, record_type, record_id, action, field, old_value, new_value) VALUES \(values)",
            binds: audit), logger: logger)
        audit = PostgresBindings()
        pending = 0
    }
    try await connection.query("BEGIN", logger: logger)
    for i in 0..<count {
        let name = "Organisation \(i + 1)"
        let rows = try await connection.query("""
            INSERT INTO organisations (name, kind, country, custom, created_at, updated_at)
            VALUES (\(name), 'national_ngo', 'RU', '{}', \(at), \(at)) RETURNING id
            """, logger: logger)
        var id = 0
        for try await value in rows.decode(Int.self) { id = value }
        audit.append("baseline")
        audit.append(at)
        audit.append("organisation")
        audit.append(id)
        audit.append("create")
        audit.appendNull()
        audit.appendNull()
        audit.append("{\"name\":\"\(name)\",\"kind\":\"national_ngo\",\"country\":\"RU\"}")
        pending += 1
        if pending == 64 { try await writeAudit() }
    }
    try await writeAudit()
    try await connection.query("COMMIT", logger: logger)
    try await connection.close()
}

/// A database with ten funders and many grants, inserted by one statement so that the
/// setup does not take longer than the measurement.
final class GrantWorld: @unchecked Sendable {
    let store: PostgresStore
    let location: PostgresLocation

    init(grants count: Int = grantRows) throws {
        (store, location) = try freshDatabase("grants")
        try PostgresStore.execute(
            "INSERT INTO organisations (name, custom, created_at, updated_at) SELECT 'Funder ' || i, '{}', 0, 0 FROM generate_series(1, 10) i",
            at: location)
        try PostgresStore.execute(
            """
            INSERT INTO grants (status, title, funder, recipient, amount_awarded_minor, amount_awarded_currency, custom, created_at, updated_at)
            SELECT 'awarded', 'Grant', i % 10 + 1, (i + 1) % 10 + 1, 352303523 + i % 1000, 'RUB', '{}', 0, 0
            FROM generate_series(0, \(count - 1)) i
            """, at: location)
        try PostgresStore.execute("VACUUM ANALYZE grants", at: location)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal], timeUnits: .milliseconds, warmupIterations: 1,
        maxDuration: .seconds(60), maxIterations: 5)

    // MARK: Creating 100,000 organisations

    // Half a minute or more an iteration: three each, after one to warm up.
    let creating = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal], timeUnits: .milliseconds, warmupIterations: 1,
        maxDuration: .seconds(150), maxIterations: 3)

    Benchmark("pg create: 100k organisations and their audit rows, the same SQL through postgres-nio from Swift (baseline)",
              configuration: creating) { benchmark in
        for _ in benchmark.scaledIterations {
            let (store, location) = try freshDatabase("nio")
            blackHole(store)
            try await insertOrganisationRows(location, count: organisations)
        }
    }

    Benchmark("pg create: 100k organisations from Lua in one run (orgs.create, checked and audited)", configuration: creating) { benchmark in
        for _ in benchmark.scaledIterations {
            let (store, _) = try freshDatabase("lua")
            runLua("""
                for i = 1, \(organisations) do
                  orgs.create { name = "Organisation " .. i, kind = "national_ngo", country = "RU" }
                end
                """, store: store)
        }
    }

    // MARK: Summing 1,000,000 grants by funder

    Benchmark("pg sum: 1M grants by funder, the same SQL through postgres-nio (baseline)") { benchmark, world in
        let connection = try await connect(world.location)
        for _ in benchmark.scaledIterations {
            let rows = try await connection.query("""
                SELECT t.funder, t.amount_awarded_currency, SUM(t.amount_awarded_minor) FROM grants t
                WHERE t.archived_at IS NULL AND t.amount_awarded_minor IS NOT NULL
                GROUP BY t.funder, t.amount_awarded_currency ORDER BY t.funder, t.amount_awarded_currency
                """, logger: Logger(label: "bench"))
            var count = 0
            for try await _ in rows { count += 1 }
            precondition(count == 10)
        }
        try await connection.close()
    } setup: {
        try GrantWorld()
    }

    Benchmark("pg sum: 1M grants by funder from Lua (grants.sum)") { benchmark, world in
        for _ in benchmark.scaledIterations {
            runLua("""
                local rows = grants.sum { "amount_awarded", by = { "funder" } }
                assert(#rows == 10)
                """, store: world.store)
        }
    } setup: {
        try GrantWorld()
    }
}
