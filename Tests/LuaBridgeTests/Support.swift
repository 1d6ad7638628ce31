import Foundation
import LuaBridge
import Synchronization

/// Counts instances alive, for leak checks: each test makes its own counter, so
/// tests running in parallel do not disturb each other.
final class LiveCounter: Sendable {
    private let live = Atomic<Int>(0)
    private let made = Atomic<Int>(0)
    var alive: Int { live.load(ordering: .sequentiallyConsistent) }
    var created: Int { made.load(ordering: .sequentiallyConsistent) }
    func born() {
        live.add(1, ordering: .sequentiallyConsistent)
        made.add(1, ordering: .sequentiallyConsistent)
    }
    func died() { live.subtract(1, ordering: .sequentiallyConsistent) }
}

final class Tracked {
    let counter: LiveCounter
    var value: Int64
    init(_ counter: LiveCounter, value: Int64 = 0) {
        self.counter = counter
        self.value = value
        counter.born()
    }
    deinit { counter.died() }
}

/// A sandbox whose printed lines are kept.
final class Printed {
    var lines: [String] = []
}

func sandbox(_ limits: LuaLimits = .default, roots: [URL] = [], printed: Printed = Printed()) throws -> LuaSandbox {
    try LuaSandbox(limits: limits, moduleRoots: roots) { printed.lines.append($0) }
}

/// Runs `source` in a fresh sandbox and returns the error it must end with.
func failure(
    _ source: String, limits: LuaLimits = .default, chunk: String = "test.lua", printed: Printed = Printed()
) throws -> LuaError {
    let box = try sandbox(limits, printed: printed)
    defer { box.close() }
    do {
        try box.run(source, chunkName: chunk)
    } catch {
        return error
    }
    throw LuaScriptError("expected '\(source.prefix(60))' to fail, but it succeeded")
}

let shortLimits = LuaLimits(memory: 16 << 20, time: .milliseconds(500), instructions: nil, output: 4096)

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("comity-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
