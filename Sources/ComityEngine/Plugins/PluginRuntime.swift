import ComityCore
import Foundation
import LuaBridge

/// The plugins of one run: each plugin's Lua code (`Plugins/NAME/init.lua`, returning
/// a table of the functions its manifest declares) is loaded into the run's sandbox
/// the first time one of its functions is called, so a workflow that uses no plugin,
/// or only working ones, is not stopped by a broken one.
final class PluginRuntime {
    let catalog: PluginCatalog
    /// Weak: the sandbox's functions hold the run's context, which holds this.
    private weak var sandbox: LuaSandbox?
    private var implementations: [String: LuaTable] = [:]

    init(catalog: PluginCatalog, sandbox: LuaSandbox) {
        self.catalog = catalog
        self.sandbox = sandbox
    }

    /// `require "NAME"` gives the plugin's checked functions: the namespace table the
    /// registry installed.
    func provideModules() throws(LuaError) {
        guard let sandbox else { return }
        for plugin in catalog.plugins where plugin.isLoaded {
            guard let name = plugin.manifest?.name, !(plugin.manifest?.functions.isEmpty ?? true) else { continue }
            try sandbox.provideModule(name, fromGlobal: name)
        }
    }

    func function(_ name: String, plugin pluginName: String) throws -> LuaValue {
        guard let plugin = catalog.plugin(named: pluginName), let manifest = plugin.manifest else {
            throw LuaScriptError("plugin '\(pluginName)' is not loaded")
        }
        let table: LuaTable
        if let loaded = implementations[pluginName] {
            table = loaded
        } else {
            let file = plugin.folder.appendingPathComponent("init.lua")
            let shown = "Plugins/\(plugin.name)/init.lua"
            let results: [LuaValue]
            guard let sandbox else { throw LuaScriptError("plugin '\(pluginName)': the run has ended") }
            do {
                results = try sandbox.runFile(file.path, chunkName: shown)
            } catch {
                throw LuaScriptError("plugin '\(pluginName)' failed to load: \(error.message)")
            }
            guard case .table(let returned) = results.first else {
                throw LuaScriptError("plugin '\(pluginName)': \(shown) must return a table of its functions (\(manifest.functions.map(\.name).joined(separator: ", ")))")
            }
            table = returned
            implementations[pluginName] = table
        }
        let leaf = String(name.dropFirst(pluginName.count + 1))
        guard case .function = table[leaf] else {
            throw LuaScriptError("plugin '\(pluginName)' declares '\(name)' in its manifest, but Plugins/\(plugin.name)/init.lua returns no function '\(leaf)'")
        }
        return table[leaf]
    }
}

extension APIContext {
    /// A plugin's implementation of `name`, loading the plugin on first use.
    func pluginFunction(_ name: String, plugin: String) throws -> LuaValue {
        guard let plugins else { throw LuaScriptError("'\(name)' comes from plugin '\(plugin)', which this run has not loaded") }
        return try plugins.function(name, plugin: plugin)
    }
}
