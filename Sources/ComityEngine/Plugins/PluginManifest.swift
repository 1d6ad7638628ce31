import ComityCore
import Foundation
import HumanReadable
import LuaBridge

/// What `Plugins/NAME/plugin.lua` returns: `{ name, version, comity = ">=0.1",
/// description, permissions = {...}, provides = { functions = {...} } }`, checked
/// field by field; a mistake names the file and the field.
public struct PluginManifest: Sendable, Equatable {
    public var name: String
    public var version: String
    public var comity: VersionRequirement
    public var description: String
    /// `read_inbox`, `send_mail`, `secrets:NAME`, `http:HOST`.
    public var permissions: [String]
    public var functions: [PluginFunctionDeclaration]
    /// Fields it adds to record types, as comity.lua's `custom_fields` would.
    public var customFields: [(RecordType, FieldDefinition)]
    /// Workflow files in its folder (`track.lua`): they hook domain events (`on`) or run
    /// on a schedule like the workspace's own, with the plugin's permissions.
    public var workflows: [String]
    /// Report formats it writes (`comity report NAME --format slides`): format name →
    /// one of its functions, called with the report table and returning its text.
    public var renderers: [String: String]
    /// Import and export formats (`comity export organisation --format vcard`): format
    /// name → its `export` function (records, kind → text) and `import` function (text,
    /// kind → a list of rows, each a table of field = value).
    public var formats: [String: (export: String?, import: String?)]

    public static func == (a: PluginManifest, b: PluginManifest) -> Bool {
        a.name == b.name && a.version == b.version && a.comity == b.comity && a.description == b.description
            && a.permissions == b.permissions && a.functions == b.functions && a.workflows == b.workflows
            && a.renderers == b.renderers
            && a.formats.mapValues { "\($0.export ?? "")/\($0.import ?? "")" } == b.formats.mapValues { "\($0.export ?? "")/\($0.import ?? "")" }
            && a.customFields.map { "\($0.0.rawValue).\($0.1.name)" } == b.customFields.map { "\($0.0.rawValue).\($0.1.name)" }
    }

    static let fields = ["name", "version", "comity", "description", "permissions", "provides"]
    static let simplePermissions = ["read_inbox", "send_mail"]

