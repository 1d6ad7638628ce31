import Foundation
import LuaBridge

/// Which plugin's code a file is: authority follows where code lives, and that must
/// not be fooled by links. A file reached at `Plugins/NAME/...` is NAME's code and must
/// resolve inside NAME's folder (itself possibly a link, for a plugin under
/// development); a file reached elsewhere that resolves inside a plugin's folder is
/// that plugin's code too. Nothing else in `Plugins/` is code: only plugins' folders.
enum PluginCodeOwner {
    /// The plugin (its folder's name) whose code `file` is; nil for the workspace's own
    /// code. Throws for a file that would run with the wrong authority.
    static func plugin(owning file: URL, in pluginsFolder: URL) throws(LuaError) -> String? {
        // The folder as named and as resolved: a workspace's own path may contain links.
        let named = pluginsFolder.standardizedFileURL.path + "/"
        let real = pluginsFolder.standardizedFileURL.resolvingSymlinksInPath().path + "/"
        let reached = file.standardizedFileURL.path
        let resolved = file.standardizedFileURL.resolvingSymlinksInPath().path
        let plugins = reached.hasPrefix(named) ? named : real
        let shown = reached.hasPrefix(plugins) ? "Plugins/" + reached.dropFirst(plugins.count) : reached
        if reached.hasPrefix(plugins) {
            let inside = reached.dropFirst(plugins.count)
            guard inside.contains("/"), let name = inside.split(separator: "/").first.map(String.init),
                  isPluginFolder(pluginsFolder.appendingPathComponent(name)) else {
                throw LuaError(.runtime, "\(shown) is not in a plugin's folder: Plugins/ holds plugins only (a folder with a plugin.lua); a workspace module belongs in Scripts/")
            }
            let own = pluginsFolder.appendingPathComponent(name).standardizedFileURL.resolvingSymlinksInPath().path + "/"
            guard resolved.hasPrefix(own) else {
                throw LuaError(.runtime, "\(shown) is plugin '\(name)''s code but resolves outside its folder (\(resolved)); refused")
            }
            return name
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: pluginsFolder.path)) ?? []
        for name in names.sorted() where isPluginFolder(pluginsFolder.appendingPathComponent(name)) {
            let own = pluginsFolder.appendingPathComponent(name).standardizedFileURL.resolvingSymlinksInPath().path + "/"
            if resolved.hasPrefix(own) { return name }
        }
        return nil
    }

    /// A plugin's workflows are named after it (`compliance-track`), so that they never
    /// pass for the workspace's own: once-keys, dedupe keys and the run history go by name.
    static func checkWorkflowName(_ name: String, plugin: String, file: String) throws(LuaError) {
        if name == plugin || ["-", ".", "_"].contains(where: { name.hasPrefix(plugin + $0) }) { return }
        throw LuaError(.runtime, "\(file): a workflow of plugin '\(plugin)' must be named '\(plugin)' or '\(plugin)-...', not '\(name)'")
    }

    private static func isPluginFolder(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("plugin.lua").path)
    }
}
