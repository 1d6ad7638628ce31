import ComityCore
import ComityExchange
import ComityReports
import Foundation
import HumanReadable
import LuaBridge

/// The plugins of a workspace: every `Plugins/NAME/plugin.lua`, its manifest read in a
/// sandbox with no API. A plugin that cannot be used is kept in the list with its
/// error, and stops nothing else: the other plugins load, and workflows that do not
/// use it run.
public struct PluginCatalog: Sendable, Equatable {
    public struct Plugin: Sendable, Equatable {
        /// The folder's name (the manifest's `name` when it loads).
        public var name: String
        public var folder: URL
        public var manifest: PluginManifest?
        public var error: String?

        public var isLoaded: Bool { manifest != nil && error == nil }
    }

    public var plugins: [Plugin]
    /// What comity.lua grants each plugin (`plugins = { NAME = { "send_mail", secrets = { "KEY" } } }`),
    /// in the manifests' spelling: `send_mail`, `secrets:KEY`.
    public var grants: [String: Set<String>]

    public init(plugins: [Plugin], grants: [String: Set<String>] = [:]) {
        self.plugins = plugins
        self.grants = grants
    }

    /// The permissions a plugin asks for that comity.lua does not grant it.
    public func missingPermissions(of plugin: Plugin) -> [String] {
        guard let manifest = plugin.manifest else { return [] }
        return manifest.permissions.filter { !(grants[manifest.name]?.contains($0) ?? false) }
    }

    /// Reads every plugin under `folder` (a workspace's `Plugins/`).
    public static func load(from folder: URL, comityVersion: String = ComityVersion.current) -> PluginCatalog {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        var plugins: [Plugin] = []
        for name in names {
            let pluginFolder = folder.appendingPathComponent(name)
            let manifestFile = pluginFolder.appendingPathComponent("plugin.lua")
            guard FileManager.default.fileExists(atPath: manifestFile.path) else { continue }
            let shown = "Plugins/\(name)/plugin.lua"
            do {
                let manifest = try read(manifestFile, shownAs: shown, folder: name)
                var plugin = Plugin(name: name, folder: pluginFolder, manifest: manifest)
                // `require "NAME"` would give the plugin instead of the workspace's module.
                let scripts = folder.deletingLastPathComponent().appendingPathComponent("Scripts")
                for module in ["\(manifest.name).lua", "\(manifest.name)/init.lua"]
                where FileManager.default.fileExists(atPath: scripts.appendingPathComponent(module).path) {
                    plugin.error = "\(shown): the name '\(manifest.name)' is the workspace's module Scripts/\(module); a plugin cannot shadow it"
                }
                if !manifest.comity.isSatisfied(by: comityVersion) {
                    plugin.error = "\(shown): needs comity \(manifest.comity), and this is comity \(comityVersion)"
                }
                for file in manifest.workflows where !FileManager.default.fileExists(atPath: pluginFolder.appendingPathComponent(file).path) {
                    plugin.error = "\(shown): provides.workflows names \(file), which is not in Plugins/\(name)/"
                }
                let exchange = Set(ExchangeFormat.allCases.map(\.rawValue) + ["360giving"])
                let takenFormats = Set(plugins.filter(\.isLoaded).flatMap { $0.manifest?.formats.keys.map { $0 } ?? [] })
                for format in manifest.formats.keys.sorted() where exchange.contains(format) || takenFormats.contains(format) {
                    plugin.error = "\(shown): provides.formats.\(format): the format '\(format)' is "
                        + (exchange.contains(format) ? "Comity's own" : "another plugin's")
                }
                let builtIn = Set(ReportFormat.allCases.map(\.rawValue))
                let taken = Set(plugins.filter(\.isLoaded).flatMap { $0.manifest?.renderers.keys.map { $0 } ?? [] })
                for format in manifest.renderers.keys.sorted() where builtIn.contains(format) || taken.contains(format) {
                    plugin.error = "\(shown): provides.renderers.\(format): the report format '\(format)' is "
                        + (builtIn.contains(format) ? "Comity's own" : "another plugin's")
                }
                plugins.append(plugin)
            } catch let error as PluginError {
                plugins.append(Plugin(name: name, folder: pluginFolder, manifest: nil, error: error.message))
            } catch let error as LuaError {
                plugins.append(Plugin(name: name, folder: pluginFolder, manifest: nil, error: error.message))
            } catch {
                plugins.append(Plugin(name: name, folder: pluginFolder, manifest: nil, error: "\(shown): \(error)"))
            }
        }
        return PluginCatalog(plugins: plugins)
    }

