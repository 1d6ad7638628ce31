import ComityEngine
import Foundation

extension Engine {
    /// The workflows of the workspace around `folder` (Scripts/ and plugins), read by
    /// running each script's top level only, with no database; a schedule that is not
    /// valid cron marks its workflow with the error.
    public static func workflows(around folder: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        throws(EngineError) -> (workspace: Workspace, catalog: WorkflowCatalog) {
        let workspace = try Self.workspace(around: folder)
        let (plugins, api) = workspace.pluginsAndAPI()
        let catalog = WorkflowCatalog.load(workspace: workspace.folder, schema: workspace.schema, api: api,
                                           timeZone: workspace.timeZone, pluginWorkflows: plugins.workflowFiles)
        return (workspace, catalog.checkingSchedules())
    }
}
