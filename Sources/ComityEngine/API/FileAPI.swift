import CLuaShim
import CSV
import ComityCore
import ComityExchange
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
                summary: "Moves a file of `inbox/` into a subfolder of it (`inbox.move(name, \"processed\")`) when the run commits; nothing moves if the run fails or is a dry run. A name taken there gets a number; a subfolder that is a link leading out of `inbox/` is refused.",
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
                    let root = try inbox(context, for: "inbox.move")
                    let target = root.appendingPathComponent(folder)
                    // A subfolder that is a link leading out would take the file out of inbox/.
                    if let problem = outside(target, root: root) {
                        throw LuaScriptError("inbox.move: '\(folder)' \(problem); files move only into subfolders of inbox/")
                    }
                    context.pendingMoves.append((source, target.appendingPathComponent(source.lastPathComponent), root))
                    return LuaResults(count: 0)
                }),
            APIFunction(
                "csv.read",
                summary: "The rows of a CSV file in `inbox/`, each a table of its cells by column title, with `_line`, the line it starts on. Read with CSV.swift.",
                parameters: [APIParameter("name", .string, "The file, inside `inbox/`.")],
                results: [APIResult(.list(.table), "The rows.")],
                implementation: { call, context in
                    let name = try call.string(1)
                    let url = try file(context, name, for: "csv.read")
                    let state = call.state
                    let work = state.hostWork()
                    defer { work.finish() }
                    let data = try InboxRead.data(url, shownAs: name, for: "csv.read", context: context, work: work)
                    guard String(data: data, encoding: .utf8) != nil else {
                        throw LuaScriptError("csv.read: \(url.path) is not UTF-8 text (save it as UTF-8 CSV)")
                    }
                    // Rows are counted against the memory cap as they are read; the parser
                    // stops when a limit is hit.
                    var tables: [LuaValue] = []
                    do {
                        _ = try ExchangeFile.forEachCSVRow(data, path: url.path, stop: { state.limitHit != nil }) { header, row in
                            try work.charge(row.cells.reduce(160) { $0 + $1.utf8.count + 80 })
                            var table = LuaTable(hash: ["_line": .integer(Int64(row.line))])
                            for (column, cell) in zip(header, row.cells) { table[column] = .string(LuaString(cell)) }
                            tables.append(.table(table))
                        }
                    } catch let limit as LuaError {
                        throw limit
                    } catch {
                        try work.check() // the parser stopped because a limit was hit
                        throw LuaScriptError("csv.read: \(error)")
                    }
                    return try call.returning(.table(LuaTable(array: tables)))
                }),
            APIFunction(
                "json.read", summary: "The value in a JSON file in `inbox/` (objects become tables; null becomes nil).",
                parameters: [APIParameter("name", .string, "The file, inside `inbox/`.")],
                results: [APIResult(.any, "The value.")],
                implementation: { call, context in
                    let name = try call.string(1)
                    let url = try file(context, name, for: "json.read")
                    let work = call.state.hostWork()
                    defer { work.finish() }
                    let data = try InboxRead.data(url, shownAs: name, for: "json.read", context: context, work: work)
                    return try JSONValue.decode(data, source: name, call)
                }),
            APIFunction(
                "json.decode", summary: "The value of JSON text (objects become tables; null becomes nil).",
                parameters: [APIParameter("text", .string, "JSON text.")],
                results: [APIResult(.any, "The value.")],
                implementation: { call, _ in
                    var length = 0
                    guard let text = comity_tolstring_raw(call.pointer, 1, &length) else {
                        throw LuaArgumentError(index: 1, problem: "string expected, got \(call.typeName(1))")
                    }
                    // Read in place: the text stays on the stack while it is decoded.
                    return try JSONValue.decode(UnsafeRawBufferPointer(start: text, count: length), source: "json.decode", call)
                }),
            APIFunction(
                "json.encode",
                summary: "JSON text of a value: tables with only 1..n become arrays, others objects (string keys); Money, Time and Duration as their text.",
                parameters: [APIParameter("value", .any, "What to encode."), APIParameter("pretty", .optional(.boolean), "Indented, with sorted keys.")],
                results: [APIResult(.string, "The JSON text.")],
                implementation: { call, context in
                    let state = call.state
                    let work = state.hostWork()
                    defer { work.finish() }
                    let value = try call.value(1) // the copy counts against the memory cap as it is made
                    var writer = JSONWriter(work: work, pretty: call.boolean(2)) { context.types.text(of: $0, in: state) }
                    try writer.write(value)
                    try writer.finish()
                    return try call.returning(.string(LuaString(bytes: writer.text)))
                }),
        ]
    }

    /// The workspace's `inbox/` (resolved), or an error naming the function.
    static func inbox(_ context: APIContext, for function: String) throws -> URL {
        guard let inbox = context.inbox else { throw LuaScriptError("'\(function)' needs a workspace, and this run has none") }
        return inbox.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// Why `folder` (a path in `root`, which is resolved) leads outside `root` once its
    /// links are followed, or nil when it does not or does not exist yet (it is made
    /// inside). A dangling link counts as leading out: making its folder would follow it.
    static func outside(_ folder: URL, root: URL) -> String? {
        var info = stat()
        guard lstat(folder.path, &info) == 0 else { return nil }
        guard let resolved = realpath(folder.path, nil) else { return "is a link to nothing" }
        defer { free(resolved) }
        let path = String(cString: resolved)
        guard path.hasPrefix(root.path + "/") else { return "leads outside inbox/ (to \(path))" }
        var kind = stat()
        guard stat(path, &kind) == 0, kind.st_mode & S_IFMT == S_IFDIR else { return "is not a folder" }
        return nil
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

/// JSON text into Lua values.
enum JSONValue {
    /// Decodes `text` straight into Lua (comity_json.c), pushed as the call's result:
    /// its tables are made in Lua's memory, under the run's cap, and the run's limits
    /// are checked as it goes.
    static func decode(_ text: UnsafeRawBufferPointer, source: String, _ call: borrowing LuaCall) throws -> LuaResults {
        let status = comity_json_decode(call.pointer, text.baseAddress?.assumingMemoryBound(to: CChar.self), text.count)
        guard status == LUA_OK else {
            try call.state.checkLimits()
            throw LuaScriptError("\(source): \(String(cString: comity_error_text(call.pointer)))")
        }
        return LuaResults(count: 1)
    }

    static func decode(_ data: Data, source: String, _ call: borrowing LuaCall) throws -> LuaResults {
        try data.withUnsafeBytes { bytes in try decode(bytes, source: source, call) }
    }
}
