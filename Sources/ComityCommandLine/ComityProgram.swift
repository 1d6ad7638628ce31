import ComityService
import Synchronization

/// The comity command line as a program. Both executables are this program with
/// different parts linked: `comity` links the SQLite store only and hands `serve` and
/// any PostgreSQL workspace to `comity-network` (see ``NetworkExecutable``), which links
/// the PostgreSQL store and the HTTP server.
public enum ComityProgram {
    /// What an executable links beyond SQLite.
    public struct Parts: Sendable {
        /// Opens `postgres://` stores; nil hands such a command to comity-network.
        public var postgres: (any RemoteStoreOpener)?
        /// `comity serve`'s server; nil hands `serve` to comity-network.
        public var server: (any HTTPServing)?

        public init(postgres: (any RemoteStoreOpener)? = nil, server: (any HTTPServing)? = nil) {
            self.postgres = postgres
            self.server = server
        }
    }

    private static let linked = Mutex(Parts())

    /// Parses the command line, runs the command named and exits with its status.
    /// On the main actor, so that closed standard descriptors are held (see
    /// ``Output/holdClosedDescriptors()``) before the first hop to another executor starts
    /// a thread whose epoll and eventfd descriptors would take their numbers.
    @MainActor
    public static func main(linking parts: Parts) async -> Never {
        Output.holdClosedDescriptors()
        linked.withLock { $0 = parts }
        RemoteStores.install(parts.postgres ?? NetworkExecutable.Handoff())
        await ComityCommand.start()
    }

    static var server: (any HTTPServing)? { linked.withLock { $0.server } }
    /// Whether this process opens `postgres://` stores itself.
    static var linksPostgres: Bool { linked.withLock { $0.postgres != nil } }
}
