import ComityCore
import Foundation
import HumanReadable
import ComityEngine
import ComityReports
import LuaBridge

/// One thing `comity check` found: where, and what.
public struct CheckFinding: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String

    /// `FILE:LINE: message`, or `FILE: message` for one about the whole file (line 0).
    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// `comity check`: what can be known about a script without running it. Lua compiles
/// it (syntax); then its tokens are read against the API registry: unknown API names,
/// argument counts, literal arguments of the wrong type, and record fields that do not
/// exist where the record's type is known (`grants.create { titel = ... }`, `g.titel`
/// for `local g = grants.get(...)` or `for g in grants.find {...}`). Calls are followed
/// every way the README writes them: global functions (`money(...)`), namespaces
/// (`grants.award(...)`), local aliases (`local g = grants`, `local greet = require
/// "greet"` for a plugin), methods of the API's types (`t:format(...)` for a `Time`),
/// `ctx`'s fields in a workflow's `run`, and the functions a module in `Scripts/`
/// returns (`local h = require "helpers"; h.thank(...)`). It errs on the side of saying
/// nothing: what it cannot know, it does not report.
public struct ScriptCheck {
    public let api: APIRegistry
    /// What a workflow's `on` may name (`DomainSchema.eventNames`).
    public let eventNames: [String]

    /// Where `require` finds a script's modules (a workspace's `Scripts/`), for the
    /// functions a module exports.
    public let moduleRoots: [URL]

    /// The records' fields (custom ones included), for the keys of filters and of what
    /// create and update set.
    public let schema: DomainSchema

    /// The workspace whose workflows a checked script's declaration is read as (its
    /// top level run as `comity workflows` runs it, with no database), so that what only
    /// a read can tell (`limits = { timeout = "0" }`, a schedule that is not cron) is
    /// found too; nil: declarations are only read as tokens.
    public var declarationWorkspace: (folder: URL, timeZone: TimeZone)?

    public init(api: APIRegistry, eventNames: [String] = DomainSchema.standard.eventNames, moduleRoots: [URL] = [],
                schema: DomainSchema = .standard, declarationWorkspace: (folder: URL, timeZone: TimeZone)? = nil) {
        self.api = api
        self.eventNames = eventNames
        self.moduleRoots = moduleRoots
        self.schema = schema
        self.declarationWorkspace = declarationWorkspace
    }

    static let luaGlobals: Set<String> = LuaSandbox.globalNames.union(ScriptGlobals.host).union(["_ENV", "self"])

    public func check(file path: String, shownAs shown: String) -> [CheckFinding] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            return [CheckFinding(file: shown, line: 0, message: "no such file")]
        }
        guard !isFolder.boolValue, let data = FileManager.default.contents(atPath: path) else {
            return [CheckFinding(file: shown, line: 0, message: isFolder.boolValue ? "is a folder, not a Lua file" : "cannot read the file")]
        }
        let source = String(decoding: data, as: UTF8.self)
        // Syntax: Lua's own compiler, in a bare state.
        do {
            let state = try LuaState(memoryLimit: 64 << 20)
            _ = try state.load(Array(data), chunkName: shown)
        } catch {
            let line = Int(error.message.dropFirst(shown.count + 1).prefix { $0.isNumber }) ?? 0
            let message = error.message.hasPrefix(shown + ":") ? String(error.message.drop { $0 != " " }.dropFirst()) : error.message
            return [CheckFinding(file: shown, line: line, message: "syntax: \(message)")]
        }
        let tokens = LuaTokens.tokens(source)
        var reader = Reader(check: self, tokens: tokens, file: shown, spec: shown.hasSuffix("_spec.lua"))
        var findings = reader.findings()
        if let declared = declarationFinding(path: path, shownAs: shown, tokens: tokens),
           !findings.contains(where: { declared.message.contains($0.message) }) {
            findings.append(declared)
        }
        // In the order of the file's lines, whichever pass found them (stable within a line).
        return findings.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
    }

    /// What reading the script's workflow declaration says is wrong with it, at the
    /// line the read names or else the line of `workflow`; nil when nothing is.
    func declarationFinding(path: String, shownAs shown: String, tokens: [LuaToken]) -> CheckFinding? {
        guard let workspace = declarationWorkspace, !shown.hasSuffix("_spec.lua"),
              var message = WorkflowCatalog.declarationProblem(path: path, shownAs: shown, workspace: workspace.folder, schema: schema,
                                                               api: api, timeZone: workspace.timeZone) else { return nil }
        var line = tokens.first { $0.kind == .name && $0.text == "workflow" }?.line ?? 0
        if message.hasPrefix(shown + ":") {
            let rest = message.dropFirst(shown.count + 1)
            let digits = rest.prefix { $0.isNumber }
            if let number = Int(digits), rest.dropFirst(digits.count).hasPrefix(": ") {
                line = number
                message = String(rest.dropFirst(digits.count + 2))
            } else {
                message = String(rest.drop { $0 == " " })
            }
        }
        return CheckFinding(file: shown, line: line, message: message)
    }

    /// The fields a record type's values have (built-in, custom and system).
    func fields(of type: RecordType) -> Set<String> { fields(ofType: type.displayName) }

    /// The fields an API type's values have; empty for a type the registry does not declare.
    func fields(ofType name: String) -> Set<String> {
        Set(api.types.first { $0.name == name }?.fields.map(\.name) ?? [])
    }

    /// The names of the functions module `name` returns, when they can be read from its
    /// file without running it (`return { a = ..., b = ... }`, or a local table given
    /// its functions with `function M.a` / `M.b = ...` and returned); nil otherwise.
    /// Whether `require(name)` finds a file: a module in a root, or a plugin beside it.
    func moduleExists(_ name: String) -> Bool {
        let relative = name.replacingOccurrences(of: ".", with: "/")
        let first = String(name.prefix { $0 != "." })
        return moduleRoots.contains { root in
            ["\(relative).lua", "\(relative)/init.lua"].contains { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
                || FileManager.default.fileExists(atPath: root.deletingLastPathComponent().appendingPathComponent("Plugins/\(first)").path)
        }
    }

    func moduleExports(_ name: String) -> (file: String, names: Set<String>)? {
        guard ModuleName.isValid(name) else { return nil }
        let relative = name.replacingOccurrences(of: ".", with: "/")
        for root in moduleRoots {
            for candidate in ["\(relative).lua", "\(relative)/init.lua"] {
                let file = root.appendingPathComponent(candidate)
                guard let data = FileManager.default.contents(atPath: file.path) else { continue }
                let tokens = LuaTokens.tokens(String(decoding: data, as: UTF8.self))
                return ModuleExports.names(tokens).map { ("\(root.lastPathComponent)/\(candidate)", $0) }
            }
        }
        return nil
    }
}

