import ArgumentParser
import ComityEngine
import ComitySQLite
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a workspace: comity.lua (settings), Scripts/, Plugins/ and the database.",
        discussion: "An existing comity.lua is never overwritten."
    )

    @Argument(help: "The folder (default: the current one).", completion: .directory)
    var folder: String = "."

    func run() throws {
        let url = URL(fileURLWithPath: folder, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        do {
            let made = try Workspace.initialise(url) { path, schema in try SQLiteStore(path: path, schema: schema) }
            Output.print("made a workspace in \(url.standardizedFileURL.path):")
            for item in made { Output.print("  \(item)") }
        } catch {
            Output.error("error: \(error)\n")
            throw ExitCode(1)
        }
    }
}
