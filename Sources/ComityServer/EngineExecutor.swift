import ComityService
import Dispatch

/// The engine behind the server. An engine is used from one thread at a time and its
/// store's calls block, so every call goes through one serial queue of its own, off
/// the event loops and Swift's cooperative threads.
public final class EngineExecutor: @unchecked Sendable {
    // Touched only on `queue`.
    private let engine: Engine
    private let queue = DispatchQueue(label: "comity.server.engine")

    public init(_ engine: Engine) { self.engine = engine }

    /// Runs `body` with the engine on its queue, and returns what it returned.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (Engine) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self.engine) }) }
        }
    }
}
