import ComityCore
import Prometheus

/// What `/metrics` says, in Prometheus's text format (swift-prometheus): requests by
/// status, failed authentications, webhook deliveries by hook and status, and, read
/// from the store at each scrape, the queue's depth and oldest wait and the outbox by
/// status. A hook label is only ever a declared hook's name (others are `unknown`), so a
/// caller cannot grow the registry by inventing names.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    public init() {}

    func request(status: Int) {
        registry.makeCounter(name: "comity_http_requests_total", labels: [("status", "\(status)")],
                             help: "HTTP requests answered, by status").increment()
    }

    func authenticationFailed() {
        registry.makeCounter(name: "comity_http_authentication_failures_total",
                             help: "Requests refused for a missing, unknown or revoked token").increment()
    }

    func delivery(hook: String?, status: Int) {
        registry.makeCounter(name: "comity_webhook_deliveries_total", labels: [("hook", hook ?? "unknown"), ("status", "\(status)")],
                             help: "Webhook deliveries, by hook and the status they were answered with").increment()
    }

    /// The store's state at a scrape.
    func record(waiting: Int, oldestWaitSeconds: Int64, outbox: [OutgoingMessage.Status: Int]) {
        registry.makeGauge(name: "comity_queue_waiting_runs", help: "Runs waiting in the queue").set(Double(waiting))
        registry.makeGauge(name: "comity_queue_oldest_wait_seconds", help: "How long the oldest due run has waited (0: none)")
            .set(Double(oldestWaitSeconds))
        for status in OutgoingMessage.Status.allCases {
            registry.makeGauge(name: "comity_outbox_messages", labels: [("status", status.rawValue)], help: "Outbox messages, by status")
                .set(Double(outbox[status] ?? 0))
        }
    }

    /// The text `/metrics` answers.
    public var text: String { registry.emitToString() }
}