/// What a module file returns, read from its tokens.
enum ModuleExports {
    static func names(_ tokens: [LuaToken]) -> Set<String>? {
        // The last `return` at the top level (outside every function and block).
        var depth = 0
        var last: Int?
        for (index, t) in tokens.enumerated() where t.kind == .keyword {
            if ["function", "if", "do", "repeat"].contains(t.text) { depth += 1 }
            if ["end", "until"].contains(t.text) { depth -= 1 }
            if t.text == "return", depth == 0 { last = index }
        }
        guard let returned = last, returned + 1 < tokens.count else { return nil }
        let value = tokens[returned + 1]
        if value.text == "{", value.kind == .symbol {
            guard let close = closing(tokens, returned + 1), close == tokens.count - 1 || tokens[close + 1].text == ";" else { return nil }
            return tableKeys(tokens, from: returned + 1, to: close)
        }
        guard value.kind == .name, returned + 2 == tokens.count || tokens[returned + 2].text == ";" else { return nil }
        // `local M = {...}` ... `function M.a()` / `M.a = ...` ... `return M`.
        let table = value.text
        var names: Set<String> = []
        var declared = false
        for (index, t) in tokens.enumerated() where t.kind == .name && t.text == table {
            let before = index > 0 ? tokens[index - 1] : nil
            let after = index + 1 < tokens.count ? tokens[index + 1] : nil
            if before?.text == "." || before?.text == ":" { continue } // another table's field
            if before?.text == "local", after?.text == "=", index + 2 < tokens.count, tokens[index + 2].text == "{", !declared {
                guard let close = closing(tokens, index + 2), let keys = tableKeys(tokens, from: index + 2, to: close) else { return nil }
                names.formUnion(keys)
                declared = true
            } else if after?.text == "." || after?.text == ":", index + 2 < tokens.count, tokens[index + 2].kind == .name {
                let member = tokens[index + 2].text
                let assigned = index + 3 < tokens.count && tokens[index + 3].text == "="
                if before?.text == "function" || assigned { names.insert(member) }
            } else if index == returned + 1 {
                continue
            } else {
                return nil // passed somewhere, indexed with [], or given a metatable: not knowable
            }
        }
        return declared ? names : nil
    }

