import ComityCore
import Foundation

/// Takers of the queue in other processes, for `.otherProcesses`: the test binary is
/// run again with a filter that selects one test of the store's own (`childTest`),
/// whose body is `takeAsChild`. The children start taking together, once every one is
/// ready, and each writes the ids it took to a file.
public enum QueueTakerProcesses {
    static let database = "COMITY_CONFORMANCE_TAKER_DATABASE"
    static let output = "COMITY_CONFORMANCE_TAKER_OUTPUT"
    static let go = "COMITY_CONFORMANCE_TAKER_GO"
    static let due = "COMITY_CONFORMANCE_TAKER_DUE"

    /// True in a child: its test runs (`.enabled(if: QueueTakerProcesses.isChild)`).
    public static var isChild: Bool { ProcessInfo.processInfo.environment[database] != nil }

    /// Runs `processes` children, each taking until none is due at `now`; the ids each took.
    public static func run(_ location: String, processes: Int, dueAt now: Timestamp, childTest: String) throws -> [[Int64]] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-takers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let goFile = folder.appendingPathComponent("go").path
        var children: [(Process, String)] = []
        for number in 0..<processes {
            let outputFile = folder.appendingPathComponent("taken-\(number)").path
            let child = Process()
            child.executableURL = URL(fileURLWithPath: testBinary)
            child.arguments = ["--testing-library", "swift-testing", "--filter", childTest]
            var environment = ProcessInfo.processInfo.environment
            environment[database] = location
            environment[output] = outputFile
            environment[go] = goFile
            environment[due] = String(now.secondsSince1970)
            child.environment = environment
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            children.append((child, outputFile))
        }
        // Each says it is ready by making its output file; then all start at once.
        var waited = 0
        while !children.allSatisfy({ FileManager.default.fileExists(atPath: $0.1) }) {
            guard waited < 120_000, children.allSatisfy({ $0.0.isRunning }) else { break }
            usleep(10_000)
            waited += 10
        }
        _ = FileManager.default.createFile(atPath: goFile, contents: Data())
        var taken: [[Int64]] = []
        for (child, outputFile) in children {
            child.waitUntilExit()
            guard child.terminationStatus == 0 else {
                throw StoreError(.database, "a taker process ended with status \(child.terminationStatus)")
            }
            let text = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
            taken.append(text.split(separator: "\n").compactMap { Int64($0) })
        }
        return taken
    }

    /// The body of a child: opens the store at the location it was given with `open`,
    /// says it is ready, waits for the others, and takes until nothing is due.
    public static func takeAsChild(open: (String) throws -> any Store) throws {
        let environment = ProcessInfo.processInfo.environment
        guard let location = environment[database], let outputFile = environment[output], let goFile = environment[go] else {
            throw StoreError(.database, "not a taker process: \(database) is not set")
        }
        let now = Timestamp(secondsSince1970: Int64(environment[due] ?? "") ?? 0)
        let store = try open(location)
        guard FileManager.default.createFile(atPath: outputFile, contents: Data()) else {
            throw StoreError(.notWritable, "cannot write \(outputFile)")
        }
        while !FileManager.default.fileExists(atPath: goFile) { usleep(5_000) }
        var taken: [Int64] = []
        while let run = try store.write(commit: true, { tx in try tx.takeQueuedRun(dueAt: now) }) {
            taken.append(run.id)
        }
        try taken.map(String.init).joined(separator: "\n").write(toFile: outputFile, atomically: true, encoding: .utf8)
    }

    /// This test binary, which the children run again.
    static var testBinary: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
