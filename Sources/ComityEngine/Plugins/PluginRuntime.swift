import ComityCore
import Foundation
import LuaBridge

/// The plugins of one run: each plugin's Lua code (`Plugins/NAME/init.lua`, returning
/// a table of the functions its manifest declares) is loaded into the run's sandbox
/// the first time one of its functions is called, so a workflow that uses no plugin,
/// or only working ones, is not stopped by a broken one.
///
/// Authority is bound to code: every file under `Plugins/NAME/` (its `init.lua`, its
/// modules, its workflows, and whatever it `load`s) runs in NAME's own environment,
/// made once per run from the globals as the host installed them. There the functions
/// that need a permission are NAME's own values, which check NAME's grants whoever
/// calls them and from wherever (a callback, a closure kept and called later, a
/// coroutine, a metamethod); what NAME assigns to its globals stays there.
final class PluginRuntime {
    let catalog: PluginCatalog
    /// Weak: the sandbox's functions hold the run's context, which holds this.
    private weak var sandbox: LuaSandbox?
    private unowned let context: APIContext
    /// The globals as the host installed them, before any script ran.
    private let base: LuaReference
    private var environments: [String: LuaReference] = [:]
    private var implementations: [String: LuaTable] = [:]
    private let folder: URL

    /// Call once the host has installed every global of the run and before any of its
    /// code runs: the plugins' environments start from the globals as they are now.
    /// Reading declarations (``WorkflowCatalog``) knows no catalog: a plugin's files then
    /// run in its environment whether or not it loads, with no permission granted.
    private let readingOnly: Bool

    init(catalog: PluginCatalog, sandbox: LuaSandbox, context: APIContext, folder: URL, readingOnly: Bool = false) throws(LuaError) {
        self.catalog = catalog
        self.readingOnly = readingOnly
        self.sandbox = sandbox
        self.context = context
        self.folder = folder.standardizedFileURL
        base = try sandbox.state.globalsCopy()
        try provideModules()
        sandbox.moduleEnvironment = { [weak self] _, file in try self?.environment(forFile: file) }
    }

    /// `require "NAME"` gives the plugin's checked functions: the namespace table the
    /// registry installed.
    private func provideModules() throws(LuaError) {
        guard let sandbox else { return }
        for plugin in catalog.plugins where plugin.isLoaded {
            guard let name = plugin.manifest?.name, !(plugin.manifest?.functions.isEmpty ?? true) else { continue }
            try sandbox.provideModule(name, fromGlobal: name)
        }
    }

    /// The environment code in `file` runs in: its plugin's (``PluginCodeOwner``); nil
    /// for the workspace's own code. A file of a plugin that did not load is refused:
    /// it has no authority to run with.
    func environment(forFile file: URL) throws(LuaError) -> LuaReference? {
        guard let name = try PluginCodeOwner.plugin(owning: file, in: folder) else { return nil }
        if readingOnly { return try environment(for: name) }
        guard let plugin = catalog.plugins.first(where: { $0.name == name }), plugin.isLoaded,
              let pluginName = plugin.manifest?.name else {
            let reason = catalog.plugins.first { $0.name == name }?.error.map { ": \($0)" } ?? ""
            throw LuaError(.runtime, "Plugins/\(name)/ is the code of plugin '\(name)', which is not loaded\(reason)")
        }
        return try environment(for: pluginName)
    }

    /// Plugin `name`'s environment in this run, made on first use.
    func environment(for name: String) throws(LuaError) -> LuaReference {
        if let made = environments[name] { return made }
        guard let sandbox, let registry = context.registry else {
            throw LuaError(.runtime, "plugin '\(name)': the run has ended")
        }
        let state = sandbox.state
        let environment = try state.copy(base)
        // The functions that need a permission, as this plugin's own values; the rest of
        // each namespace is the workspace's (read-only, so sharing them is safe).
        let own = try registry.bindings(for: .plugin(name), context: context, state: state) { $0.permission != nil }
        for (namespace, functions) in own {
            if namespace.isEmpty {
                for (key, value) in functions.hash { if let key = key.stringValue { try state.rawSet(environment, key, value) } }
                continue
            }
            var table = context.workspaceBindings[namespace] ?? LuaTable()
            for (key, value) in functions.hash { table.hash[key] = value }
            guard let made = try StrictNamespace.make(namespace, table, state: state) else { continue }
            // Its fields serve this plugin's code only, should the table leak.
            try state.rawSet(environment, namespace, table: try state.guardedReadOnly(made, name: namespace, ownerPrefix: "Plugins/\(name)/"))
        }
        // `_G` is a view of the environment that serves only this plugin's code: caught
        // by other code (as the operand of a metamethod), it reads and writes nothing.
        try state.rawSet(environment, "_G", table: try state.guardedView(environment, name: "_G", ownerPrefix: "Plugins/\(name)/"))
        if let library = try state.rawGetReference(base, "coroutine") {
            try state.rawSet(environment, "coroutine", table: try state.readOnly(try state.ownCoroutines(from: library), name: "coroutine"))
        }
        // Tables the host put among the globals are the plugin's own copies: what it
        // writes there reaches no workspace script.
        for (key, value) in try state.plainTables(in: base, excluding: ["_G"]) {
            if let copy = try state.tableReference(value) { try state.rawSet(environment, key, table: copy) }
        }
        try state.rawSet(environment, "load", try state.load(defaultingTo: environment, namePrefix: "@Plugins/\(name)/",
                                                             from: try state.rawGet(base, "load")))
        try state.rawSet(environment, "require", try sandbox.requireFunction(roots: [folder]) { module in
            // Its own modules only: a workspace module would hand it the workspace's authority.
            module == name || module.hasPrefix(name + ".")
                ? nil : "plugin '\(name)' may require only its own modules ('\(name)' and '\(name).*'), not '\(module)'"
        })
        environments[name] = environment
        return environment
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
                results = try sandbox.runFile(file.path, chunkName: shown, environment: try environment(for: pluginName))
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

extension PluginRuntime {
    /// The environment of a script that is a plugin's code (a file in a plugin's
    /// folder); nil for the workspace's own. Such a file never runs with the
    /// workspace's authority: without the plugins loaded, it does not run.
    static func environment(
        of path: String, shownAs shown: String, in workspace: URL, plugins: PluginRuntime?
    ) throws(LuaError) -> LuaReference? {
        let file = URL(fileURLWithPath: path)
        if let plugins { return try plugins.environment(forFile: file) }
        if let name = try PluginCodeOwner.plugin(owning: file, in: workspace.appendingPathComponent("Plugins")) {
            throw LuaError(.runtime, "\(shown) is the code of plugin '\(name)'; it runs only as that plugin, and this run has no plugins loaded")
        }
        return nil
    }

    /// For a run without plugins: `require` refuses modules in a plugin's folder, which
    /// would otherwise run with the workspace's authority.
    static func refusePluginModules(in sandbox: LuaSandbox, workspace: URL) {
        sandbox.moduleEnvironment = { name, file in
            if let plugin = try PluginCodeOwner.plugin(owning: file, in: workspace.appendingPathComponent("Plugins")) {
                throw LuaScriptError("module '\(name)' is the code of plugin '\(plugin)'; it runs only as that plugin, and this run has no plugins loaded")
            }
            return nil
        }
    }
}

extension APIContext {
    /// A plugin's implementation of `name`, loading the plugin on first use.
    func pluginFunction(_ name: String, plugin: String) throws -> LuaValue {
        guard let plugins else { throw LuaScriptError("'\(name)' comes from plugin '\(plugin)', which this run has not loaded") }
        return try plugins.function(name, plugin: plugin)
    }
}
