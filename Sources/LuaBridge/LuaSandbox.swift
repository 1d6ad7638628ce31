import CLuaShim
import Foundation

/// A Lua state for one run of an untrusted script: a whitelisted environment, the
/// run's limits, `print` sent to a sink, and `require` that finds `.lua` modules
/// only under the given roots.
///
/// What a script can reach: the safe base functions; `string` without `dump`;
/// `table`, `math`, `utf8`, `coroutine`; and of `os` only `time`, `date`, `clock`,
/// `difftime`. Library tables and the string metatable are read-only, `load` takes
/// text only, `collectgarbage` only counts, and `__gc` metamethods are refused.
/// Each sandbox is a fresh state, so nothing one run does reaches the next.
///
/// The time limit starts when the sandbox is made and ends with ``close()``.
public final class LuaSandbox {
    public let state: LuaState
    public private(set) var limits: LuaLimits
    /// Each root as named (`Plugins`, what chunk names start with, even when the folder
    /// is a link) and resolved (where files must lie).
    private let moduleRoots: [(name: String, url: URL)]
    private let output: (String) -> Void
    private var outputBytes = 0
    /// Modules the host provides, by name (`require "grants"`).
    private var loadedModules: [String: LuaReference] = [:]
    /// Module files loaded in this run, by path.
    private var loadedFiles: [String: LuaReference] = [:]
    private var loadingModules: Set<String> = []
    private var deadline: LuaDeadline?
    private let cancellation: LuaCancellation?

    /// - Parameters:
    ///   - limits: memory, time, instructions and output of the run.
    ///   - moduleRoots: folders `require "a.b"` looks in (for `a/b.lua`, then `a/b/init.lua`).
    ///   - output: receives each line the script prints.
    ///   - cancellation: stops the run from another thread when cancelled.
    public init(
        limits: LuaLimits = .default, moduleRoots: [URL] = [],
        output: @escaping (String) -> Void = { Swift.print($0) }, cancellation: LuaCancellation? = nil
    ) throws(LuaError) {
        self.limits = limits
        self.cancellation = cancellation
        self.moduleRoots = moduleRoots.map { ($0.lastPathComponent, $0.standardizedFileURL.resolvingSymlinksInPath()) }
        self.output = output
        state = try LuaState(memoryLimit: nil)
        try state.openSandbox()
        try installPrint()
        try installRequire()
        state.apply(limits)
        if let time = limits.time { deadline = LuaDeadline(state: state, after: time) }
        cancellation?.register(self)
    }

    deinit {
        deadline?.cancel()
        cancellation?.unregister(self)
    }

    /// Replaces the limits from here on (a workflow's own, declared in the chunk that
    /// just ran): the memory cap, instruction budget and output cap change, and the time
    /// limit starts again.
    public func changeLimits(_ limits: LuaLimits) {
        self.limits = limits
        state.apply(limits)
        deadline?.cancel()
        deadline = limits.time.map { LuaDeadline(state: state, after: $0) }
    }

    /// Stops the time limit's timer. The state stays usable, without a deadline.
    public func close() {
        deadline?.cancel()
        deadline = nil
        cancellation?.unregister(self)
    }

    /// Runs a chunk of script text. Errors name the chunk and line.
    @discardableResult
    public func run(_ source: some Collection<UInt8>, chunkName: String) throws(LuaError) -> [LuaValue] {
        try state.run(source, chunkName: chunkName)
    }

    @discardableResult
    public func run(_ source: String, chunkName: String) throws(LuaError) -> [LuaValue] {
        try state.run(Array(source.utf8), chunkName: chunkName)
    }

    /// Runs a script file; `chunkName` defaults to the path as given.
    @discardableResult
    public func runFile(_ path: String, chunkName: String? = nil, environment: LuaReference? = nil) throws(LuaError) -> [LuaValue] {
        let chunk = try loadFile(path, chunkName: chunkName, environment: environment)
        return try state.call(chunk, [])
    }

    /// Compiles a script file without running it; with `environment`, its globals are
    /// that table instead of the run's.
    public func loadFile(_ path: String, chunkName: String? = nil, environment: LuaReference? = nil) throws(LuaError) -> LuaValue {
        let bytes = try ScriptFile.read(path, shownAs: chunkName ?? path)
        return try state.load(bytes, chunkName: chunkName ?? path, environment: environment)
    }

    // MARK: print

    private func installPrint() throws(LuaError) {
        try state.register("print") { [unowned self] call throws in
            var line: [UInt8] = []
            let count = call.argumentCount
            if count > 0 {
                for index in 1...count {
                    if index > 1 { line.append(0x09) }
                    line.append(contentsOf: try call.shownBytes(index))
                }
            }
            outputBytes += line.count + 1
            if let cap = limits.output, outputBytes > cap {
                comity_host_trip(comity_host_of(call.pointer), LuaLimitKind.output.code)
                throw LuaError(.limit(.output), limits.message(for: .output))
            }
            output(String(decoding: line, as: UTF8.self))
            return .none
        }
    }

    // MARK: require

