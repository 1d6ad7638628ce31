import ComityCore
import Prometheus
import Synchronization

/// What `/metrics` says, in Prometheus's text format (swift-prometheus): requests by
/// status, failed authentications, webhook deliveries by hook and status, and, read
/// from the store at each scrape, the queue's depth and oldest wait and the outbox by
/// status. A hook label is only ever a declared hook's name (others are `unknown`), so a
/// caller cannot grow the registry by inventing names.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    public init() {
        // There from the first scrape, at 0: an alert on its rate needs the series to exist.
        registry.makeCounter(name: "comity_http_authentication_failures_total", help: "Requests refused for a missing, unknown or revoked token")
    }

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

    /// What the history held at the last scrape, per counter: a counter is moved on by
    /// what the history gained since.
    private let counted = Mutex<[String: Int]>([:])
    /// The run-duration histogram of the last scrape, in Prometheus's text format.
    private let durations = Mutex<String>("")

    /// The run history at a scrape (every worker's runs, as the store has them): runs
    /// started per workflow, finished per workflow and outcome, lease take-overs, and the
    /// duration histogram per workflow.
    func record(runs totals: [RunTotal]) {
        func advance(_ counter: Counter, key: String, to value: Int) {
            let before = counted.withLock { counted in
                defer { counted[key] = value }
                return counted[key] ?? 0
            }
            if value > before { counter.increment(by: Int64(value - before)) }
        }
        let byWorkflow = Dictionary(grouping: totals) { $0.workflow ?? Self.noWorkflow }
        for (workflow, group) in byWorkflow {
            advance(registry.makeCounter(name: "comity_runs_started_total", labels: [("workflow", workflow)],
                                         help: "Runs started, by workflow (- for a script or an API write that declares none)"),
                    key: "started \(workflow)", to: group.map(\.count).reduce(0, +))
            for total in group where total.ended > 0 {
                advance(registry.makeCounter(name: "comity_runs_finished_total", labels: [("workflow", workflow), ("outcome", total.outcome.rawValue)],
                                             help: "Runs that ended, by workflow and outcome"),
                        key: "finished \(workflow) \(total.outcome.rawValue)", to: total.ended)
            }
        }
        advance(registry.makeCounter(name: "comity_lease_takeovers_total",
                                     help: "Runs a worker took over when their worker stopped renewing the lease (PostgreSQL)"),
                key: "takeovers", to: totals.map(\.takenOver).reduce(0, +))
        durations.withLock { $0 = Self.histogram(byWorkflow) }
    }

    static let noWorkflow = "-"

    /// The duration histogram from the history's sums: swift-prometheus's histograms are
    /// observed one value at a time, and these values were observed by other processes.
    static func histogram(_ byWorkflow: [String: [RunTotal]]) -> String {
        let name = "comity_run_duration_seconds"
        var lines = ["# HELP \(name) How long runs that ended took, by workflow", "# TYPE \(name) histogram"]
        for workflow in byWorkflow.keys.sorted() {
            let group = byWorkflow[workflow] ?? []
            let label = "workflow=\"\(labelValue(workflow))\""
            let ended = group.map(\.ended).reduce(0, +)
            for (index, bound) in RunTotal.durationBounds.enumerated() {
                lines.append("\(name)_bucket{\(label),le=\"\(bound)\"} \(group.map { $0.withinBounds[index] }.reduce(0, +))")
            }
            lines.append("\(name)_bucket{\(label),le=\"+Inf\"} \(ended)")
            lines.append("\(name)_sum{\(label)} \(group.map(\.seconds).reduce(0, +))")
            lines.append("\(name)_count{\(label)} \(ended)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label's value as the text format escapes it.
    static func labelValue(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// The text `/metrics` answers.
    public var text: String { registry.emitToString() + durations.withLock { $0 } }
}
