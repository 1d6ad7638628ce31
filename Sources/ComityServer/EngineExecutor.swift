import ComityService
import Dispatch
import Foundation
import Synchronization

/// The engines behind the server. An engine is used from one thread at a time and its
/// store's calls block, so each engine has a serial queue of its own, off the event
/// loops and Swift's cooperative threads: one engine for everything that may write, and
/// a few that only read, so that pages and lists keep answering while a write waits for
/// the database (SQLite's one writer, held by a long run, is no obstacle to its readers).
public final class EngineExecutor: @unchecked Sendable {
    /// A write that waited its turn past ``ServerSettings/writeQueueWait``: answered 503
    /// without being tried, so that a queue of writes behind a held database is bounded.
    public struct Busy: Error, CustomStringConvertible {
        public let waited: Duration
        public var description: String { "the server's writes are queued behind a busy database (this one waited \(waited)); nothing was written" }
    }

    private struct Lane {
        // Touched only on `queue`.
        let engine: Engine
        let queue: DispatchQueue
    }

    private let writer: Lane
    private let readers: [Lane]
    private let nextReader = Atomic<UInt>(0)
    private let writeWait: Duration

    /// - Parameters:
    ///   - engine: the engine every write goes through (and reads, when `readers` is empty).
    ///   - readers: engines of the same workspace used only to read.
    ///   - writeWait: how long a write may wait for its turn before it is refused as busy.
    public init(_ engine: Engine, readers: [Engine] = [], writeWait: Duration = .seconds(10)) {
        writer = Lane(engine: engine, queue: DispatchQueue(label: "comity.server.engine"))
        self.readers = readers.enumerated().map { Lane(engine: $1, queue: DispatchQueue(label: "comity.server.reader.\($0)")) }
        self.writeWait = writeWait
    }

    /// Runs `body` with the writing engine on its queue, and returns what it returned;
    /// throws ``Busy`` when its turn came later than the write wait allows.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (Engine) throws -> T) async throws -> T {
        let queued = ContinuousClock.now
        let limit = writeWait
        return try await withCheckedThrowingContinuation { continuation in
            writer.queue.async {
                let waited = ContinuousClock.now - queued
                if waited > limit {
                    continuation.resume(throwing: Busy(waited: waited))
                    return
                }
                continuation.resume(with: Result { try body(self.writer.engine) })
            }
        }
    }

    /// Runs `body`, which must only read, with one of the reading engines (in turn).
    public func read<T: Sendable>(_ body: @escaping @Sendable (Engine) throws -> T) async throws -> T {
        guard !readers.isEmpty else { return try await perform(body) }
        let index = Int(nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(readers.count))
        return try await withCheckedThrowingContinuation { continuation in
            readers[index].queue.async { continuation.resume(with: Result { try body(self.readers[index].engine) }) }
        }
    }
}
