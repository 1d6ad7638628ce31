import CLuaShim
import Foundation

/// One Lua state, owned by Swift. Not thread-safe: use it from one thread at a time.
///
/// Every Lua API call that can raise while Swift is on the stack (allocation,
/// metamethods) goes through a protected C helper, so a Lua error never unwinds
/// through Swift frames; failures come back as thrown ``LuaError``s.
public final class LuaState {
    /// The main thread's `lua_State *`: the state itself, closed with it.
    public let mainThread: OpaquePointer
    /// The thread whose stack the bridge pushes onto and reads from now: the main
    /// thread, or the coroutine whose call into a Swift function is running. Every
    /// push and read goes through it, so a Swift function called inside
    /// `coroutine.wrap` works on the coroutine's stack, never on the main thread's
    /// (which is suspended in `resume` and must not be touched).
    @exclusivity(unchecked) public internal(set) var pointer: OpaquePointer
    var functions: [SwiftFunctionBox] = []
    /// Boxes of functions Lua owns (see ``function(_:releasedBy:_:)``), counted.
    let ownedFunctions = OwnedFunctionCount()
    var userdataBindings: [ObjectIdentifier: AnyObject] = [:]
    /// The limits whose messages this state raises (see ``LuaSandbox``).
    var limits = LuaLimits.unlimited
    /// Bounds on tables copied from Lua into Swift.
    public var conversionLimits = LuaConversionLimits()
    /// Where `pcall` frames get savepoints for what the host writes inside them; nil:
    /// none (a pcall undoes nothing, and costs no call).
    public var savepoints: (any LuaSavepoints)? {
        didSet { comity_scopes_enable(mainThread, savepoints == nil ? 0 : 1) }
    }

    /// A state whose allocator refuses to hold more than `memoryLimit` bytes.
    public init(memoryLimit: Int? = nil) throws(LuaError) {
        guard let state = comity_newstate(memoryLimit.map { size_t(max($0, 0)) } ?? 0) else {
            throw LuaError(.memory, "cannot create a Lua state: out of memory")
        }
        mainThread = state
        pointer = state
        comity_set_owner(state, Unmanaged.passUnretained(self).toOpaque())
        _ = Self.entryInstalled
    }

    deinit {
        comity_close(mainThread)
    }

    /// Installs the trampolines' Swift entry, once per process.
    private static let entryInstalled: Bool = {
        comity_set_swift_entry(swiftFunctionEntry)
        comity_set_swift_owned_entry(swiftOwnedFunctionEntry)
        comity_set_savepoint_function(swiftSavepointEntry)
        return true
    }()

    /// The state that owns a `lua_State *` made by this bridge.
    static func owner(of L: OpaquePointer) -> LuaState {
        Unmanaged<LuaState>.fromOpaque(comity_owner(L)).takeUnretainedValue()
    }

    // MARK: Libraries

    /// Opens every standard library, as `luaL_openlibs` does. Only for trusted code:
    /// scripts get ``LuaSandbox`` instead.
    public func openStandardLibraries() throws(LuaError) {
        try check(comity_open_all_libraries(pointer))
    }

    /// Replaces the global table with the sandbox's whitelist (see ``LuaSandbox``).
    public func openSandbox() throws(LuaError) {
        try check(comity_open_sandbox(pointer, .random(in: .min ... .max), .random(in: .min ... .max)))
    }

    /// Makes the global table `name` read-only: a script (or a plugin) can call what is
    /// in it but not replace or wrap it.
    public func protectGlobalTable(_ name: String) throws(LuaError) {
        try check(name.withCString { comity_readonly_global(pointer, $0) })
    }

    // MARK: Memory and limits

    /// Bytes Lua holds now.
    public var memoryUsed: Int { Int(comity_memory_used(pointer)) }
    /// The most bytes Lua held at once.
    public var memoryPeak: Int { Int(comity_memory_peak(pointer)) }
    /// The limit this state has hit, if any; once hit, the state should be closed.
    public var limitHit: LuaLimitKind? { LuaLimitKind(code: comity_limit_hit(pointer)) }

    func apply(_ limits: LuaLimits) {
        self.limits = limits
        comity_set_memory_limit(pointer, limits.memory.map { size_t(max($0, 0)) } ?? 0)
        comity_set_instruction_limit(pointer, limits.instructions ?? 0)
        for kind in LuaLimitKind.allCases {
            comity_set_limit_message(pointer, kind.code, limits.message(for: kind))
        }
    }

    // MARK: Globals

