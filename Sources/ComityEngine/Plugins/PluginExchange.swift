import ComityCore
import ComityExchange
import Foundation
import LuaBridge

/// Import and export through a plugin's format: its Lua functions turn records into text
/// and text into rows, which then go through the same checked import as CSV.
public struct PluginExchange {
    let session: WorkspaceSession
    let plugins: PluginCatalog

    /// A session on the workspace that writes nothing (imports write through `RecordImport`).
    /// - Parameter output: where the plugin's `print` goes (by default standard error,
    ///   with write(2), whose failures are ignored rather than trapped on).
    public init(workspace: URL, store: any Store, api: APIRegistry, plugins: PluginCatalog, timeZone: TimeZone,
                output: @escaping (String) -> Void = { line in
                    let bytes = Array((line + "\n").utf8)
                    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
                }) throws(LuaError) {
        session = try WorkspaceSession(workspace: workspace, store: store, api: api, plugins: plugins, timeZone: timeZone,
                                       write: false, limits: LuaLimits(memory: 1 << 30, time: .seconds(600), output: 1 << 20),
                                       output: output)
        self.plugins = plugins
    }

    func function(_ format: String, _ direction: String) throws -> String {
        guard let pair = plugins.formats[format] else {
            throw PluginError(plugin: "-", "unknown format '\(format)' (formats: "
                + (ExchangeFormat.allCases.map(\.rawValue) + ["360giving"] + plugins.formats.keys.sorted()).joined(separator: ", ")
                + (plugins.formats.isEmpty ? "; no plugin provides one" : "") + ")")
        }
        guard let function = direction == "export" ? pair.export : pair.import else {
            throw PluginError(plugin: "-", "the format '\(format)' has no \(direction) (its plugin provides only the other way)")
        }
        return function
    }

    /// The records of `type` (archived too when asked) as the format's text.
    public func export(_ type: RecordType, format: String, includeArchived: Bool) throws -> String {
        let function = try function(format, "export")
        let source = """
            local records = {}
            for r in \(type.collection).find { \(includeArchived ? "archived = true" : "") } do records[#records + 1] = r end
            return \(function)(records, "\(type.rawValue)")
            """
        let value = try session.value(of: source, chunkName: "=\(function)")
        guard let text = value.stringValue else {
            throw PluginError(plugin: "-", "\(function) returned \(value.typeName), not the exported text")
        }
        return text
    }

    /// The format's text as rows for `RecordImport`: a header (every field any row
    /// has, sorted) and each row's cells, numbered from 1 in the order the plugin gave
    /// them (a rejected row is reported as `FILE:N`, the Nth record read).
    public func rows(_ type: RecordType, format: String, text: String) throws -> (header: [String], rows: [RecordImport.Row]) {
        let function = try function(format, "import")
        let value = try session.value(of: "return \(function)(__comity_input, \"\(type.rawValue)\")",
                                      globals: ["__comity_input": .string(LuaString(text))], chunkName: "=\(function)")
        guard case .table(let list) = value else {
            throw PluginError(plugin: "-", "\(function) returned \(value.typeName), not a list of rows")
        }
        var tables: [[String: String]] = []
        for (index, entry) in list.array.enumerated() {
            guard case .table(let row) = entry else {
                throw PluginError(plugin: "-", "\(function): row \(index + 1) is a \(entry.typeName), not a table of field = value")
            }
            var cells: [String: String] = [:]
            for (key, cell) in row.hash {
                guard let field = key.stringValue else { continue }
                switch cell {
                case .string(let s):
                    // Refused, not decoded with U+FFFD: the bytes are wrong, and the row says where.
                    guard let text = s.text else {
                        throw PluginError(plugin: "-", "\(function): row \(index + 1), field '\(field)' has an invalid byte sequence for UTF-8")
                    }
                    cells[field] = text
                case .integer(let i): cells[field] = String(i)
                case .number(let d): cells[field] = String(d)
                case .boolean(let b): cells[field] = String(b)
                default: throw PluginError(plugin: "-", "\(function): row \(index + 1), field '\(field)' is a \(cell.typeName); give text, a number or a boolean")
                }
            }
            tables.append(cells)
        }
        let header = Set(tables.flatMap(\.keys)).sorted()
        let rows = tables.enumerated().map { index, cells in
            RecordImport.Row(line: index + 1, cells: header.map { cells[$0] ?? "" })
        }
        return (header, rows)
    }
}
