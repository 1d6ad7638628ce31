import ArgumentParser
import ComityCore
import ComityEngine
import ComityService
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a workspace: comity.lua (settings), Scripts/ with the shipped workflows and reports, Plugins/ and the database.",
        discussion: """
            The shipped workflows (intake, follow-ups, the round table), reports and their specs \
            are copied into Scripts/, to be edited as your own; --bare leaves Scripts/ empty. An \
            existing comity.lua is never overwritten, nor is a file already in Scripts/: run in a \
            workspace, init adds only what is missing (the way to finish an init that failed).
            """
    )

    @Argument(help: "The folder to make the workspace in.", completion: .directory)
    var folder: String = "."

    @Flag(help: "Leave Scripts/ empty: copy none of the shipped workflows and reports.")
    var bare = false

    func validate() throws {
        // Found: `comity init postgres://u:secret@db/n` made nested folders named after the
        // URL (its password in a path) and a SQLite workspace in them.
        if folder.contains("://") {
            throw ValidationError("'\(DatabaseURL.redacted(folder))' is a URL, and init takes a folder; to make the workspace's "
                + "store a PostgreSQL database, set COMITY_DATABASE_URL for the init (see the README's PostgreSQL section)")
        }
    }

    func run() throws {
        let url = URL(fileURLWithPath: folder, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        // A PostgreSQL workspace is made by comity-network whole, not half here.
        if !ComityProgram.linksPostgres, let postgres = Self.postgresURL(of: url) {
            try CommandFailure.reporting { try NetworkExecutable.handOff(for: DatabaseURL.redacted(postgres)) }
        }
        do {
            // Looked for before anything is made, so that a failed init leaves nothing behind.
            let shipped = bare ? nil : ShippedScripts.folder()
            if !bare && shipped == nil {
                throw CommandFailure.report("found no shipped scripts to copy, so made nothing (set COMITY_SHARE to the folder "
                    + "holding Scripts/, e.g. /usr/local/share/comity, or use --bare)")
            }
            var made = try Engine.initialise(url)
            if let shipped {
                let copied = try ShippedScripts.copy(from: shipped, into: url.appendingPathComponent("Scripts"))
                if !copied.isEmpty { made.append("Scripts/: \(copied.count) shipped files (\(Self.summary(copied)))") }
            }
            if made.isEmpty {
                Output.print("\(url.standardizedFileURL.path) is a complete workspace already; nothing was missing")
            } else {
                Output.print("made a workspace in \(url.standardizedFileURL.path):")
                for item in made { Output.print("  \(item)") }
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Output.error("error: \(error)\n")
            throw ExitCode(1)
        }
    }

    /// The PostgreSQL database the workspace in `folder` is (or is to be) made on:
    /// COMITY_DATABASE_URL, else what an existing comity.lua names.
    private static func postgresURL(of folder: URL) -> String? {
        if let given = ProcessInfo.processInfo.environment["COMITY_DATABASE_URL"], !given.isEmpty { return given }
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(Workspace.configurationFile).path) else { return nil }
        return (try? Workspace.load(folder))?.postgresURL
    }

    /// `intake.lua, followups.lua, ..., reports/ (5)`.
    private static func summary(_ files: [String]) -> String {
        let top = files.filter { !$0.contains("/") && !$0.hasSuffix("_spec.lua") }
        let folders = Dictionary(grouping: files.filter { $0.contains("/") }) { String($0.prefix { $0 != "/" }) }
        let specs = files.filter { $0.hasSuffix("_spec.lua") }.count
        return (top + folders.keys.sorted().map { "\($0)/ (\(folders[$0]?.count ?? 0))" } + (specs > 0 ? ["\(specs) specs"] : []))
            .joined(separator: ", ")
    }
}