    /// Sets a global, without metamethods.
    public func setGlobal(_ name: String, _ value: LuaValue) throws(LuaError) {
        try withStackRoom(4)
        lua_rawgeti(pointer, comity_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        defer { comity_pop(pointer, 1) }
        try pushString(name)
        do {
            try push(value)
        } catch {
            comity_pop(pointer, 1)
            throw error
        }
        try check(comity_p_rawset(pointer, -3))
    }

    /// Reads a global, without metamethods.
    public func global(_ name: String) throws(LuaError) -> LuaValue {
        try withStackRoom(4)
        lua_rawgeti(pointer, comity_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        defer { comity_pop(pointer, 1) }
        try pushString(name)
        lua_rawget(pointer, -2)
        defer { comity_pop(pointer, 1) }
        return try value(at: -1)
    }

    /// Makes a Swift function callable from Lua as global `name`.
    public func register(_ name: String, _ body: @escaping LuaFunctionBody) throws(LuaError) {
        try pushFunction(name: name, body)
        let function = try popReference()
        try setGlobal(name, .function(function))
    }

    /// A Swift function as a Lua value; `name` is used in its error messages.
    public func function(_ name: String, _ body: @escaping LuaFunctionBody) throws(LuaError) -> LuaValue {
        try pushFunction(name: name, body)
        return .function(try popReference())
    }

    /// A Swift function as a Lua value that Lua owns, for values made again and again
    /// (a `find`'s iterator): its body, and what the body holds, is let go when `release`
    /// says so or when Lua collects the function, whichever comes first, instead of
    /// being kept until the state closes. Called after that, it returns nothing.
    public func function(
        _ name: String, releasedBy release: LuaFunctionRelease, _ body: @escaping LuaFunctionBody
    ) throws(LuaError) -> LuaValue {
        let box = SwiftFunctionBox(name: name, state: self, owned: ownedFunctions, body: body)
        let retained = Unmanaged.passRetained(box)
        var block: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        let status = comity_push_owned_swift_function(pointer, retained.toOpaque(), releaseOwnedBox, &block)
        guard status == LUA_OK, let block else {
            retained.release()
            try check(status)
            throw LuaError(.runtime, "cannot make function '\(name)'")
        }
        box.block = block
        release.box = box
        return .function(try popReference())
    }

    /// Swift functions alive in this state: those it keeps until it closes, and those
    /// Lua owns (``function(_:releasedBy:_:)``) not yet released or collected.
    public var liveFunctionCount: Int { functions.count + ownedFunctions.value }

    /// Collects every unreachable value now, running their finalizers (a released
    /// object's, an owned function's box).
    public func collectGarbage() throws(LuaError) {
        try check(comity_collect_garbage(pointer))
    }

    /// The names of the globals this state has now, sorted: what a script can reach by
    /// name, for checks and documentation held to the state itself.
    public func globalNames() throws(LuaError) -> [String] {
        try withStackRoom(4)
        lua_rawgeti(pointer, comity_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        let table = lua_gettop(pointer)
        defer { lua_settop(pointer, table - 1) }
        var names: [String] = []
        lua_pushnil(pointer)
        // Raw: string keys are read without conversion, which would upset `lua_next`.
        while lua_next(pointer, table) != 0 {
            var length = 0
            if lua_type(pointer, -2) == LUA_TSTRING, let text = comity_tolstring_raw(pointer, -2, &length) {
                names.append(String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self))
            }
            comity_pop(pointer, 1)
        }
        return names.sorted()
    }

    func pushFunction(name: String, _ body: @escaping LuaFunctionBody) throws(LuaError) {
        let box = SwiftFunctionBox(name: name, state: self, body: body)
        functions.append(box)
        try check(comity_push_swift_function(pointer, Unmanaged.passUnretained(box).toOpaque()))
    }

    // MARK: Loading and calling

    /// Compiles a text chunk (binary chunks are refused). `chunkName` is what errors
    /// show, e.g. `Scripts/intake.lua`.
    public func load(_ source: some Collection<UInt8>, chunkName: String) throws(LuaError) -> LuaValue {
        let bytes = Array(source)
        if let problem = SourceText.utf8Problem(in: bytes) {
            throw LuaError(.syntax, "\(chunkName):\(problem.line): \(problem.description)",
                           position: "\(chunkName):\(problem.line)")
        }
        try withStackRoom(2)
        let status = loadText(bytes[...], chunkName: chunkName)
        if status != LUA_OK {
            var message = errorObjectText(at: -1)
            comity_pop(pointer, 1)
            if let limit = limitHit { throw LuaError(.limit(limit), limitMessage(limit)) }
            if bytes.first == 0x1B {
                message = "\(chunkName): precompiled Lua bytecode is refused; only source text is run"
            }
            if message == COMITY_PARSER_DEPTH_MESSAGE {
                let line = bytes.withUnsafeBufferPointer { buffer in
                    buffer.baseAddress.map { base in
                        base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                            comity_parser_depth_line(pointer, $0, buffer.count, "@" + chunkName)
                        }
                    } ?? 1
                }
                if let limit = limitHit { throw LuaError(.limit(limit), limitMessage(limit)) }
                throw LuaError(.syntax, "\(chunkName):\(line): \(COMITY_PARSER_DEPTH_TEXT)", position: "\(chunkName):\(line)")
            }
            throw LuaError(status == LUA_ERRMEM ? .memory : .syntax, message)
        }
        return .function(try popReference())
    }

    /// Compiles `bytes` onto the stack (the function, or the error); Lua's status.
    private func loadText(_ bytes: ArraySlice<UInt8>, chunkName: String) -> Int32 {
        bytes.withUnsafeBufferPointer { buffer in
            // An empty buffer may have no address; Lua needs one all the same.
            guard let base = buffer.baseAddress else { return comity_load_text(pointer, "", 0, "@" + chunkName) }
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                comity_load_text(pointer, $0, buffer.count, "@" + chunkName)
            }
        }
    }