    /// The names a constructor gives keys (`a = ...`); nil when a key is computed (`[k] =`).
    static func tableKeys(_ tokens: [LuaToken], from open: Int, to close: Int) -> Set<String>? {
        var names: Set<String> = []
        var depth = 0
        for position in open...close {
            let t = tokens[position]
            if t.kind == .symbol, ["(", "{", "["].contains(t.text) {
                if depth == 1, t.text == "[", ["{", ",", ";"].contains(tokens[position - 1].text) { return nil }
                depth += 1
            }
            if t.kind == .symbol, [")", "}", "]"].contains(t.text) { depth -= 1 }
            if t.kind == .keyword, ["function", "if", "do", "repeat"].contains(t.text) { depth += 1 }
            if t.kind == .keyword, ["end", "until"].contains(t.text) { depth -= 1 }
            if depth == 1, t.kind == .name, position + 1 <= close, tokens[position + 1].text == "=",
               ["{", ",", ";"].contains(tokens[position - 1].text) {
                names.insert(t.text)
            }
        }
        return names
    }

    static func closing(_ tokens: [LuaToken], _ open: Int) -> Int? {
        var depth = 0
        for position in open..<tokens.count where tokens[position].kind == .symbol {
            if tokens[position].text == "{" { depth += 1 }
            if tokens[position].text == "}" { depth -= 1; if depth == 0 { return position } }
        }
        return nil
    }
}

private struct Reader {
    let check: ScriptCheck
    let tokens: [LuaToken]
    let file: String
    let spec: Bool
    var results: [CheckFinding] = []

    init(check: ScriptCheck, tokens: [LuaToken], file: String, spec: Bool) {
        self.check = check
        self.tokens = tokens
        self.file = file
        self.spec = spec
    }

    func token(_ index: Int) -> LuaToken? { tokens.indices.contains(index) ? tokens[index] : nil }
    func isSymbol(_ index: Int, _ text: String) -> Bool { token(index).map { $0.kind == .symbol && $0.text == text } ?? false }

    mutating func report(_ line: Int, _ message: String) { results.append(CheckFinding(file: file, line: line, message: message)) }

