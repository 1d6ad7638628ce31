// The latency from a commit that queues a run to a worker taking it, with and without
// LISTEN/NOTIFY, on the private server of Tests/with-postgres:
//   Tests/with-postgres Benchmarks/.build/release/WakeupProbe path/to/comity SAMPLES
// One `comity worker` (polling every second, its default) per mode; the probe queues
// one run at a time through the PostgreSQL store, at a random moment, and watches the
// queue (a query every half millisecond on a connection of its own) until the run is
// leased. Prints p50 and p99 of each mode.
import Comity
import Foundation
import PostgresNIO

let arguments = CommandLine.arguments
guard arguments.count == 3, let samples = Int(arguments[2]), samples > 0 else {
    print("usage: WakeupProbe COMITY SAMPLES   (inside Tests/with-postgres)")
    exit(64)
}
let comity = URL(fileURLWithPath: arguments[1]).standardizedFileURL
guard let url = ProcessInfo.processInfo.environment["COMITY_TEST_POSTGRES"] else {
    print("COMITY_TEST_POSTGRES is not set: run inside Tests/with-postgres")
    exit(64)
}
// Without TLS, which the test server offers, as the watcher connects.
let server = try { () throws -> PostgresLocation in
    var location = try PostgresLocation(url: url)
    location.tls = .disable
    return location
}()
let logger = Logger(label: "wakeup-probe")

/// A worker on a new database; the store that queues its runs and a connection that watches them.
struct Setup {
    let folder: URL
    let store: PostgresStore
    let watcher: PostgresConnection
    let worker: Process

    init(listen: Bool) throws {
        let name = "wakeup_\(listen ? "listen" : "poll")_\(getpid())"
        try PostgresStore.execute("CREATE DATABASE \(name)", at: server)
        let location = server.database(name)
        store = try PostgresStore(location: location)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-wakeup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Scripts"), withIntermediateDirectories: true)
        try "return { store = { postgres = \"\(location)\" } }".write(to: folder.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        try """
            return workflow { name = "trivial", on = { "organisation.created" }, run = function(ctx) end }
            """.write(to: folder.appendingPathComponent("Scripts/trivial.lua"), atomically: true, encoding: .utf8)
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: nil, database: location.database, tls: .disable)
        watcher = try PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.next(), configuration: configuration, id: 1,
                                                 logger: logger).wait()
        worker = Process()
        worker.executableURL = comity
        worker.arguments = ["worker", "start", "--poll", "1s", "--log-level", "error"] + (listen ? [] : ["--no-listen"])
        worker.currentDirectoryURL = folder
        try worker.run()
        // Registered, and (with LISTEN) its listener connected.
        for _ in 0..<600 where try count("SELECT count(*) FROM workers") == 0
            || (listen && count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'comity-listen' AND datname = '\(name)'") == 0) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 1.5)
    }

    func count(_ sql: String) throws -> Int {
        let result = try watcher.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
        return try result.rows.first?.decode(Int.self) ?? 0
    }

    /// Queues one run, and the seconds until a worker leased it.
    func sample() throws -> Double {
        try store.write(commit: true) { transaction in
            try transaction.enqueue(QueuedRun(workflow: "trivial", file: "Scripts/trivial.lua", trigger: .manual, enqueuedAt: Timestamp(Date())))
        }
        let committed = DispatchTime.now()
        while try count("SELECT count(*) FROM run_queue WHERE state = 'waiting'") > 0 {
            usleep(500)
        }
        let taken = DispatchTime.now()
        // The run ends before the next sample begins.
        while try count("SELECT count(*) FROM run_queue") > 0 { usleep(2000) }
        return Double(taken.uptimeNanoseconds - committed.uptimeNanoseconds) / 1e9
    }

    func stop() {
        worker.terminate()
        worker.waitUntilExit()
        try? watcher.close().wait()
        try? FileManager.default.removeItem(at: folder)
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

var figures: [(mode: String, p50: Double, p99: Double)] = []
for listen in [true, false] {
    let setup = try Setup(listen: listen)
    var seconds: [Double] = []
    for _ in 0..<samples {
        // At a moment unrelated to the worker's polls: anywhere in the second after its
        // last run (after which it waits out a whole poll), and beyond.
        Thread.sleep(forTimeInterval: Double.random(in: 0.05...1.3))
        seconds.append(try setup.sample())
    }
    setup.stop()
    let sorted = seconds.sorted()
    figures.append((listen ? "LISTEN/NOTIFY (and polling every 1s)" : "polling every 1s only", percentile(sorted, 0.5), percentile(sorted, 0.99)))
}
print("Wake-up latency, a commit that queues a run to a worker leasing it (\(samples) samples each):")
for figure in figures {
    let label = figure.mode.padding(toLength: 40, withPad: " ", startingAt: 0)
    print("  \(label)" + String(format: " p50 %7.1f ms   p99 %7.1f ms", figure.p50 * 1000, figure.p99 * 1000))
}
print(String(format: "  polling only / LISTEN: p50 %.0fx, p99 %.0fx", figures[1].p50 / figures[0].p50, figures[1].p99 / figures[0].p99))