    /// Loads and runs a text chunk; its results.
    @discardableResult
    public func run(_ source: some Collection<UInt8>, chunkName: String) throws(LuaError) -> [LuaValue] {
        let chunk = try load(source, chunkName: chunkName)
        return try call(chunk, [])
    }

    @discardableResult
    public func run(_ source: String, chunkName: String) throws(LuaError) -> [LuaValue] {
        try run(Array(source.utf8), chunkName: chunkName)
    }

    /// Calls a Lua value with arguments; its results. Errors carry the script's
    /// position and traceback.
    @discardableResult
    public func call(_ function: LuaValue, _ arguments: [LuaValue]) throws(LuaError) -> [LuaValue] {
        try results(of: try protectedCall(function, arguments, results: comity_multret()))
    }

    /// Calls a Lua value with one argument held in Lua by reference (the same table,
    /// a read-only proxy, not a copy); its results.
    @discardableResult
    public func call(_ function: LuaValue, reference argument: LuaReference) throws(LuaError) -> [LuaValue] {
        try results(of: try protectedCall(function, count: 1, results: comity_multret()) { () throws(LuaError) in try push(argument) })
    }

    /// The values above `base`, copied into Swift; the stack is put back to `base`.
    private func results(of base: Int32) throws(LuaError) -> [LuaValue] {
        defer { lua_settop(pointer, base) }
        var results: [LuaValue] = []
        let top = lua_gettop(pointer)
        if top > base {
            for index in (base + 1)...top { results.append(try value(at: index)) }
        }
        return results
    }

    /// Calls a Lua value and keeps its first result in Lua, as a reference (tables
    /// stay the same table instead of being copied into Swift).
    func callKeepingResult(_ function: LuaValue, _ arguments: [LuaValue]) throws(LuaError) -> LuaReference {
        _ = try protectedCall(function, arguments, results: 1)
        return try popReference()
    }

    /// Pushes `function` and `arguments` and calls it protected, leaving its results
    /// above the returned stack height; on failure the stack is as it was.
    private func protectedCall(_ function: LuaValue, _ arguments: [LuaValue], results: Int32) throws(LuaError) -> Int32 {
        try protectedCall(function, count: Int32(arguments.count), results: results) { () throws(LuaError) in
            for argument in arguments { try push(argument) }
        }
    }

    private func protectedCall(
        _ function: LuaValue, count: Int32, results: Int32, pushArguments: () throws(LuaError) -> Void
    ) throws(LuaError) -> Int32 {
        let base = lua_gettop(pointer)
        try withStackRoom(count + 4)
        do {
            try push(function)
            try pushArguments()
        } catch {
            lua_settop(pointer, base)
            throw error
        }
        let status = comity_pcall_traced(pointer, count, results)
        if status != LUA_OK {
            let error = scriptError(status: status)
            lua_settop(pointer, base)
            throw error
        }
        return base
    }

    /// The value a reference holds, copied into Swift.
    func value(of reference: LuaReference) throws(LuaError) -> LuaValue {
        try push(reference)
        defer { comity_pop(pointer, 1) }
        return try value(at: -1)
    }

