import ComityCore
import ComityEngine
import ComityService
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `comity serve`: the HTTP API under `/v1` (token-authenticated) and webhook intake
/// at `/hooks/NAME` (signature-authenticated), over the engine service. The server
/// never runs a script: a delivery queues its workflow for the daemon or a worker.
public enum ComityServer {
    /// The server as a swift-service-lifecycle service: in a `ServiceGroup`, SIGTERM
    /// stops it taking connections and lets the requests in flight finish.
    /// - Parameter listening: called with the bound address once the server listens.
    public static func application(
        engine: EngineExecutor, workspace: Workspace, settings: ServerSettings, metrics: ServerMetrics = ServerMetrics(),
        logger: Logger, listening: @escaping @Sendable (String) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = router(engine: engine, workspace: workspace, settings: settings, metrics: metrics)
        return Application(
            router: HeadRequests(inner: router),
            // A connection idle past the timeout is closed: a client that stops sending holds nothing for long.
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(settings.idleTimeout.components.seconds) * 1_000_000_000))),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "comity"),
            onServerRunning: { channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? settings.host):\($0.port ?? settings.port)" } ?? "\(settings.host):\(settings.port)"
                listening(address)
            },
            logger: logger)
    }

    /// The routes, for the application above and for tests that drive them directly.
    public static func router(engine: EngineExecutor, workspace: Workspace, settings: ServerSettings,
                              metrics: ServerMetrics) -> Router<ComityRequestContext> {
        let router = Router(context: ComityRequestContext.self)
        router.add(middleware: RequestMetrics(metrics: metrics))
        router.add(middleware: ErrorAnswers())
        router.get("/health") { _, _ in try JSONResponse.response(["status": "ok"]) }
        let document = OpenAPIDocument.json(workspace.schema)
        router.get("/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: document)))
        }

        let intake = WebhookIntake(engine: engine, hooks: workspace.hooks, secrets: SecretStore(workspace: workspace.folder),
                                   settings: settings, metrics: metrics)
        router.post("/hooks/:name") { request, context in try await intake.handle(request, context: context) }

        let api = router.group("v1").add(middleware: TokenAuthentication(engine: engine, settings: settings, metrics: metrics))
        RunRoutes.add(to: api, engine: engine)
        QueueRoutes.add(to: api, engine: engine, metrics: metrics)
        RecordRoutes.add(to: api, engine: engine, schema: workspace.schema)
        RecordWriteRoutes.add(to: api, engine: engine, schema: workspace.schema, settings: settings)
        WorkflowRoutes.add(to: api, engine: engine, settings: settings)
        ScheduleRoutes.add(to: api, engine: engine)
        OutboxRoutes.add(to: api, engine: engine)
        ReportRoutes.add(to: api, engine: engine)
        Dashboard.add(to: router, engine: engine, settings: settings, metrics: metrics)
        return router
    }
}