    init(_ table: LuaTable, folder: String, file: String) throws(PluginError) {
        func fail(_ text: String) -> PluginError { PluginError(plugin: folder, "\(file): \(text)") }
        for key in table.hash.keys {
            let field = key.stringValue ?? key.typeName
            guard Self.fields.contains(field) else {
                var message = "the manifest has no field '\(field)'"
                if let near = NameSuggestion.closest(to: field, among: Self.fields) { message += " (did you mean '\(near)'?)" }
                throw fail(message + " (fields: \(Self.fields.joined(separator: ", ")))")
            }
        }
        func text(_ field: String) throws(PluginError) -> String {
            switch table[field] {
            case .string(let value) where !value.description.isEmpty: return value.description
            case .nil: throw fail("field '\(field)' is missing (a string)")
            default: throw fail("field '\(field)' must be a non-empty string (got \(table[field].typeName))")
            }
        }
        name = try text("name")
        guard ModuleName.isValid(name), !name.contains(".") else {
            throw fail("name '\(name)' must be one word of letters, digits and _ (it is what `require` takes)")
        }
        guard name == folder else { throw fail("name '\(name)' must be the plugin's folder name ('\(folder)')") }
        version = try text("version")
        guard VersionRequirement.parse(version) != nil else { throw fail("version '\(version)' must be like 1.0.0") }
        let requirement = try text("comity")
        guard let parsed = VersionRequirement(requirement) else {
            throw fail("comity '\(requirement)' is not a version requirement such as \">=0.1\" or \">=0.1, <0.3\"")
        }
        comity = parsed
        description = try text("description")

        var permissions: [String] = []
        switch table["permissions"] {
        case .nil: break
        case .table(let given):
            for value in given.array {
                guard let permission = value.stringValue, Self.simplePermissions.contains(permission) else {
                    throw fail("permissions: '\(value.stringValue ?? value.typeName)' is not a permission "
                        + "(read_inbox, send_mail, secrets = {...}, http = {...})")
                }
                permissions.append(permission)
            }
            for (key, value) in given.hash {
                guard let kind = key.stringValue, ["secrets", "http"].contains(kind), case .table(let names) = value,
                      names.hash.isEmpty, names.array.allSatisfy({ $0.stringValue != nil }) else {
                    throw fail("permissions: '\(key.stringValue ?? key.typeName)' must be secrets = { \"NAME\", ... } or http = { \"host\", ... }")
                }
                permissions += names.array.compactMap(\.stringValue).map { "\(kind):\($0)" }
            }
        default:
            throw fail("field 'permissions' must be a table such as { \"send_mail\", secrets = { \"API_KEY\" } }")
        }
        self.permissions = permissions

        var functions: [PluginFunctionDeclaration] = []
        switch table["provides"] {
        case .nil:
            customFields = []
            workflows = []
            renderers = [:]
            formats = [:]
        case .table(let provides):
            let kinds = ["functions", "custom_fields", "workflows", "renderers", "formats"]
            for key in provides.hash.keys where !kinds.contains(key.stringValue ?? "") {
                throw fail("provides.\(key.stringValue ?? key.typeName) is not supported by this version of comity (provides: \(kinds.joined(separator: ", ")))")
            }
            switch provides["formats"] {
            case .nil: formats = [:]
            case .table(let given) where given.array.isEmpty:
                formats = [:]
                for (key, value) in given.hash {
                    guard let format = key.stringValue, ModuleName.isValid(format), !format.contains("."), case .table(let spec) = value,
                          spec.hash.keys.allSatisfy({ ["export", "import"].contains($0.stringValue ?? "") }),
                          spec["export"] != .nil || spec["import"] != .nil else {
                        throw fail("provides.formats: give name = { export = \"function\", import = \"function\" } (either or both)")
                    }
                    formats[format] = (spec["export"].stringValue, spec["import"].stringValue)
                }
            default: throw fail("provides.formats must be a table such as { vcard = { export = \"to_vcard\" } }")
            }
            switch provides["renderers"] {
            case .nil: renderers = [:]
            case .table(let given) where given.array.isEmpty:
                renderers = [:]
                for (key, value) in given.hash {
                    guard let format = key.stringValue, ModuleName.isValid(format), !format.contains("."), let function = value.stringValue else {
                        throw fail("provides.renderers: give format = \"function\", such as slides = \"render_slides\"")
                    }
                    renderers[format] = function
                }
            default: throw fail("provides.renderers must be a table such as { slides = \"render_slides\" }")
            }
            switch provides["workflows"] {
            case .nil: workflows = []
            case .table(let list) where list.hash.isEmpty:
                workflows = []
                for entry in list.array {
                    guard let file = entry.stringValue, file.hasSuffix(".lua"), !file.contains(".."), !file.hasPrefix("/") else {
                        throw fail("provides.workflows: '\(entry.stringValue ?? entry.typeName)' must be a .lua file in the plugin's folder")
                    }
                    workflows.append(file)
                }
            default: throw fail("provides.workflows must be a list of files such as { \"track.lua\" }")
            }
            switch provides["custom_fields"] {
            case .nil: customFields = []
            case .table(let fields):
                var scratch = DomainSchema.standard
                do {
                    customFields = try CustomFieldSettings.apply(fields, to: &scratch, file: file, prefix: "provides.custom_fields")
                } catch let error as LuaError {
                    throw PluginError(plugin: folder, error.message)
                } catch {
                    throw fail("provides.custom_fields: \(error)")
                }
            default: throw fail("provides.custom_fields must be a table by record type, e.g. { grant = { sdg_goals = \"list\" } }")
            }
            switch provides["functions"] {
            case .nil: break
            case .table(let declared):
                for (key, value) in declared.hash {
                    guard let function = key.stringValue, ModuleName.isValid(function), !function.contains(".") else {
                        throw fail("provides.functions: '\(key.stringValue ?? key.typeName)' is not a function name")
                    }
                    guard case .table(let spec) = value else {
                        throw fail("provides.functions.\(function) must be a table { summary = ..., params = {...}, returns = {...} }")
                    }
                    functions.append(try PluginFunctionDeclaration(spec, plugin: name, function: function, fail: fail))
                }
            default: throw fail("provides.functions must be a table of declarations by name")
            }
        default:
            throw fail("field 'provides' must be a table such as { functions = { ... } }")
        }
        self.functions = functions.sorted { $0.name < $1.name }
        for (format, function) in renderers where !functions.contains(where: { $0.name == "\(name).\(function)" }) {
            throw fail("provides.renderers.\(format) names '\(function)', which is not one of its functions")
        }
        for (format, pair) in formats {
            for function in [pair.export, pair.import].compactMap({ $0 }) where !functions.contains(where: { $0.name == "\(name).\(function)" }) {
                throw fail("provides.formats.\(format) names '\(function)', which is not one of its functions")
            }
        }
    }
}

