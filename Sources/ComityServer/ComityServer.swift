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
            router: router,
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
        api.get("runs") { request, _ in
            let query = request.uri.queryParameters
            var filter = RunFilter(limit: 50)
            if let workflow = query.get("workflow") { filter.workflow = workflow }
            if let text = query.get("outcome") {
                guard let outcome = RunRecord.Outcome(rawValue: text) else {
                    return ProblemDetails.response(.badRequest, "outcome '\(text)' is not one of \(RunRecord.Outcome.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.outcome = outcome
            }
            if let text = query.get("limit") {
                guard let limit = Int(text), (1...1000).contains(limit) else {
                    return ProblemDetails.response(.badRequest, "limit '\(text)' must be a whole number from 1 to 1000")
                }
                filter.limit = limit
            }
            let chosen = filter
            do {
                let runs = try await engine.perform { try $0.runs(chosen) }
                return try JSONResponse.response(RunListJSON(runs: runs.map { RunJSON($0, whole: false) }))
            } catch let error as EngineError {
                // A workflow no script declares and no run had.
                return ProblemDetails.response(.notFound, "\(error)")
            }
        }
        api.get("runs/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            do {
                let run = try await engine.perform { try $0.findRun(id) }
                return try JSONResponse.response(RunJSON(run, whole: true))
            } catch let error as EngineError {
                return ProblemDetails.response(.notFound, "\(error)")
            }
        }
        api.get("queue") { _, _ in
            let waiting = try await engine.perform { engine in try engine.store.read { try $0.queuedRuns() } }
            return try JSONResponse.response(QueueJSON(waiting: waiting.map(QueuedRunJSON.init)))
        }
        RecordRoutes.add(to: api, engine: engine, schema: workspace.schema)
        api.get("metrics") { _, _ in
            let (waiting, oldest, outbox) = try await engine.perform { engine in
                try engine.store.read { tx -> (Int, Int64, [OutgoingMessage.Status: Int]) in
                    let now = Timestamp(Date())
                    let queued = try tx.queuedRuns()
                    let oldest = queued.filter { $0.notBefore <= now }.map { now.secondsSince1970 - $0.notBefore.secondsSince1970 }.max() ?? 0
                    let messages = try tx.messages(nil, withAttachmentData: false)
                    return (queued.count, oldest, Dictionary(grouping: messages, by: \.status).mapValues(\.count))
                }
            }
            metrics.record(waiting: waiting, oldestWaitSeconds: oldest, outbox: outbox)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.text)))
        }
        api.delete("queue/:id") { _, context in
            guard let text = context.parameters.get("id"), let id = Int64(text) else {
                return ProblemDetails.response(.badRequest, "a queued run's id is a whole number, as /v1/queue lists it")
            }
            switch try await engine.perform({ try $0.cancelQueuedRun(id: id) }) {
            case .cancelled(let run):
                context.logger.info("queued run cancelled", metadata: ["queued_run": "\(id)", "workflow": "\(run.workflow)",
                                                                      "token": "\(context.token?.name ?? "-")"])
                return try JSONResponse.response(QueuedRunJSON(run))
            case .leased:
                return ProblemDetails.response(.conflict, "queued run \(id) is leased to a worker and runs now; it cannot be cancelled")
            case .notWaiting:
                return ProblemDetails.response(.notFound, "no run \(id) waits in the queue (see /v1/queue)")
            }
        }
        return router
    }
}
