import ComityCore
import ComityService
import Foundation
import Hummingbird

/// The dashboard's view of what the runners do: the queue (what waits, since when, its
/// attempts; what workers hold), the workers and their heartbeats, the schedules (next
/// slots in their zones, last outcomes, pause and resume) and the outbox.
enum DashboardOperationPages {
    static func add(to pages: RouterGroup<ComityRequestContext>, engine: EngineExecutor) {
        let text = DashboardPage.text
        pages.get("queue") { request, context in
            let csrf = context.dashboard?.session.csrf ?? ""
            let (waiting, leased, now) = try await engine.read { engine in
                try engine.store.read { (try $0.queuedRuns(), try $0.leasedRuns(), try $0.storeTime()) }
            }
            var body = ""
            if let queued = request.uri.queryParameters.get("queued") {
                body += DashboardPage.message("Queued as run #\(queued): a worker or the daemon runs it.")
            }
            body += "<h2>Waiting</h2>" + DashboardPage.table(
                ["#", "Workflow", "Trigger", "Queued", "Due", "Waited", "Attempt", "Parameters"],
                waiting.map { run in
                    let waited = max(0, now.secondsSince1970 - run.notBefore.secondsSince1970)
                    return ["\(run.id)", text(run.workflow), text(run.trigger.summary), text(run.enqueuedAt.description), text(run.notBefore.description),
                            run.notBefore > now ? "not yet due" : text(seconds(waited)), "\(run.attempt)", text(parameters(run.parameters))]
                }, empty: "Nothing waits.")
            body += "<h2>Being run</h2>" + DashboardPage.table(["#", "Workflow", "Worker", "Lease until", "Run"], leased.map { lease in
                ["\(lease.run.id)", text(lease.run.workflow), text(lease.worker), text(lease.until.description), DashboardRunPages.link(lease.runID)]
            }, empty: "No run is leased by a worker.")
            return DashboardPage(title: "Queue", body: body, csrf: csrf).response
        }

        pages.get("workers") { _, context in
            let csrf = context.dashboard?.session.csrf ?? ""
            let status = try await engine.read { try $0.workerStatus() }
            var body = DashboardPage.table(["Worker", "Host", "Process", "Version", "Started", "Last heartbeat", "State", "Holding"],
                                           status.workers.map { worker in
                let record = worker.record
                let state = record.stoppedAt != nil ? "stopped" : worker.alive ? "running" : "gone"
                return [text(record.id), text(record.host), "\(record.processID)", text(record.version), text(record.startedAt.description),
                        text("\(seconds(worker.silentFor)) ago"), state, worker.leases.map { text($0.run.workflow) }.joined(separator: ", ")]
            }, empty: "No worker has registered (on SQLite, `comity daemon` or one `comity worker` runs the queue).")
            body += DashboardPage.message("\(status.waiting) runs wait" + (status.oldestWaiting.map { "; the oldest has waited \(seconds($0))" } ?? "") + ".")
            if !status.orphanedLeases.isEmpty {
                body += DashboardPage.message("\(status.orphanedLeases.count) leased runs belong to workers that are gone; another worker takes them over when their leases end.", kind: "error")
            }
            return DashboardPage(title: "Workers", body: body, csrf: csrf).response
        }

        pages.get("schedules") { _, context in
            let csrf = context.dashboard?.session.csrf ?? ""
            let schedules = try await engine.perform { try $0.schedules() }
            let body = DashboardPage.table(["Workflow", "When", "Zone", "Next slot", "Last run", "State", ""], schedules.map { status in
                let schedule = status.schedule
                let last = status.lastRun.map { DashboardRunPages.link($0.id) + " " + DashboardPage.outcome($0.outcome) } ?? ""
                let action = schedule.paused ? "resume" : "pause"
                return [text(schedule.workflow), text(status.explained ?? schedule.expression) + " <code>\(text(schedule.expression))</code>",
                        text(status.timeZone.identifier), text(schedule.nextSlot?.formatted(in: status.timeZone) ?? ""), last,
                        schedule.paused ? "paused" : (schedule.error.map { "<span class=\"error\">\(text($0))</span>" } ?? "active"),
                        DashboardPage.button(action.capitalized, action: "/dashboard/schedules/\(schedule.workflow)/\(action)", csrf: csrf)]
            }, empty: "No workflow declares a schedule.")
            return DashboardPage(title: "Schedules", body: body, csrf: csrf).response
        }
        for action in ["pause", "resume"] {
            pages.post(RouterPath("schedules/:name/\(action)")) { _, context in
                let csrf = context.dashboard?.session.csrf ?? ""
                let name = context.parameters.get("name") ?? ""
                do {
                    try await engine.perform { engine in
                        if action == "pause" { _ = try engine.pause(schedule: name) } else { _ = try engine.resume(schedule: name) }
                    }
                    context.logger.info("schedule \(action)d", metadata: ["token": "\(context.token?.name ?? "-")", "workflow": "\(name)"])
                    return DashboardPage.redirect("/dashboard/schedules")
                } catch let error as EngineError {
                    return DashboardPage(title: "No such schedule", body: DashboardPage.message("\(error)", kind: "error"), csrf: csrf, status: .notFound).response
                }
            }
        }

        pages.get("outbox") { request, context in
            let csrf = context.dashboard?.session.csrf ?? ""
            let status = request.uri.queryParameters.get("status").flatMap(OutgoingMessage.Status.init(rawValue:))
            // The newest 100, then older ones page by page: the outbox keeps every message it sent.
            let before = request.uri.queryParameters.get("before").flatMap { Int64($0) }
            let selection = MessageSelection(status: status, newestFirst: true, past: before, limit: 101)
            let found = try await engine.read { engine in try engine.store.read { try $0.messages(selection) } }
            let messages = Array(found.prefix(100))
            let choices = ["all"] + OutgoingMessage.Status.allCases.map(\.rawValue)
            var body = "<p>" + choices.map { "<a href=\"/dashboard/outbox\($0 == "all" ? "" : "?status=\($0)")\">\($0)</a>" }.joined(separator: " · ") + "</p>"
            body += DashboardPage.table(["#", "To", "Subject", "Status", "Attempts", "Queued", "Sent", "Run", "Last error"], messages.map { message in
                ["\(message.id)", text(message.to.map(\.description).joined(separator: ", ")), text(message.subject), text(message.status.rawValue),
                 "\(message.attempts)", text(message.queuedAt.description), text(message.sentAt?.description ?? ""),
                 message.run.map(DashboardRunPages.link) ?? "", text(message.lastError ?? "")]
            }, empty: "No messages.")
            if found.count > messages.count, let oldest = messages.last {
                body += "<p><a href=\"/dashboard/outbox?\(status.map { "status=\($0.rawValue)&amp;" } ?? "")before=\(oldest.id)\">Older messages</a></p>"
            }
            return DashboardPage(title: "Outbox", body: body, csrf: csrf).response
        }
    }

    static func seconds(_ value: Int64) -> String {
        value < 120 ? "\(value) s" : value < 7200 ? "\(value / 60) min" : "\(value / 3600) h \(value % 3600 / 60) min"
    }

    static func parameters(_ values: [String: String]) -> String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}
