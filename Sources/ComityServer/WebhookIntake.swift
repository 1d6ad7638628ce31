import ComityCore
import ComityEngine
import ComityService
import Foundation
import Hummingbird
import Logging
import Synchronization

/// `POST /hooks/NAME`: a delivery whose signature holds is kept in the inbox with its
/// hook's workflow queued, in one transaction, answered 202 with the queued run. An
/// unknown hook is 404, a body over the limit 413, a bad signature or a stale
/// timestamp 401, a replayed delivery id 409, a hook whose secret is not set 503;
/// none of those keeps or queues anything. Each is logged and counted.
struct WebhookIntake: Sendable {
    let engine: EngineExecutor
    let hooks: [String: WebhookSettings]
    let secrets: SecretStore
    let settings: ServerSettings
    let metrics: ServerMetrics
    let reading = BodiesBeingRead()

    /// The headers a run is given (`ctx.trigger.headers`): what says what the delivery
    /// is, never its signature.
    static let keptHeaders = ["content-type", "user-agent", "x-github-event", "x-github-delivery", "x-github-hook-id",
                              "webhook-id", "webhook-timestamp"]

    func handle(_ request: Request, context: ComityRequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        func refuse(_ status: HTTPResponse.Status, _ reason: String, _ detail: String) -> Response {
            metrics.delivery(hook: hooks[name] == nil ? nil : name, status: status.code)
            context.logger.warning("webhook refused", metadata: ["hook": "\(name)", "status": "\(status.code)", "reason": "\(reason)"])
            return ProblemDetails.response(status, detail)
        }
        guard let hook = hooks[name] else {
            return refuse(.notFound, "unknown hook", "no hook '\(name)' (hooks in comity.lua)")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > settings.maxBodySize {
            return refuse(.contentTooLarge, "body too large", "the body is \(length) bytes; this server takes at most \(settings.maxBodySize)")
        }
        // Bodies are read before their signature can be checked: how many at once, and for
        // how long, is bounded.
        guard reading.enter(limit: settings.concurrentBodies) else {
            metrics.delivery(hook: name, status: 503)
            context.logger.warning("webhook refused", metadata: ["hook": "\(name)", "status": "503", "reason": "too many bodies at once"])
            return ProblemDetails.response(.serviceUnavailable, "the server is reading too many deliveries at once; send it again shortly",
                                           headers: [.retryAfter: "5"])
        }
        defer { reading.leave() }
        let body: Data
        switch await RequestBody.read(request, limit: settings.maxBodySize, timeout: settings.bodyTimeout) {
        case .success(let data): body = data
        case .failure(.tooSlow):
            return refuse(.requestTimeout, "body too slow", "the body took over \(settings.bodyTimeout) to arrive; nothing was kept")
        case .failure(.tooLarge):
            return refuse(.contentTooLarge, "body too large", "the body is over \(settings.maxBodySize) bytes, the most this server takes")
        case .failure(.cutOff):
            // The client hung up, or stopped sending until the idle timeout: nothing to answer.
            return refuse(.badRequest, "body cut off", "the body ended before its length; nothing was kept")
        }
        let secret: String
        do {
            secret = try secrets.value(hook.secret)
        } catch {
            // The detail is the operator's, in the log; the sender learns only that the hook cannot take deliveries.
            context.logger.error("webhook secret missing", metadata: ["hook": "\(name)", "error": "\(error)"])
            metrics.delivery(hook: name, status: 503)
            return ProblemDetails.response(.serviceUnavailable, "hook '\(name)' cannot check signatures now; nothing was kept")
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let now = Int64(Date().timeIntervalSince1970)
        let deliveryID: String
        switch WebhookSignature.verify(headers: headers, body: body, secret: secret, style: hook.style, now: now,
                                       tolerance: settings.timestampTolerance) {
        case .success(let id): deliveryID = id
        case .failure(let refusal):
            let status: HTTPResponse.Status = if case .missingDelivery = refusal { .badRequest } else { .unauthorized }
            return refuse(status, refusal.reason, refusal.detail + "; nothing was kept")
        }
        let delivery = WebhookDelivery(hook: name, delivery: deliveryID, receivedAt: Timestamp(secondsSince1970: now),
                                       headers: headers.filter { Self.keptHeaders.contains($0.key) }, body: body)
        let accepted: WebhookAcceptance
        do {
            accepted = try await engine.perform { try $0.accept(delivery, for: hook) }
        } catch let error as EngineError {
            // The hook's workflow is missing or broken, or its run_as names no member: the
            // operator's to mend (said in the log), not the sender's to retry soon.
            context.logger.error("webhook hook misconfigured", metadata: ["hook": "\(name)", "error": "\(error)"])
            metrics.delivery(hook: name, status: 503)
            return ProblemDetails.response(.serviceUnavailable, "hook '\(name)' cannot take deliveries: its workflow is not ready, or its run_as names no member (the server's log says which); nothing was kept")
        } catch {
            context.logger.error("webhook not kept", metadata: ["hook": "\(name)", "error": "\(error)"])
            metrics.delivery(hook: name, status: 503)
            return ProblemDetails.response(.serviceUnavailable, "the delivery could not be kept now; nothing was kept: send it again later",
                                           headers: [.retryAfter: "30"])
        }
        switch accepted {
        case .queued(let kept, let queuedRun):
            metrics.delivery(hook: name, status: 202)
            context.logger.info("webhook queued", metadata: ["hook": "\(name)", "delivery": "\(deliveryID)", "queued_run": "\(queuedRun)"])
            return try JSONResponse.response(DeliveryJSON(delivery: kept, queuedRun: queuedRun, workflow: hook.workflow), status: .accepted)
        case .replayed:
            return refuse(.conflict, "replayed delivery", "hook '\(name)' has had this delivery already (its id '\(deliveryID)', or a body signed alike under another id); it was not queued again")
        }
    }
}

/// The webhook bodies being read now, against `ServerSettings.concurrentBodies`.
final class BodiesBeingRead: Sendable {
    private let count = Mutex(0)

    /// Counts one more, unless `limit` are being read; whether it did.
    func enter(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() { count.withLock { $0 -= 1 } }
}
