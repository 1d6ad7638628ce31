import ComityCore
import ComityService
import Foundation
import Hummingbird

/// The dashboard's runs: the history filtered by workflow, outcome, trigger and time;
/// a run's page (its log, its error at the script's line, its changes record by record,
/// what caused it and what it caused) with a retry button.
enum DashboardRunPages {
    static func add(to pages: RouterGroup<ComityRequestContext>, engine: EngineExecutor) {
        pages.get("runs") { request, context in
            let csrf = context.dashboard?.session.csrf ?? ""
            let query = request.uri.queryParameters
            var filter = RunFilter(limit: 100)
            var problems: [String] = []
            if let workflow = query.get("workflow"), !workflow.isEmpty { filter.workflow = workflow }
            if let text = query.get("outcome"), !text.isEmpty {
                if let outcome = RunRecord.Outcome(rawValue: text) { filter.outcome = outcome } else { problems.append("no outcome '\(text)'") }
            }
            if let text = query.get("trigger"), !text.isEmpty {
                if let kind = RunTrigger.Kind(rawValue: text) { filter.triggerKind = kind } else { problems.append("no trigger '\(text)'") }
            }
            if let text = query.get("since"), !text.isEmpty {
                do { filter.since = try Timestamp(parsing: text, field: "since") } catch { problems.append((error as? DomainError)?.message ?? "\(error)") }
            }
            if let text = query.get("skip"), !text.isEmpty {
                if let skipped = PageQuery.number(text), skipped <= 10_000_000 { filter.offset = Int(skipped) } else { problems.append("no page '\(text)'") }
            }
            // One more than the page, to know whether older ones follow.
            filter.limit += 1
            let chosen = filter
            let (found, names): ([RunRecord], [String])
            do {
                (found, names) = try await engine.read { engine in
                    (try engine.runs(chosen), engine.catalog().workflows.map(\.name).sorted())
                }
            } catch let error as EngineError {
                problems.append("\(error)")
                (found, names) = ([], try await engine.read { $0.catalog().workflows.map(\.name).sorted() })
            }
            let runs = Array(found.prefix(chosen.limit - 1))
            var body = filters(query, workflows: names)
            body += problems.map { DashboardPage.message($0, kind: "error") }.joined()
            body += DashboardPage.table(
                ["Started", "Workflow or file", "Outcome", "Trigger", "Attempt", "Took", "Created", "Changed"],
                runs.map { run in
                    [
                        "<a href=\"/dashboard/runs/\(DashboardPage.text(run.id))\">\(DashboardPage.text(run.startedAt.description))</a>",
                        DashboardPage.text(run.workflow ?? run.file), DashboardPage.outcome(run.outcome), DashboardPage.text(run.trigger.summary),
                        "\(run.attempt)", DashboardPage.text(duration(run)), "\(run.recordsCreated)", "\(run.recordsChanged)",
                    ]
                }, empty: "No runs match.")
            if found.count > runs.count {
                // The same filters, the next page: the link a person follows to older runs.
                let kept = ["workflow", "outcome", "trigger", "since"].compactMap { name in
                    query.get(name).flatMap { $0.isEmpty ? nil : "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                }
                let next = (kept + ["skip=\(chosen.offset + runs.count)"]).joined(separator: "&amp;")
                body += "<p><a href=\"/dashboard/runs?\(next)\">Older runs</a></p>"
            }
            return DashboardPage(title: "Runs", body: body, csrf: csrf).response
        }

        pages.get("runs/:id") { _, context in
            let csrf = context.dashboard?.session.csrf ?? ""
            let id = context.parameters.get("id") ?? ""
            do {
                let (run, changes, caused, waiting) = try await engine.read { engine in
                    let run = try engine.findRun(id)
                    var byCause = RunFilter(limit: 100)
                    byCause.causedBy = run.id
                    return (run, try engine.store.read { try $0.changes(byRun: run.id) }, try engine.store.read { try $0.runs(byCause) },
                            try engine.store.read { try $0.queuedRuns() }.filter { $0.trigger.causedBy == run.id })
                }
                return DashboardPage(title: "Run of \(run.workflow ?? run.file)", body: page(run, changes: changes, caused: caused, waiting: waiting, csrf: csrf),
                                     csrf: csrf).response
            } catch let error as EngineError {
                return DashboardPage(title: "No such run", body: DashboardPage.message("\(error)", kind: "error"), csrf: csrf, status: .notFound).response
            }
        }

        pages.post("runs/:id/retry") { _, context in
            let csrf = context.dashboard?.session.csrf ?? ""
            let id = context.parameters.get("id") ?? ""
            let token = context.token?.name ?? "-"
            let started: WorkflowStart
            do {
                started = try await engine.perform { try $0.queueRetry(id, by: token) }
            } catch let error as EngineError {
                return DashboardPage(title: "No such run", body: DashboardPage.message("\(error)", kind: "error"), csrf: csrf, status: .notFound).response
            }
            switch started {
            case .queued(let queued):
                context.logger.info("run queued", metadata: ["token": "\(token)", "workflow": "\(queued.workflow)", "queued_run": "\(queued.id)"])
                return DashboardPage.redirect("/dashboard/queue?queued=\(queued.id)")
            case .refused(let reason):
                return DashboardPage(title: "Not retried", body: DashboardPage.message(reason, kind: "error")
                                        + "<p><a href=\"/dashboard/runs/\(DashboardPage.text(id))\">Back to the run</a></p>", csrf: csrf,
                                     status: .unprocessableContent).response
            case .unknownWorkflow(let name):
                return DashboardPage(title: "Not retried", body: DashboardPage.message("no workflow '\(name)' in Scripts/ or its plugins", kind: "error"),
                                     csrf: csrf, status: .notFound).response
            case .replay:
                return DashboardPage.redirect("/dashboard/queue")
            }
        }
    }

    /// The filter form, showing what was asked.
    static func filters(_ query: Parameters, workflows: [String]) -> String {
        func options(_ values: [String], chosen: String?) -> String {
            (["": "any"].map { ($0.key, $0.value) } + values.map { ($0, $0) }).map { value, label in
                "<option value=\"\(DashboardPage.text(value))\"\(value == (chosen ?? "") ? " selected" : "")>\(DashboardPage.text(label))</option>"
            }.joined()
        }
        let workflow = query.get("workflow")
        return """
            <form class="filters" method="get" action="/dashboard/runs">
            <label>Workflow<select name="workflow">\(options(workflows, chosen: workflow))</select></label>
            <label>Outcome<select name="outcome">\(options(RunRecord.Outcome.allCases.map(\.rawValue), chosen: query.get("outcome")))</select></label>
            <label>Trigger<select name="trigger">\(options(RunTrigger.Kind.allCases.map(\.rawValue), chosen: query.get("trigger")))</select></label>
            <label>Since<input type="date" name="since" value="\(DashboardPage.text(query.get("since") ?? ""))"></label>
            <button>Show</button></form>
            """
    }

    static func duration(_ run: RunRecord) -> String {
        guard let ended = run.endedAt else { return run.outcome == .running ? "running" : "" }
        let seconds = ended.secondsSince1970 - run.startedAt.secondsSince1970
        return seconds < 60 ? "\(seconds) s" : "\(seconds / 60) min \(seconds % 60) s"
    }

    static func link(_ id: String) -> String {
        "<a href=\"/dashboard/runs/\(DashboardPage.text(id))\">\(DashboardPage.text(RunRecord.shortID(id)))</a>"
    }

    static func page(_ run: RunRecord, changes: [AuditEntry], caused: [RunRecord], waiting: [QueuedRun], csrf: String) -> String {
        let text = DashboardPage.text
        var facts = DashboardPage.term("Outcome", DashboardPage.outcome(run.outcome))
        facts += DashboardPage.term("Id", "<code>\(text(run.id))</code>")
        facts += DashboardPage.term("File", text(run.file))
        facts += DashboardPage.term("Trigger", text(run.trigger.summary))
        if let cause = run.trigger.causedBy { facts += DashboardPage.term("Caused by", link(cause)) }
        facts += DashboardPage.term("Attempt", "\(run.attempt)")
        facts += DashboardPage.term("Started", text(run.startedAt.description))
        if let ended = run.endedAt { facts += DashboardPage.term("Ended", text(ended.description) + " (\(text(duration(run))))") }
        if !run.parameters.isEmpty {
            facts += DashboardPage.term("Parameters", run.parameters.sorted { $0.key < $1.key }.map { "\(text($0.key)) = \(text($0.value))" }.joined(separator: "<br>"))
        }
        facts += DashboardPage.term("Records", "\(run.recordsCreated) created, \(run.recordsChanged) changed" + (run.dryRun ? " (a dry run: nothing kept)" : ""))
        var body = "<dl>\(facts)</dl>"
        if run.isScriptRun && run.workflow != nil && !run.dryRun && run.outcome != .running {
            body += "<p>" + DashboardPage.button("Retry", action: "/dashboard/runs/\(run.id)/retry", csrf: csrf) + " queues attempt \(run.attempt + 1) with the same parameters.</p>"
        }
        if let error = run.error {
            body += "<h2>Error</h2><pre class=\"error\">\(text(error))</pre>"
            if let traceback = run.traceback { body += "<pre>\(text(traceback))</pre>" }
        }
        body += "<h2>Log</h2>" + (run.log.isEmpty ? "<p class=\"empty\">Nothing was logged.</p>" : "<pre>\(text(run.log.joined(separator: "\n")))</pre>")
        body += "<h2>Changes</h2>" + DashboardPage.table(["Record", "Action", "Field", "Was", "Became"], changes.map { entry in
            [text(entry.record.description), text(entry.action.rawValue), text(entry.field ?? ""), text(entry.oldValue ?? ""), text(entry.newValue ?? "")]
        }, empty: run.dryRun ? "A dry run keeps no changes." : "No record was changed.")
        body += "<h2>What it triggered</h2>" + DashboardPage.table(["Run", "Workflow", "Outcome", "Trigger"], caused.map { other in
            [link(other.id), text(other.workflow ?? other.file), DashboardPage.outcome(other.outcome), text(other.trigger.summary)]
        } + waiting.map { queued in
            ["queued #\(queued.id)", text(queued.workflow), "waiting", text(queued.trigger.summary)]
        }, empty: "Nothing.")
        return body
    }
}