/// A function a plugin adds: `sdg.tag`, with typed parameters and documentation.
public struct PluginFunctionDeclaration: Sendable, Equatable {
    /// The full name: `sdg.tag`.
    public var name: String
    public var summary: String
    public var parameters: [APIParameter]
    public var results: [APIResult]

    init(_ spec: LuaTable, plugin: String, function: String, fail: (String) -> PluginError) throws(PluginError) {
        name = "\(plugin).\(function)"
        let shown = "provides.functions.\(function)"
        for key in spec.hash.keys where !["summary", "params", "returns"].contains(key.stringValue ?? "") {
            throw fail("\(shown) has no field '\(key.stringValue ?? key.typeName)' (fields: summary, params, returns)")
        }
        guard let summary = spec["summary"].stringValue, !summary.isEmpty else {
            throw fail("\(shown).summary must be a string saying what it does")
        }
        self.summary = summary
        func type(_ value: LuaValue, _ place: String) throws(PluginError) -> APIType {
            guard let text = value.stringValue, let parsed = APIType(parsing: text) else {
                throw fail("\(shown).\(place): '\(value.stringValue ?? value.typeName)' is not a type "
                    + "(integer, number, string, boolean, table, function, any, a type such as Money or Organisation; "
                    + "with ? for optional, [] for a list, | for either)")
            }
            return parsed
        }
        var parameters: [APIParameter] = []
        switch spec["params"] {
        case .nil: break
        case .table(let list) where list.hash.isEmpty:
            for (index, entry) in list.array.enumerated() {
                // { "name", "type", "what it is" }
                guard case .table(let parameter) = entry, let name = parameter[1].stringValue else {
                    throw fail("\(shown).params[\(index + 1)] must be { \"name\", \"type\", \"description\" }")
                }
                parameters.append(APIParameter(name, try type(parameter[2], "params[\(index + 1)]"), parameter[3].stringValue ?? ""))
            }
        default: throw fail("\(shown).params must be a list such as { { \"record\", \"Organisation\", \"what to tag\" } }")
        }
        self.parameters = parameters
        var results: [APIResult] = []
        switch spec["returns"] {
        case .nil: break
        case .table(let list) where list.hash.isEmpty:
            for (index, entry) in list.array.enumerated() {
                guard case .table(let result) = entry else {
                    throw fail("\(shown).returns[\(index + 1)] must be { \"type\", \"description\" }")
                }
                results.append(APIResult(try type(result[1], "returns[\(index + 1)]"), result[2].stringValue ?? ""))
            }
        default: throw fail("\(shown).returns must be a list such as { { \"integer\", \"how many\" } }")
        }
        self.results = results
    }
}

/// A plugin that cannot be used, and why; named so the list can show it.
public struct PluginError: Error, Sendable, Equatable, CustomStringConvertible {
    public let plugin: String
    public let message: String

    public init(plugin: String, _ message: String) {
        self.plugin = plugin
        self.message = message
    }

    public var description: String { "plugin '\(plugin)': \(message)" }
}
