import ComityCommandLine
import ComityEngine
import ComityServer
import ComityService
import Logging
import ServiceLifecycle

/// `comity serve`'s server: ComityServer's application over the engines given.
struct HTTPServerLink: HTTPServing {
    func application(engine: Engine, readers: [Engine], workspace: Workspace, options: ServeOptions, logger: Logger,
                     listening: @escaping @Sendable (String) -> Void) -> any Service {
        var settings = ServerSettings()
        settings.host = options.host
        settings.port = options.port
        settings.maxBodySize = options.maxBodySize
        settings.tokenCacheLifetime = options.tokenCacheLifetime
        return ComityServer.application(engine: EngineExecutor(engine, readers: readers), workspace: workspace, settings: settings,
                                        logger: logger, listening: listening)
    }
}
