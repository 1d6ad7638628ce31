import ComityCore
import LuaBridge

/// A compiled (Swift) extension of the Lua API: it declares typed functions under its
/// own name, which join the same registry as the core's and Lua plugins' (docs, stubs,
/// argument checks). An app embedding Comity registers its own:
///
/// ```swift
/// var api = APIRegistry.standard(schema: workspace.schema)
/// try api.register(OrgIDNativePlugin())
/// let runner = ScriptRunner(workspace: folder, api: api, store: store)
/// ```
public protocol ComityPlugin {
    /// One word; its functions are named `NAME.something`, and `require "NAME"` works
    /// as for a Lua plugin.
    var name: String { get }
    var version: String { get }
    /// The functions it adds, each with `origin` set to `name`.
    func functions() -> [APIFunction]
}

extension APIRegistry {
    /// Adds a native plugin's functions. A name outside the plugin's own namespace, or
    /// one the core or another plugin has, is refused and nothing of it is added.
    public mutating func register(_ plugin: some ComityPlugin) throws(DomainError) {
        let namespace = plugin.name + "."
        if functions.contains(where: { $0.name == plugin.name || $0.name.hasPrefix(namespace) }) {
            throw DomainError(.invalidValue, field: "name", "plugin '\(plugin.name)': the name is taken by the API; a plugin cannot replace or extend it")
        }
        var added = self
        for function in plugin.functions() {
            guard function.name.hasPrefix(namespace), function.origin == plugin.name else {
                throw DomainError(.invalidValue, field: "name",
                                  "plugin '\(plugin.name)': '\(function.name)' must be named \(namespace)... and have origin '\(plugin.name)'")
            }
            try added.add(function)
        }
        self = added
    }
}

/// The example native plugin: org-id identifiers (`GB-CHC-1090095`) read against the
/// org-id.guide register that ComityCore carries.
public struct OrgIDNativePlugin: ComityPlugin {
    public let name = "orgid"
    public let version = "1.0.0"

    public init() {}

    public func functions() -> [APIFunction] {
        [
            APIFunction(
                "orgid.parse",
                summary: "Reads an org-id identifier: `{ prefix, id, register, coverage }`, or nil and the reason it is not one.",
                parameters: [APIParameter("identifier", .string, "Such as `GB-CHC-1090095`.")],
                results: [APIResult(.optional(.table), "`prefix`, `id`, `register` (the register's name), `coverage` (countries)"),
                          APIResult(.optional(.string), "why it is not an identifier")],
                origin: name,
                implementation: { call, _ in
                    do {
                        let identifier = try OrgIdentifier(try call.string(1))
                        var table = LuaTable(hash: [
                            "prefix": .string(LuaString(identifier.prefix)), "id": .string(LuaString(identifier.localID)),
                        ])
                        if let entry = identifier.registry {
                            table["register"] = .string(LuaString(entry.name))
                            table["coverage"] = .table(LuaTable(array: entry.coverage.map { .string(LuaString($0)) }))
                        }
                        return try call.returning(.table(table))
                    } catch let refusal as DomainError {
                        return try call.returning(.nil, .string(LuaString(refusal.description)))
                    }
                }),
        ]
    }
}
