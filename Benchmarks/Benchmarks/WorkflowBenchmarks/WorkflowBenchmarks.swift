import Benchmark
import Comity
import Foundation

// Triggered runs through the queue against the same trivial workflow run directly,
// in the same run: read the figures as a ratio (README "Benchmarks").

let runs = 10_000

let trivial = """
    return workflow { name = "trivial", on = "grant.awarded", run = function(ctx) end }
    """

/// A workspace with the trivial workflow and a fresh database.
final class TrivialWorkspace: @unchecked Sendable {
    let folder: URL
    let store: SQLiteStore
    let runner: ScriptRunner

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-bench-workflows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Scripts"), withIntermediateDirectories: true)
        try trivial.write(to: folder.appendingPathComponent("Scripts/trivial.lua"), atomically: true, encoding: .utf8)
        store = try SQLiteStore(path: folder.appendingPathComponent(".comity/comity.db").path)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        runner = ScriptRunner(workspace: folder, store: store, logger: logger)
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal], timeUnits: .milliseconds, warmupIterations: 0,
        maxDuration: .seconds(60), maxIterations: 3)

    Benchmark("queue: 10,000 runs of a trivial workflow, run directly (baseline)") { benchmark, world in
        for _ in benchmark.scaledIterations {
            for _ in 0..<runs {
                let run = world.runner.run(file: "Scripts/trivial.lua") { _ in }
                precondition(run.succeeded)
            }
        }
    } setup: {
        try TrivialWorkspace()
    }

    Benchmark("queue: 10,000 triggered runs queued, then run by TriggerQueue.drain") { benchmark, world in
        for _ in benchmark.scaledIterations {
            let now = Timestamp(Date())
            try world.store.write(commit: true) { transaction in
                for i in 0..<runs {
                    let trigger = RunTrigger(.event, event: "grant.awarded", record: RecordReference(.grant, Int64(i + 1)), depth: 1)
                    try transaction.enqueue(QueuedRun(workflow: "trivial", file: "Scripts/trivial.lua", trigger: trigger, enqueuedAt: now))
                }
            }
            let done = try TriggerQueue(runner: world.runner).drain { _ in }
            precondition(done.count == runs && done.allSatisfy(\.succeeded))
        }
    } setup: {
        try TrivialWorkspace()
    }
}