    /// Makes `require(name)` return the global `global` (a namespace the host installed).
    public func provideModule(_ name: String, fromGlobal global: String) throws(LuaError) {
        try state.withStackRoom(4)
        lua_rawgeti(state.pointer, comity_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        try state.pushString(global)
        lua_rawget(state.pointer, -2) // raw: no metamethod can raise here
        defer { comity_pop(state.pointer, 1) } // the globals table, under the value
        loadedModules[name] = try state.popReference()
    }

    private func installRequire() throws(LuaError) {
        try state.setGlobal("require", requireFunction(roots: nil) { _ in nil })
    }

    /// A `require` for code that may load only some modules (a plugin's own): `filter`
    /// refuses a name with a message, and files are looked for only under `roots`
    /// (nil: the sandbox's own). A file is loaded once per run whichever `require`
    /// asks, in the environment ``moduleEnvironment`` gives it.
    public func requireFunction(roots: [URL]?, filter: @escaping (String) -> String?) throws(LuaError) -> LuaValue {
        let roots = roots?.map { ($0.lastPathComponent, $0.standardizedFileURL.resolvingSymlinksInPath()) }
        return try state.function("require") { [unowned self] call throws in
            let name = try call.string(1)
            if let refusal = filter(name) { throw LuaScriptError(refusal) }
            try state.push(try require(name, roots: roots ?? moduleRoots))
            return LuaResults(count: 1)
        }
    }

    /// The globals a module file runs with, asked as it is first loaded: nil for the
    /// run's own. `file` is where it was found (links not followed). Throwing refuses
    /// the module. Code is bound to where it lives: a plugin's module runs in the
    /// plugin's environment whoever requires it.
    public var moduleEnvironment: ((_ name: String, _ file: URL) throws -> LuaReference?)?

    private func require(_ name: String, roots: [(name: String, url: URL)]) throws -> LuaReference {
        if let provided = loadedModules[name] { return provided }
        guard ModuleName.isValid(name) else {
            throw LuaScriptError("module name '\(name)' is not allowed (use names like 'helpers' or 'reports.totals')")
        }
        let (found, file, shownPath) = try findModule(name, roots: roots)
        // Asked for every require, before the cache: a link may reach a file loaded
        // already, and must be refused all the same.
        let environment = try moduleEnvironment?(name, found)
        if let loaded = loadedFiles[file.path] { return loaded }
        guard !loadingModules.contains(file.path) else {
            throw LuaScriptError("module '\(name)' requires itself (a loop of require calls)")
        }
        loadingModules.insert(file.path)
        defer { loadingModules.remove(file.path) }
        let chunk = try state.load(try ScriptFile.read(file.path, shownAs: shownPath), chunkName: shownPath,
                                   environment: environment)
        var module = try state.callKeepingResult(chunk, [.string(LuaString(name))])
        if try state.value(of: module) == .nil {
            // A module that returns nothing is loaded all the same, as in Lua.
            try state.push(.boolean(true))
            module = try state.popReference()
        }
        loadedFiles[file.path] = module
        return module
    }

    /// Where the module was found, the file that is (links followed), and its name in errors.
    private func findModule(_ name: String, roots moduleRoots: [(name: String, url: URL)]) throws -> (URL, URL, String) {
        let relative = name.replacingOccurrences(of: ".", with: "/")
        var tried: [String] = []
        for (rootName, root) in moduleRoots {
            for candidate in ["\(relative).lua", "\(relative)/init.lua"] {
                let file = root.appendingPathComponent(candidate)
                tried.append(file.path)
                guard FileManager.default.fileExists(atPath: file.path) else { continue }
                let resolved = file.resolvingSymlinksInPath().standardizedFileURL
                guard resolved.path.hasPrefix(root.path + "/") else {
                    throw LuaScriptError("module '\(name)' resolves outside \(root.path) (\(resolved.path)); refused")
                }
                return (file, resolved, "\(rootName)/\(candidate)")
            }
        }
        if moduleRoots.isEmpty { throw LuaScriptError("module '\(name)' not found (require is not available here)") }
        throw LuaScriptError("module '\(name)' not found; looked for:\n\t" + tried.joined(separator: "\n\t"))
    }
}

extension LuaSandbox {
    /// Every global a fresh sandbox has (see the type's documentation), for checks of
    /// scripts and of names that must not shadow them: read from a fresh sandbox, once,
    /// so the list is what the sandbox installs, never a copy of it.
    public static let globalNames: Set<String> = {
        guard let sandbox = try? LuaSandbox(limits: .unlimited, output: { _ in }),
              let names = try? sandbox.state.globalNames() else { return [] }
        sandbox.close()
        return Set(names)
    }()
}

public enum ModuleName {
    /// Dotted identifiers only: no paths, no `..`, nothing that leaves the roots.
    public static func isValid(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            guard let first = part.first, first == "_" || first.isASCII && first.isLetter else { return false }
            return part.allSatisfy { $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }
}

/// Reading script files, with errors that name the file.
public enum ScriptFile {
    /// The file's bytes; errors name it as `shownAs` (the path the user gave).
    public static func read(_ path: String, shownAs name: String? = nil) throws(LuaError) -> [UInt8] {
        runnable(try contents(path, shownAs: name))
    }

    /// The file's bytes as they are on disk (what a run's content hash is of); errors
    /// name it as `shownAs`.
    public static func contents(_ path: String, shownAs name: String? = nil) throws(LuaError) -> Data {
        let name = name ?? path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LuaError(.syntax, "cannot open \(name): no such file")
        }
        if isDirectory.boolValue { throw LuaError(.syntax, "cannot open \(name): it is a folder, not a script") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LuaError(.syntax, "cannot read \(name): permission denied or unreadable")
        }
        return data
    }

    /// A file's bytes as Lua is given them.
    public static func runnable(_ data: Data) -> [UInt8] {
        var bytes = [UInt8](data)
        // A first line starting with '#' (a shebang) is skipped, as lua does; the
        // line count stays the same.
        if bytes.first == UInt8(ascii: "#") {
            let end = bytes.firstIndex(of: 0x0A) ?? bytes.count
            bytes.replaceSubrange(0..<end, with: [])
        }
        return bytes
    }
}