    mutating func findings() -> [CheckFinding] {
        let functions = Dictionary(check.api.functions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let namespaces = Set(check.api.functions.compactMap { $0.name.split(separator: ".").count == 2 ? String($0.name.split(separator: ".")[0]) : nil })
        let apiGlobals = Set(check.api.functions.filter { !$0.name.contains(".") }.map(\.name))
        let collections = Dictionary(uniqueKeysWithValues: RecordType.allCases.map { ($0.collection, $0) })
        // Names the script binds itself: locals, parameters, loop variables, globals it
        // assigns or defines (anywhere in the file: scopes are not followed).
        var bound: Set<String> = []
        // How often each name is bound: an alias is followed only when bound once.
        var bindings: [String: Int] = [:]
        func bind(_ name: String) {
            bound.insert(name)
            bindings[name, default: 0] += 1
        }
        for (index, current) in tokens.enumerated() {
            let previous = token(index - 1)
            switch current.kind == .keyword ? current.text : "" {
            case "local", "for":
                // `local a, b` / `local function f` / `for k, v in`
                var position = index + 1
                if token(position)?.text == "function" { position += 1 }
                while let name = token(position), name.kind == .name {
                    bind(name.text)
                    guard isSymbol(position + 1, ",") else { break }
                    position += 2
                }
            case "function":
                // `function f(a, b)`, `function t.f(a)`, `function(a, ...)`: the first name
                // of the header, and the parameters.
                var position = index + 1
                if let name = token(position), name.kind == .name, !isSymbol(position + 1, ".") && !isSymbol(position + 1, ":") {
                    bind(name.text)
                }
                while let t = token(position), t.text != "(" { position += 1 }
                while let t = token(position), t.text != ")" {
                    if t.kind == .name { bind(t.text) }
                    position += 1
                }
            default:
                break
            }
            if current.kind == .name, isSymbol(index + 1, "="), !(previous.map { $0.text == "." || $0.text == ":" } ?? false),
               previous?.text != "local" {
                bind(current.text)
            }
        }
        // Aliases, bound once: `local g = grants`, `local greet = require "greet"` (a
        // plugin's namespace), `local h = require "helpers"` (a module in Scripts/).
        var aliases: [String: String] = [:]
        var modules: [String: (name: String, file: String, names: Set<String>)] = [:]
        for (index, current) in tokens.enumerated() where current.kind == .name && token(index - 1)?.text == "local"
            && isSymbol(index + 1, "=") && bindings[current.text] == 1 {
            guard let value = token(index + 2), value.kind == .name, !bound.contains(value.text) else { continue }
            if namespaces.contains(value.text), !(token(index + 3).map { [".", ":", "(", "[", "{"].contains($0.text) || $0.kind == .string } ?? false) {
                aliases[current.text] = value.text
            } else if value.text == "require", let required = Self.requiredName(tokens, after: index + 2) {
                if namespaces.contains(required) {
                    aliases[current.text] = required
                } else if let exports = check.moduleExports(required) {
                    modules[current.text] = (required, exports.file, exports.names)
                }
            }
        }
        // `require "name"` of a module that is neither in Scripts/ nor a plugin's.
        if !check.moduleRoots.isEmpty && !bound.contains("require") {
            for (index, current) in tokens.enumerated() where current.kind == .name && current.text == "require"
                && !(token(index - 1).map { [".", ":"].contains($0.text) } ?? false) {
                guard let required = Self.requiredName(tokens, after: index), !namespaces.contains(required),
                      ModuleName.isValid(required), !check.moduleExists(required) else { continue }
                report(current.line, "module '\(required)' not found: no Scripts/\(required.replacingOccurrences(of: ".", with: "/")).lua and no plugin of that name")
            }
        }
        // `ctx` is what a workflow's `run = function(ctx)` is given.
        var contexts: Set<String> = []
        for (index, current) in tokens.enumerated() where current.text == "run" && isSymbol(index + 1, "=")
            && token(index + 2)?.text == "function" && isSymbol(index + 3, "(") {
            if let name = token(index + 4), name.kind == .name, bindings[name.text] == 1 { contexts.insert(name.text) }
        }
        let contextFields = check.fields(ofType: "Context")
        var known = ScriptCheck.luaGlobals.union(apiGlobals).union(namespaces).union(bound).union(check.api.globals.map(\.name))
        if spec { known.formUnion(check.api.specFunctions.map { String($0.name.prefix { $0 != "." }) }) }
        var recordVariables: [String: RecordType] = [:]
        // Variables holding a value of an API type (`local t = time.now()`), by type name.
        var typedVariables: [String: String] = [:]

        var index = 0
        while index < tokens.count {
            let current = tokens[index]
            defer { index += 1 }
            guard current.kind == .name else { continue }
            let previous = token(index - 1)
            if current.text == "on", previous.map({ $0.text == "{" || $0.text == "," }) ?? false, isSymbol(index + 1, "=") {
                checkEventPatterns(from: index + 2)
                continue
            }
            if previous.map({ $0.text == "." || $0.text == ":" }) ?? false { continue } // a field, not a name
            // `local t = time.now()`: a value of one of the API's types.
            if previous?.text == "local", isSymbol(index + 1, "="), bindings[current.text] == 1,
               let type = resultType(at: index + 2, functions: functions, aliases: aliases, bound: bound) {
                typedVariables[current.text] = type
            }
            if let type = typedVariables[current.text], let member = token(index + 2), member.kind == .name,
               let declaration = check.api.types.first(where: { $0.name == type }) {
                let methods = declaration.methods.map(\.name)
                if isSymbol(index + 1, ":"), !methods.isEmpty, !methods.contains(member.text) {
                    var message = "\(type) has no method '\(member.text)'"
                    if let near = NameSuggestion.closest(to: member.text, among: methods) { message += " (did you mean '\(near)'?)" }
                    report(member.line, message)
                    continue
                }
                let fields = declaration.fields.map(\.name)
                if isSymbol(index + 1, "."), !isSymbol(index + 3, "="), !isSymbol(index + 3, "("), !fields.isEmpty,
                   !fields.contains(member.text) {
                    var message = "\(type) has no field '\(member.text)'"
                    if let near = NameSuggestion.closest(to: member.text, among: fields.sorted()) { message += " (did you mean '\(near)'?)" }
                    report(member.line, message)
                    continue
                }
            }
            if contexts.contains(current.text), isSymbol(index + 1, "."), let member = token(index + 2), member.kind == .name,
               !contextFields.isEmpty {
                if !contextFields.contains(member.text) {
                    var message = "\(current.text) has no field '\(member.text)'"
                    if let near = NameSuggestion.closest(to: member.text, among: contextFields.sorted()) { message += " (did you mean '\(near)'?)" }
                    report(member.line, message)
                    continue
                }
                // One level further where the field is of a declared type: `ctx.trigger.evnt`.
                if isSymbol(index + 3, "."), let inner = token(index + 4), inner.kind == .name, !isSymbol(index + 5, "="),
                   case .named(let typeName)? = check.api.types.first(where: { $0.name == "Context" })?.fields
                       .first(where: { $0.name == member.text })?.type,
                   case let fields = check.fields(ofType: typeName), !fields.isEmpty, !fields.contains(inner.text) {
                    var message = "\(current.text).\(member.text) has no field '\(inner.text)'"
                    if let near = NameSuggestion.closest(to: inner.text, among: fields.sorted()) { message += " (did you mean '\(near)'?)" }
                    report(inner.line, message)
                    continue
                }
            }
            if let module = modules[current.text], isSymbol(index + 1, "."), let member = token(index + 2), member.kind == .name,
               !isSymbol(index + 3, "="), !module.names.contains(member.text) {
                var message = "module '\(module.name)' (\(module.file)) has no field '\(member.text)'"
                if let near = NameSuggestion.closest(to: member.text, among: module.names.sorted()) { message += " (did you mean '\(near)'?)" }
                report(member.line, message)
                continue
            }
            if let function = functions[current.text], !current.text.contains("."), !bound.contains(current.text) {
                checkCall(function, at: index + 1, collections: collections)
                continue
            }
            // Record variables: `local g = grants.get(...)`, `for g in grants.find ...`.
            if previous?.text == "local", isSymbol(index + 1, "="), let collection = token(index + 2)?.text,
               let type = collections[collection], isSymbol(index + 3, "."),
               let verb = token(index + 4)?.text, ["create", "get", "update"].contains(verb) {
                recordVariables[current.text] = type
            } else if previous?.text == "for", token(index + 1)?.text == "in", let collection = token(index + 2)?.text,
                      let type = collections[collection], isSymbol(index + 3, "."), token(index + 4)?.text == "find" {
                recordVariables[current.text] = type
            } else if isSymbol(index + 1, "="), previous?.text != "local" {
                recordVariables[current.text] = nil // assigned something else
            }
            if let type = recordVariables[current.text], isSymbol(index + 1, "."), let field = token(index + 2), field.kind == .name,
               !isSymbol(index + 3, "("), !check.fields(of: type).isEmpty, !check.fields(of: type).contains(field.text) {
                report(field.line, unknownField(field.text, type))
                continue
            }
            let namespace = aliases[current.text] ?? (bound.contains(current.text) ? nil : current.text)
            if let namespace, namespaces.contains(namespace), isSymbol(index + 1, "."),
               let member = token(index + 2), member.kind == .name {
                let name = "\(namespace).\(member.text)"
                guard let function = functions[name] else {
                    let siblings = check.api.functions.map(\.name).filter { $0.hasPrefix(namespace + ".") }
                    var message = "unknown API function '\(name)'"
                    if let near = NameSuggestion.closest(to: name, among: siblings) { message += " (did you mean '\(near)'?)" }
                    report(member.line, message)
                    continue
                }
                checkCall(function, at: index + 3, collections: collections)
                continue
            }
            if !known.contains(current.text), current.kind == .name,
               isSymbol(index + 1, ".") || isSymbol(index + 1, "(") || isSymbol(index + 1, ":") || isSymbol(index + 1, "{") {
                var message = "unknown name '\(current.text)'"
                if let near = NameSuggestion.closest(to: current.text, among: Array(known)) { message += " (did you mean '\(near)'?)" }
                report(current.line, message)
            }
        }
        return results
    }

    /// The module a `require` at `position` names: `require "x"`, `require 'x'`, `require("x")`.
    static func requiredName(_ tokens: [LuaToken], after position: Int) -> String? {
        var at = position + 1
        let parenthesised = at < tokens.count && tokens[at].text == "("
        if parenthesised { at += 1 }
        guard at < tokens.count, tokens[at].kind == .string, let quote = tokens[at].text.first, quote == "\"" || quote == "'",
              tokens[at].text.count >= 2 else { return nil }
        if parenthesised, !(at + 1 < tokens.count && tokens[at + 1].text == ")") { return nil }
        let name = String(tokens[at].text.dropFirst().dropLast())
        return name.contains("\\") ? nil : name
    }

    /// The API type a call at `position` returns (`time.now()`, `g.parse(...)`, `money(...)`),
    /// when its first result is one the registry declares; nil for anything else.
    func resultType(at position: Int, functions: [String: APIFunction], aliases: [String: String], bound: Set<String>) -> String? {
        guard let first = token(position), first.kind == .name else { return nil }
        var name = first.text
        var open = position + 1
        if isSymbol(position + 1, "."), let member = token(position + 2), member.kind == .name {
            guard let namespace = aliases[first.text] ?? (bound.contains(first.text) ? nil : first.text) else { return nil }
            name = "\(namespace).\(member.text)"
            open = position + 3
        } else if bound.contains(first.text) {
            return nil
        }
        guard let function = functions[name], let opening = token(open),
              opening.text == "(" || opening.text == "{" || opening.kind == .string else { return nil }
        // The call must be the whole value: `time.now() + time.days(1)` is left alone.
        let end = opening.kind == .string ? open : matching(open)
        guard let end else { return nil }
        if let next = token(end + 1), next.kind == .symbol && [".", ":", "[", "(", "+", "-", "*", "/", "..", "%", "^", "//"].contains(next.text)
            || next.kind == .keyword && ["and", "or"].contains(next.text) {
            return nil
        }
        var type = function.results.first?.type
        if case .optional(let wrapped) = type { type = wrapped }
        guard case .named(let typeName) = type, check.api.types.contains(where: { $0.name == typeName }) else { return nil }
        return typeName
    }

    /// A declaration's `on = "grant.awarded"` or `on = { "a", "b" }`: each literal name
    /// or pattern must match some event, as the declaration itself checks when it runs.
    mutating func checkEventPatterns(from start: Int) {
        var literals: [LuaToken] = []
        if let single = token(start), single.kind == .string {
            literals = [single]
        } else if isSymbol(start, "{"), let close = matching(start) {
            literals = tokens[(start + 1)..<close].filter { $0.kind == .string }
        }
        for literal in literals where literal.text.count >= 2 && (literal.text.first == "\"" || literal.text.first == "'") {
            let pattern = String(literal.text.dropFirst().dropLast())
            guard !pattern.contains("\\"), !check.eventNames.contains(where: { EventPattern.matches(pattern, $0) }) else { continue }
            var message = "'on' pattern '\(pattern)' matches no event"
            if let near = NameSuggestion.closest(to: pattern, among: check.eventNames) { message += " (did you mean '\(near)'?)" }
            report(literal.line, message)
        }
    }

    enum Literal { case string, number, integer, boolean, table, function, `nil` }

    /// Checks the call that starts at `open` (the token after the function's name).
    mutating func checkCall(_ function: APIFunction, at open: Int, collections: [String: RecordType]) {
        guard let first = token(open) else { return }
        var arguments: [[LuaToken]] = []
        if first.kind == .string {
            arguments = [[first]]
        } else if first.text == "{" {
            guard let end = matching(open) else { return }
            arguments = [Array(tokens[open...end])]
        } else if first.text == "(" {
            guard let end = matching(open) else { return }
            var current: [LuaToken] = []
            var depth = 0
            for position in (open + 1)..<end {
                let t = tokens[position]
                if t.kind == .symbol, ["(", "{", "["].contains(t.text) { depth += 1 }
                if t.kind == .symbol, [")", "}", "]"].contains(t.text) { depth -= 1 }
                if t.kind == .keyword, ["function", "if", "do", "repeat"].contains(t.text) { depth += 1 }
                if t.kind == .keyword, ["end", "until"].contains(t.text) { depth -= 1 }
                if depth == 0, t.kind == .symbol, t.text == "," {
                    arguments.append(current)
                    current = []
                } else {
                    current.append(t)
                }
            }
            if !current.isEmpty || !arguments.isEmpty { arguments.append(current) }
        } else {
            return // not called here (passed as a value)
        }
        let line = first.line
        if arguments.count > function.parameters.count {
            report(line, "too many arguments to '\(function.name)' (expected at most \(function.parameters.count), got \(arguments.count))")
            return
        }
        // The last argument may be a call or `...` giving several values: then the count is unknown.
        let open = arguments.last.map { $0.contains { $0.text == "(" || $0.text == "..." } } ?? false
        if !open, let missing = function.parameters.dropFirst(arguments.count).first(where: { !$0.type.isOptional }) {
            let number = (function.parameters.firstIndex(of: missing) ?? 0) + 1
            report(line, "missing argument #\(number) '\(missing.name)' (\(missing.type)) to '\(function.name)'")
            return
        }
        for (offset, argument) in arguments.enumerated() {
            guard let literal = Self.literal(argument), !Self.accepts(function.parameters[offset].type, literal) else { continue }
            report(line, "bad argument #\(offset + 1) to '\(function.name)' (\(function.parameters[offset].type) expected, got \(Self.name(literal, argument)))")
        }
        // Fields of a record written with create or update.
        let parts = function.name.split(separator: ".").map(String.init)
        if parts.count == 2, let type = collections[parts[0]], ["create", "update"].contains(parts[1]) {
            let table = parts[1] == "create" ? arguments.first : (arguments.count > 1 ? arguments[1] : nil)
            if let table, table.first?.text == "{" { checkFields(table, of: type) }
        }
        if parts.count == 2, let type = collections[parts[0]], ["find", "count"].contains(parts[1]),
           let table = arguments.first, table.first?.text == "{", Self.literal(table) == .table {
            checkFilters(table, of: type, options: parts[1] == "count" ? ["order_by", "archived", "by"] : ["order_by", "limit", "archived"])
        }
        // A declaration's fields (`workflow { naem = ... }`, `report { titel = ... }`), in the run's words.
        if ["workflow", "report"].contains(function.name), let table = arguments.first, table.first?.text == "{",
           Self.literal(table) == .table, ModuleExports.tableKeys(table, from: 0, to: table.count - 1) != nil {
            let known = function.name == "workflow" ? WorkflowDeclaration.knownFields : ReportDocument.documentFields
            for position in Self.namedKeys(table) where !known.contains(table[position].text) {
                let name = table[position].text
                report(table[position].line, function.name == "workflow" ? WorkflowDeclaration.unknownField(name) : ReportDocument.unknownField(name))
            }
        }
        // mail.send's fields, when given as a literal table.
        if function.name == "mail.send", let table = arguments.first, table.first?.text == "{", Self.literal(table) == .table,
           ModuleExports.tableKeys(table, from: 0, to: table.count - 1) != nil {
            for position in Self.namedKeys(table) where !MailAPI.fields.contains(table[position].text) {
                report(table[position].line, MailAPI.unknownField(table[position].text))
            }
        }
        // sum's filters are its `where = { ... }`.
        if parts.count == 2, let type = collections[parts[0]], parts[1] == "sum", let table = arguments.first, table.first?.text == "{",
           let at = table.indices.first(where: { $0 > 0 && table[$0].text == "where" && table[$0].kind == .name
                                                && $0 + 2 < table.count && table[$0 + 1].text == "=" && table[$0 + 2].text == "{" }),
           let close = matching(table, at + 2) {
            checkFilters(Array(table[(at + 2)...close]), of: type, options: ["archived"])
        }
    }

    /// The keys of a literal filter table, as the runtime reads them (RecordBindings.query):
    /// fields, their suffixed comparisons, conditions through a link, `order_by`'s field.
    /// Unknown ones get the runtime's own message and candidates.
    mutating func checkFilters(_ table: [LuaToken], of type: RecordType, options: Set<String>) {
        let recordSchema = check.schema[type]
        var known = Set(recordSchema.fields.map(\.name))
        known.formUnion(recordSchema.derivedFields.map(\.name))
        known.formUnion(["id", "created_at", "updated_at"])
        if recordSchema.lifecycle != nil { known.insert("status") }
        let suffixes = ["_after", "_before", "_min", "_max", "_contains", "_prefix", "_currency"]
        func unknown(_ name: String, _ line: Int) {
            let error = recordSchema.unknownField(name)
            var message = recordSchema.unknownFieldMessage(name)
            if let near = NameSuggestion.closest(to: name, among: error.candidates) { message += " (did you mean '\(near)'?)" }
            report(line, message)
        }
        for position in Self.namedKeys(table) {
            let t = table[position]
            let name = t.text
            let value = position + 2 < table.count ? table[position + 2] : nil
            if options.contains(name) {
                if name == "order_by", let value, value.kind == .string, let text = Self.unquoted(value.text),
                   position + 3 < table.count, [",", ";", "}"].contains(table[position + 3].text) {
                    let field = text.drop { $0 == "-" }
                    if !field.isEmpty, !known.contains(String(field)) { unknown(String(field), value.line) }
                }
                continue
            }
            if name == "limit" { report(t.line, "\(type.collection).count takes no limit (it counts every match); use \(type.collection).find { ..., limit = n } to read only n records"); continue }
            if known.contains(name) {
                // Conditions on the linked record: `funder = { country = "DE" }`.
                if let value, value.text == "{", let definition = recordSchema.field(named: name),
                   let close = matching(table, position + 2), position + 4 < close, table[position + 3].kind == .name,
                   table[position + 4].text == "=" {
                    switch definition.type {
                    case .reference(let target), .references(let target):
                        checkFilters(Array(table[(position + 2)...close]), of: target, options: [])
                    default: break
                    }
                }
                continue
            }
            if let suffix = suffixes.first(where: { name.hasSuffix($0) }), known.contains(String(name.dropLast(suffix.count))) { continue }
            unknown(name, t.line)
        }
    }

    /// The index of the bracket closing the one at `open` in `tokens`.
    func matching(_ tokens: [LuaToken], _ open: Int) -> Int? {
        var depth = 0
        for position in open..<tokens.count where tokens[position].kind == .symbol {
            if ["(", "{", "["].contains(tokens[position].text) { depth += 1 }
            if [")", "}", "]"].contains(tokens[position].text) { depth -= 1; if depth == 0 { return position } }
        }
        return nil
    }

    /// A short string literal's text without its quotes.
    static func unquoted(_ text: String) -> String? {
        guard text.count >= 2, let first = text.first, first == "\"" || first == "'", !text.contains("\\") else { return nil }
        return String(text.dropFirst().dropLast())
    }

    /// The positions of a table constructor's `name = value` keys at its own level
    /// (`table` runs from its `{` to its `}`), in order: what checkFilters, checkFields
    /// and mail.send's check read.
    static func namedKeys(_ table: [LuaToken]) -> [Int] {
        var keys: [Int] = []
        var depth = 0
        for (position, t) in table.enumerated() {
            if t.kind == .symbol, ["(", "{", "["].contains(t.text) { depth += 1 }
            if t.kind == .symbol, [")", "}", "]"].contains(t.text) { depth -= 1 }
            if t.kind == .keyword, ["function", "if", "do", "repeat"].contains(t.text) { depth += 1 }
            if t.kind == .keyword, ["end", "until"].contains(t.text) { depth -= 1 }
            if depth == 1, t.kind == .name, position + 1 < table.count, table[position + 1].text == "=",
               position > 0, ["{", ",", ";"].contains(table[position - 1].text) {
                keys.append(position)
            }
        }
        return keys
    }

    mutating func checkFields(_ table: [LuaToken], of type: RecordType) {
        let fields = check.fields(of: type)
        guard !fields.isEmpty else { return }
        for position in Self.namedKeys(table) {
            let t = table[position]
            if check.schema[type].derivedField(named: t.text) != nil {
                report(t.line, check.schema[type].unknownFieldMessage(t.text)) // derived: read, never set
            } else if !fields.contains(t.text) {
                report(t.line, unknownField(t.text, type))
            }
        }
    }

    func unknownField(_ field: String, _ type: RecordType) -> String {
        var message = "\(type.displayName) has no field '\(field)'"
        if let near = NameSuggestion.closest(to: field, among: check.fields(of: type).sorted()) { message += " (did you mean '\(near)'?)" }
        return message
    }

    /// The index of the bracket that closes the one at `open`.
    func matching(_ open: Int) -> Int? {
        guard let opening = token(open) else { return nil }
        let closing = opening.text == "(" ? ")" : opening.text == "{" ? "}" : "]"
        var depth = 0
        for position in open..<tokens.count where tokens[position].kind == .symbol {
            if tokens[position].text == opening.text { depth += 1 }
            if tokens[position].text == closing { depth -= 1; if depth == 0 { return position } }
        }
        return nil
    }

    /// The kind of an argument written as a single literal; nil for anything else.
    static func literal(_ argument: [LuaToken]) -> Literal? {
        guard let first = argument.first else { return nil }
        if first.text == "{", argument.last?.text == "}" {
            // One constructor, not `{...}` followed by more (`{ } .. x`).
            var depth = 0
            for (position, t) in argument.enumerated() where t.kind == .symbol {
                if t.text == "{" { depth += 1 }
                if t.text == "}" { depth -= 1; if depth == 0 && position != argument.count - 1 { return nil } }
            }
            return .table
        }
        if first.text == "function", argument.last?.text == "end" { return .function }
        let tokens = first.text == "-" ? Array(argument.dropFirst()) : argument
        guard tokens.count == 1, let only = tokens.first else { return nil }
        switch only.kind {
        case .string: return .string
        case .number: return only.text.contains(".") || only.text.lowercased().contains("e") && !only.text.lowercased().hasPrefix("0x") ? .number : .integer
        case .keyword where only.text == "true" || only.text == "false": return .boolean
        case .keyword where only.text == "nil": return .nil
        default: return nil
        }
    }

    static func accepts(_ type: APIType, _ literal: Literal) -> Bool {
        switch type {
        case .any: return true
        case .optional(let wrapped): return literal == .nil || accepts(wrapped, literal)
        case .oneOf(let options): return options.contains { accepts($0, literal) }
        case .integer: return literal == .integer
        case .number: return literal == .integer || literal == .number
        case .string: return literal == .string || literal == .integer || literal == .number
        case .boolean: return literal == .boolean
        case .table, .list: return literal == .table
        case .function, .callable: return literal == .function
        // The API's own types (Money, Time, records) are made by its functions; a few take
        // text or tables too, so only what can never be one is reported.
        case .named: return literal != .nil && literal != .boolean && literal != .function
        }
    }

    /// As the runtime names a wrong argument: a number that should be an integer with its
    /// value (`number (2.5)`, LuaFunction's words), anything else by its type.
    static func name(_ literal: Literal, _ argument: [LuaToken]) -> String {
        if literal == .number { return "number (" + argument.map(\.text).joined() + ")" }
        return name(literal)
    }

    static func name(_ literal: Literal) -> String {
        switch literal {
        case .string: "string"
        case .number, .integer: "number"
        case .boolean: "boolean"
        case .table: "table"
        case .function: "function"
        case .nil: "nil"
        }
    }
}