    /// Pushes the value a reference holds.
    func push(_ reference: LuaReference) throws(LuaError) {
        try withStackRoom(2)
        lua_rawgeti(pointer, comity_registryindex(), lua_Integer(reference.reference))
    }

    /// The error of a failed protected call, its object on top of the stack.
    func scriptError(status: Int32) -> LuaError {
        let position = String(cString: comity_last_position(pointer))
        let traceback = String(cString: comity_last_traceback(pointer))
        if let limit = limitHit {
            let text = limitMessage(limit)
            let raised = lua_type(pointer, -1) == LUA_TSTRING ? errorObjectText(at: -1) : ""
            // Kept when it names where (`file:line: ` before the reason); the bare reason,
            // as a limit tripped in a library call raises it, gets the position.
            let message = raised.hasSuffix(text) && raised != text ? raised : (position.isEmpty ? text : "\(position): \(text)")
            return LuaError(.limit(limit), message, position: position.isEmpty ? nil : position, traceback: traceback)
        }
        let raised = lua_type(pointer, -1) == LUA_TSTRING ? errorObjectText(at: -1) : ""
        if comity_memory_refusals(pointer) > 0, status == LUA_ERRMEM || raised.hasSuffix("not enough memory") {
            // Refused by the cap in a way that was still catchable (a library buffer);
            // the run ended on it all the same.
            let text = limits.message(for: .memory)
            return LuaError(.limit(.memory), position.isEmpty ? text : "\(position): \(text)",
                            position: position.isEmpty ? nil : position, traceback: traceback)
        }
        if status == LUA_ERRMEM {
            let text = "not enough memory"
            return LuaError(.memory, position.isEmpty ? text : "\(position): \(text)",
                            position: position.isEmpty ? nil : position, traceback: traceback)
        }
        var message = errorObjectText(at: -1)
        if lua_type(pointer, -1) != LUA_TSTRING, !position.isEmpty {
            message = "\(position): \(message)"
        }
        return LuaError(.runtime, message, position: position.isEmpty ? nil : position, traceback: traceback)
    }

    /// A readable text for the error object at `index`, whatever it is.
    func errorObjectText(at index: Int32) -> String {
        let index = lua_absindex(pointer, index)
        if comity_p_describe_error(pointer, index) == LUA_OK {
            defer { comity_pop(pointer, 1) }
            var length = 0
            if let text = comity_tolstring_raw(pointer, -1, &length) {
                return String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
            }
            return "error object is not a string"
        }
        let reason = String(cString: comity_error_text(pointer))
        let type = String(cString: lua_typename(pointer, lua_type(pointer, index)))
        return "error object is a \(type) value (its __tostring failed: \(reason))"
    }

    // MARK: Helpers

    func check(_ status: Int32) throws(LuaError) {
        guard status != LUA_OK else { return }
        let text = String(cString: comity_error_text(pointer))
        if let limit = limitHit { throw LuaError(.limit(limit), limitMessage(limit)) }
        throw LuaError(status == LUA_ERRMEM ? .memory : .runtime, text.isEmpty ? "not enough memory" : text)
    }

    func withStackRoom(_ slots: Int32) throws(LuaError) {
        if lua_checkstack(pointer, slots) == 0 {
            throw LuaError(.memory, "stack overflow (cannot grow the Lua stack by \(slots) slots)")
        }
    }

    func pushString(_ text: String) throws(LuaError) {
        var text = text
        let status = text.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { comity_p_pushlstring(pointer, $0.baseAddress, $0.count) }
        }
        try check(status)
    }

    func pushBytes(_ bytes: [UInt8]) throws(LuaError) {
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { comity_p_pushlstring(pointer, $0.baseAddress, $0.count) }
        }
        try check(status)
    }

    /// Pops the value on top into a registry reference.
    func popReference() throws(LuaError) -> LuaReference {
        var reference: Int32 = 0
        try check(comity_p_ref(pointer, &reference))
        return LuaReference(reference: reference, state: self)
    }

    func releaseReference(_ reference: Int32) {
        luaL_unref(pointer, comity_registryindex(), reference)
    }
}

/// How deep and how large a table copied from Lua into Swift may be. In a state with
/// a memory cap the copy also counts against that cap, with what Lua holds.
public struct LuaConversionLimits: Sendable {
    public var maxDepth = 64
    public var maxEntries = 1_000_000
    /// Bytes the copy may take (strings and entries), whatever the state's cap.
    public var maxBytes = 256 << 20
    public init() {}
}
