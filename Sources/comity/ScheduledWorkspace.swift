import ComityCore
import ComityEngine
import ComityScheduler
import Foundation
import Logging

/// A workspace's scheduler, for `comity tick`, `comity daemon` and `comity schedule`.
extension OpenedWorkspace {
    /// - Parameter now: `--now`: the scheduler's clock starts there and runs on.
    func scheduler(logger: Logger, now: Timestamp? = nil) -> Scheduler {
        let offset = now.map { $0.secondsSince1970 - Timestamp(Date()).secondsSince1970 } ?? 0
        return Scheduler(runner: runner(logger: logger), settings: workspace.scheduling) {
            Timestamp(secondsSince1970: Timestamp(Date()).secondsSince1970 + offset)
        }
    }

    /// The workspace's workflows, read again only when a script changes; `api` is the
    /// runs' (plugins included), worked out once.
    func catalog(api: APIRegistry, plugins: PluginCatalog?) -> WorkflowCatalog {
        WorkflowCatalog.current(workspace: workspace.folder, schema: workspace.schema, api: api, timeZone: workspace.timeZone,
                                pluginWorkflows: plugins?.workflowFiles ?? [])
    }
}
