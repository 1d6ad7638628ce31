import Synchronization

/// What the server counts (for `/metrics`, later): failed authentications and webhook
/// deliveries by outcome.
public final class ServerCounters: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    func add(_ name: String) { counts.withLock { $0[name, default: 0] += 1 } }

    /// The count of `name` (`auth.failed`, `hook.kobo.202`).
    public func count(_ name: String) -> Int { counts.withLock { $0[name] ?? 0 } }
}
