import ArgumentParser
import ComityEngine
import ComityService
import Foundation

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "The workspace's plugins (Plugins/NAME/plugin.lua).",
        subcommands: [List.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each plugin: name, version, status (loaded, or the error that stops it), permissions granted and missing, functions.",
            discussion: "Exits 1 when a plugin cannot be used, so that a mistake shows in a pre-commit hook or CI.")

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let workspace = try CommandEngine.workspace()
            let catalog = workspace.pluginsAndAPI().plugins
            let rows = catalog.plugins.map { plugin in
                PluginJSON(name: plugin.manifest?.name ?? plugin.name, folder: "Plugins/\(plugin.name)",
                           version: plugin.manifest?.version, description: plugin.manifest?.description,
                           comity: plugin.manifest?.comity.description, status: plugin.isLoaded ? "loaded" : "error",
                           error: plugin.error, permissions: plugin.manifest?.permissions ?? [],
                           missing: catalog.missingPermissions(of: plugin),
                           functions: plugin.manifest?.functions.map(\.name) ?? [])
            }
            if json {
                try JSONOutput.print(rows)
            } else if rows.isEmpty {
                Output.print("no plugins in \(workspace.folder.appendingPathComponent("Plugins").path)")
            } else {
                for row in rows {
                    Output.print("\(row.name) \(row.version ?? "?")  \(row.status)")
                    if let error = row.error { Output.print("  error: \(error)") }
                    if let description = row.description { Output.print("  \(description)") }
                    if !row.permissions.isEmpty {
                        Output.print("  permissions: \(row.permissions.joined(separator: ", "))"
                              + (row.missing.isEmpty ? " (all granted)" : "; not granted in comity.lua: \(row.missing.joined(separator: ", "))"))
                    }
                    if !row.functions.isEmpty { Output.print("  functions: \(row.functions.joined(separator: ", "))") }
                }
            }
            if rows.contains(where: { $0.status != "loaded" }) { throw ExitCode(1) }
        }
    }
}

/// A plugin as `plugins list --json` shows it.
struct PluginJSON: Encodable {
    var name, folder: String
    var version, description, comity: String?
    var status: String
    var error: String?
    /// Asked for in the manifest and not granted in comity.lua.
    var permissions, missing, functions: [String]
}
