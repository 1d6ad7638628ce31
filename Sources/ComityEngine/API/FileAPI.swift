import CSV
import ComityCore
import Foundation
import LuaBridge

/// Files a script may read: only those in the workspace's `inbox/` folder, through
/// `inbox`, `csv` and `json`. Moving a file (`inbox.move`) waits for the run's commit,
/// so a run that fails leaves its files where they were, to be taken again.
enum FileAPI {
    static var functions: [APIFunction] {
        [
            APIFunction(
                "inbox.files", summary: "The names of the files in the workspace's `inbox/` folder (not in its subfolders), sorted.",
                results: [APIResult(.list(.string), "File names, such as `applications-2021-01.csv`.")],
                implementation: { call, context in
                    let root = try inbox(context, for: "inbox.files")
                    let names = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter { name in
                        var folder: ObjCBool = false
                        return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &folder)
                            && !folder.boolValue
                    }.sorted()
                    return try call.returning(.table(LuaTable(array: names.map { .string(LuaString($0)) })))
                }),
            APIFunction(
                "inbox.move",
                summary: "Moves a file of `inbox/` into a subfolder of it (`inbox.move(name, \"processed\")`) when the run commits; nothing moves if the run fails or is a dry run.",
                parameters: [APIParameter("name", .string, "The file, as `inbox.files()` names it."),
                             APIParameter("folder", .string, "A subfolder of `inbox/`, made when missing.")],
                implementation: { call, context in
                    let source = try file(context, try call.string(1), for: "inbox.move")
                    let folder = try call.string(2)
                    guard !folder.isEmpty, !folder.contains("/"), !folder.hasPrefix(".") else {
                        throw LuaArgumentError(index: 2, problem: "a subfolder name of inbox/ expected, such as \"processed\"")
                    }
                    guard FileManager.default.fileExists(atPath: source.path) else {
                        throw LuaScriptError("inbox.move: no file '\(try call.string(1))' in inbox/")
                    }
                    let target = try inbox(context, for: "inbox.move").appendingPathComponent(folder)
                    context.pendingMoves.append((source, target.appendingPathComponent(source.lastPathComponent)))
                    return LuaResults(count: 0)
                }),
            APIFunction(
                "csv.read",
                summary: "The rows of a CSV file in `inbox/`, each a table of its cells by column title, with `_line`, the line it starts on. Read with CSV.swift.",
                parameters: [APIParameter("name", .string, "The file, inside `inbox/`.")],
                results: [APIResult(.list(.table), "The rows.")],
                implementation: { call, context in
                    let path = try file(context, try call.string(1), for: "csv.read").path
                    let (header, rows): ([String], [RecordImport.Row])
                    do {
                        (header, rows) = try ExchangeFile.read(path, format: .csv)
                    } catch {
                        throw LuaScriptError("csv.read: \(error)")
                    }
                    let tables: [LuaValue] = rows.map { row in
                        var table = LuaTable(hash: ["_line": .integer(Int64(row.line))])
                        for (column, cell) in zip(header, row.cells) { table[column] = .string(LuaString(cell)) }
                        return .table(table)
                    }
                    return try call.returning(.table(LuaTable(array: tables)))
                }),
            APIFunction(
                "json.read", summary: "The value in a JSON file in `inbox/` (objects become tables; null becomes nil).",
                parameters: [APIParameter("name", .string, "The file, inside `inbox/`.")],
                results: [APIResult(.any, "The value.")],
                implementation: { call, context in
                    let url = try file(context, try call.string(1), for: "json.read")
                    guard let data = FileManager.default.contents(atPath: url.path) else {
                        throw LuaScriptError("json.read: cannot read '\(try call.string(1))' in inbox/")
                    }
                    return try call.returning(try JSONValue.decode(data, source: try call.string(1)))
                }),
            APIFunction(
                "json.decode", summary: "The value of JSON text (objects become tables; null becomes nil).",
                parameters: [APIParameter("text", .string, "JSON text.")],
                results: [APIResult(.any, "The value.")],
                implementation: { call, _ in
                    try call.returning(try JSONValue.decode(Data(try call.bytes(1)), source: "json.decode"))
                }),
            APIFunction(
                "json.encode",
                summary: "JSON text of a value: tables with only 1..n become arrays, others objects (string keys); Money, Time and Duration as their text.",
                parameters: [APIParameter("value", .any, "What to encode."), APIParameter("pretty", .optional(.boolean), "Indented, with sorted keys.")],
                results: [APIResult(.string, "The JSON text.")],
                implementation: { call, context in
                    let value = try call.value(1)
                    let state = call.state
                    let object = try JSONValue.object(value) { context.types.text(of: $0, in: state) }
                    var options: JSONSerialization.WritingOptions = [.fragmentsAllowed, .withoutEscapingSlashes]
                    if call.boolean(2) { options.formUnion([.prettyPrinted, .sortedKeys]) }
                    let data = try JSONSerialization.data(withJSONObject: object, options: options)
                    return try call.returning(String(decoding: data, as: UTF8.self))
                }),
        ]
    }

    /// The workspace's `inbox/` (resolved), or an error naming the function.
    static func inbox(_ context: APIContext, for function: String) throws -> URL {
        guard let inbox = context.inbox else { throw LuaScriptError("'\(function)' needs a workspace, and this run has none") }
        return inbox.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// A file inside `inbox/`: no absolute paths, no `..`, no link leading out.
    static func file(_ context: APIContext, _ name: String, for function: String) throws -> URL {
        let root = try inbox(context, for: function)
        guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
            throw LuaArgumentError(index: 1, problem: "a file inside inbox/ expected, got '\(name)'")
        }
        let url = root.appendingPathComponent(name).standardizedFileURL.resolvingSymlinksInPath()
        guard url.path.hasPrefix(root.path + "/") else {
            throw LuaScriptError("\(function): '\(name)' leads outside inbox/; scripts read files in inbox/ only")
        }
        return url
    }
}

