import ComityEngine
import ComityService
import Logging
import ServiceLifecycle

/// The HTTP server behind `comity serve`, linked only into comity-network (the
/// `comity` binary hands `serve` over, see ``NetworkExecutable``).
public protocol HTTPServing: Sendable {
    /// The server as a service: in a `ServiceGroup`, SIGTERM stops it taking
    /// connections and lets the requests in flight finish.
    /// - Parameters:
    ///   - engine: the engine every write goes through.
    ///   - readers: engines of the same workspace used only to read.
    ///   - listening: called with the bound address once the server listens.
    func application(engine: Engine, readers: [Engine], workspace: Workspace, options: ServeOptions, logger: Logger,
                     listening: @escaping @Sendable (String) -> Void) -> any Service
}

/// How `comity serve` was asked to listen and what it accepts.
public struct ServeOptions: Sendable {
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// The largest request body taken (a webhook's), in bytes.
    public var maxBodySize: Int
    /// How long a token found valid is trusted without asking the store again.
    public var tokenCacheLifetime: Duration
}
