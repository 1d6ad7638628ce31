import ComityCore
import ComityEngine
import ComityService
import Foundation

/// The engine over the workspace around the current folder, for a command: its
/// failures said on standard error (`error: ...`, exit 1), its notices too.
enum CommandEngine {
    /// The workspace around the current folder, unopened.
    static func workspace() throws -> Workspace {
        try CommandFailure.reporting { try Engine.workspace(around: currentFolder) }
    }

    /// See ``Engine/open(around:database:databaseOption:refusedRuns:notice:)``.
    static func open(database: String? = nil, databaseOption: Bool = false,
                     refusedRuns: (_ error: String) -> [RunRecord] = { _ in [] }) throws -> Engine {
        try CommandFailure.reporting {
            try Engine.open(around: currentFolder, database: database, databaseOption: databaseOption,
                            refusedRuns: refusedRuns, notice: { Output.error($0 + "\n") })
        }
    }

    static var currentFolder: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }
}