/// JSON to and from Lua values.
enum JSONValue {
    static func decode(_ data: Data, source: String) throws -> LuaValue {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw LuaScriptError("\(source): not JSON (\(error.localizedDescription))")
        }
        return lua(parsed)
    }

    private static func lua(_ value: Any) -> LuaValue {
        switch value {
        case let text as String: return .string(LuaString(text))
        case let number as NSNumber:
            // JSON's true and false arrive as NSNumber; tell them by their type.
            if String(cString: number.objCType) == "c" { return .boolean(number.boolValue) }
            if let integer = Int64(exactly: number.doubleValue), !number.stringValue.contains(".") { return .integer(integer) }
            return .number(number.doubleValue)
        case let list as [Any]: return .table(LuaTable(array: list.map(lua)))
        case let object as [String: Any]:
            var table = LuaTable()
            for (key, element) in object where !(element is NSNull) { table[key] = lua(element) }
            return .table(table)
        default: return .nil
        }
    }

    /// The Foundation object for a Lua value; `userdata` turns API objects into text.
    static func object(_ value: LuaValue, depth: Int = 0, userdata: (LuaValue) -> String?) throws -> Any {
        guard depth < 64 else { throw LuaScriptError("json.encode: nested deeper than 64 levels") }
        switch value {
        case .nil: return NSNull()
        case .boolean(let b): return b
        case .integer(let i): return i
        case .number(let d):
            guard d.isFinite else { throw LuaScriptError("json.encode: \(d) has no JSON form") }
            return d
        case .string(let s): return s.description
        case .table(let table):
            if table.hash.isEmpty { return try table.array.map { try object($0, depth: depth + 1, userdata: userdata) } }
            var result: [String: Any] = [:]
            for (index, element) in table.array.enumerated() { result[String(index + 1)] = try object(element, depth: depth + 1, userdata: userdata) }
            for (key, element) in table.hash {
                guard let name = key.stringValue ?? key.integerValue.map(String.init) else {
                    throw LuaScriptError("json.encode: object keys must be strings, got a \(key.typeName)")
                }
                result[name] = try object(element, depth: depth + 1, userdata: userdata)
            }
            return result
        case .userdata:
            if let text = userdata(value) { return text }
            throw LuaScriptError("json.encode: a \(value.typeName) has no JSON form")
        default:
            throw LuaScriptError("json.encode: a \(value.typeName) has no JSON form")
        }
    }
}