    private static func read(_ file: URL, shownAs shown: String, folder: String) throws -> PluginManifest {
        let sandbox = try LuaSandbox(limits: LuaLimits(memory: 16 << 20, time: .seconds(2), output: 64 << 10)) { _ in }
        defer { sandbox.close() }
        let results = try sandbox.runFile(file.path, chunkName: shown)
        guard case .table(let table) = results.first else {
            throw PluginError(plugin: folder, "\(shown): must return the manifest, a table: return { name = \"\(folder)\", version = \"1.0.0\", ... }")
        }
        return try PluginManifest(table, folder: folder, file: shown)
    }

    /// Adds the loaded plugins' functions to `registry`. A plugin whose function would
    /// replace one already there (the core's, or another plugin's), or whose name is
    /// taken by the core API, is marked with the error and adds nothing.
    public mutating func register(into registry: inout APIRegistry) {
        for index in plugins.indices {
            guard plugins[index].isLoaded, let manifest = plugins[index].manifest else { continue }
            let name = manifest.name
            // Its namespace becomes a global and a module: it must not shadow one of
            // the sandbox's or the engine's, which every script and plugin would then get.
            let reserved = LuaSandbox.globalNames.union(ScriptGlobals.host).union(ScriptGlobals.spec)
            if reserved.contains(name) {
                plugins[index].error = "Plugins/\(plugins[index].name)/plugin.lua: the name '\(name)' is a global of every script "
                    + "(\(LuaSandbox.globalNames.contains(name) ? "Lua's" : "Comity's")); a plugin cannot take it"
                continue
            }
            if registry.functions.contains(where: { $0.name == name || $0.name.hasPrefix(name + ".") }) {
                plugins[index].error = "Plugins/\(plugins[index].name)/plugin.lua: the name '\(name)' is taken by the API "
                    + "(\(registry.functions.first { $0.name == name || $0.name.hasPrefix(name + ".") }?.origin ?? "core")); "
                    + "a plugin cannot replace or extend it"
                continue
            }
            // Named types must be the API's own (Money, Time, Organisation, ...).
            let known = Set(registry.types.map(\.name))
            let unknown = manifest.functions.flatMap { function in
                (function.parameters.map(\.type) + function.results.map(\.type)).flatMap(\.namedTypes)
            }.first { !known.contains($0) }
            if let unknown {
                var message = "Plugins/\(plugins[index].name)/plugin.lua: '\(unknown)' is not a type of the API"
                if let near = NameSuggestion.closest(to: unknown, among: known.sorted()) { message += " (did you mean '\(near)'?)" }
                plugins[index].error = message
                continue
            }
            var added = registry
            do {
                for function in manifest.functions {
                    let pluginName = name
                    let functionName = function.name
                    try added.add(APIFunction(
                        function.name, summary: function.summary, parameters: function.parameters, results: function.results,
                        origin: name,
                        implementation: { call, context in
                            // Its code runs in the plugin's own environment: what it may
                            // call is what it was granted, whoever calls it.
                            let implementation = try context.pluginFunction(functionName, plugin: pluginName)
                            return try call.forwardingArguments(to: implementation)
                        }))
                }
                registry = added
            } catch {
                plugins[index].error = "Plugins/\(plugins[index].name)/plugin.lua: \(error)"
            }
        }
    }

    public func plugin(named name: String) -> Plugin? { plugins.first { $0.manifest?.name == name } }

    /// Report formats the loaded plugins write: format → function (`slides` → `deck.render`).
    public var renderers: [String: String] {
        var result: [String: String] = [:]
        for plugin in plugins where plugin.isLoaded {
            guard let manifest = plugin.manifest else { continue }
            for (format, function) in manifest.renderers where result[format] == nil { result[format] = "\(manifest.name).\(function)" }
        }
        return result
    }

    /// Import and export formats the loaded plugins provide: format → full function names.
    public var formats: [String: (export: String?, import: String?)] {
        var result: [String: (export: String?, import: String?)] = [:]
        for plugin in plugins where plugin.isLoaded {
            guard let manifest = plugin.manifest else { continue }
            for (format, pair) in manifest.formats where result[format] == nil {
                result[format] = (pair.export.map { "\(manifest.name).\($0)" }, pair.import.map { "\(manifest.name).\($0)" })
            }
        }
        return result
    }

    /// The loaded plugins' workflow files, as the workspace names them (`Plugins/NAME/track.lua`).
    public var workflowFiles: [String] {
        plugins.filter(\.isLoaded).flatMap { plugin in (plugin.manifest?.workflows ?? []).map { "Plugins/\(plugin.name)/\($0)" } }
    }
}

/// This Comity's version: what `comity --version` prints and plugins' `comity`
/// requirements are checked against.
public enum ComityVersion {
    public static let current = "0.1.0"
}

extension Workspace {
    /// The workspace's plugins with their grants, and the API with their functions added.
    public func pluginsAndAPI() -> (plugins: PluginCatalog, api: APIRegistry) {
        var plugins = self.plugins
        plugins.grants = pluginGrants
        var api = APIRegistry.standard(schema: schema)
        plugins.register(into: &api)
        return (plugins, api)
    }
}
