import Benchmark
import Comity
import Foundation
import GRDB

// Finding what is due among 10,000 scheduled workflows (the daemon and `comity tick`
// ask at every wake-up) against one indexed SQL query for the same rows through GRDB,
// in the same run (README "Benchmarks").

let scheduleCount = 10_000
let now = Timestamp(secondsSince1970: 1_796_000_000)

/// A database with 10,000 schedules, `due` of them due at `now`, written once.
func database(due: Int) -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-bench-schedules-\(UUID().uuidString)")
    let path = folder.appendingPathComponent("comity.db").path
    do {
        let store = try SQLiteStore(path: path)
        try store.write(commit: true) { transaction in
            for i in 0..<scheduleCount {
                // Due ones in the last hour; the rest within the next day.
                let offset: Int64 = i < due ? -Int64(i % 3_600) : Int64(60 + i * 8)
                try transaction.saveSchedule(ScheduleRecord(
                    workflow: "workflow-\(i)", file: "Scripts/workflow-\(i).lua", expression: "*/5 * * * *", timeZone: "UTC",
                    nextSlot: Timestamp(secondsSince1970: now.secondsSince1970 + offset)))
            }
        }
    } catch {
        fatalError("could not make the benchmark database: \(error)")
    }
    return path
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal], timeUnits: .microseconds, warmupIterations: 10,
        maxDuration: .seconds(10), maxIterations: 2_000)

    // (due rows, rows asked for): every due row, and the one a scheduler's pass takes.
    for (due, asked) in [(100, scheduleCount), (scheduleCount, scheduleCount), (100, 1)] {
        let group = asked == 1 ? "next due of 10k (100 due)" : "due \(due) of 10k"
        let expected = min(due, asked)
        let path = database(due: due)

        Benchmark("\(group): the indexed SQL query through GRDB (baseline)") { benchmark, pool in
            for _ in benchmark.scaledIterations {
                let rows = try pool.read { db in
                    try Row.fetchAll(db, sql: """
                        SELECT * FROM schedules
                        WHERE paused = 0 AND error IS NULL AND next_slot <= ? AND (lease_until IS NULL OR lease_until <= ?)
                        ORDER BY next_slot LIMIT ?
                        """, arguments: [now.secondsSince1970, now.secondsSince1970, asked])
                }
                precondition(rows.count == expected)
                blackHole(rows)
            }
        } setup: {
            try DatabasePool(path: path)
        }

        Benchmark("\(group): the store's due schedules, as the scheduler asks") { benchmark, store in
            for _ in benchmark.scaledIterations {
                let schedules = try store.read { try $0.dueSchedules(at: now, limit: asked) }
                precondition(schedules.count == expected)
                blackHole(schedules)
            }
        } setup: {
            try SQLiteStore(path: path)
        }
    }
}
