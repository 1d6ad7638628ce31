import Benchmark
import Comity
import Foundation

// Importing 100,000 organisations from CSV with `comity import`'s code path against
// the sqlite3 shell's `.import` of the same file, in the same run (README "Benchmarks").

let rows = 100_000

/// The CSV file, written once.
let csvFile: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("comity-bench-organisations-\(UUID().uuidString).csv")
    var text = "name,kind,country\n"
    for i in 1...rows { text += "Organisation \(i),national_ngo,RU\n" }
    try? text.write(to: url, atomically: true, encoding: .utf8)
    return url
}()

func freshFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-bench-import-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal], timeUnits: .milliseconds, warmupIterations: 0,
        maxDuration: .seconds(60), maxIterations: 3)

    Benchmark("import: 100k organisations, sqlite3 .import of the same CSV (baseline)") { benchmark in
        for _ in benchmark.scaledIterations {
            let database = try freshFolder().appendingPathComponent("plain.db").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["sqlite3", database, ".import --csv \(csvFile.path) organisations"]
            try process.run()
            process.waitUntilExit()
            precondition(process.terminationStatus == 0, "sqlite3 .import failed")
        }
    }

    Benchmark("import: 100k organisations from CSV (comity import: checked, matched, audited)") { benchmark in
        for _ in benchmark.scaledIterations {
            let store = try SQLiteStore(path: try freshFolder().appendingPathComponent("comity.db").path)
            let input = try ExchangeFile.read(csvFile.path, format: .csv)
            let summary = try RecordImport(store: store).run(.organisation, header: input.header, rows: input.rows,
                                                             file: "organisations.csv", strict: false)
            precondition(summary.created == rows, "import failed: \(summary.rejected.first?.reason ?? "")")
        }
    }
}
