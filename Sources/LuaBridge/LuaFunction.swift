import Foundation
import CLuaShim

/// The body of a Swift function callable from Lua: reads its arguments from the
/// call, pushes its results and says how many. Throwing raises a Lua error that
/// `pcall` can catch.
public typealias LuaFunctionBody = (borrowing LuaCall) throws -> LuaResults

/// How many values a Swift function left on the stack as its results.
@frozen
public struct LuaResults: Sendable {
    public let count: Int32
    @inlinable public init(count: Int32) { self.count = count }
    public static let none = LuaResults(count: 0)
}

final class SwiftFunctionBox {
    let name: String
    let body: LuaFunctionBody
    /// The state that keeps this box (in its `functions`), so it outlives every call;
    /// unmanaged, as a call must not retain it (a state with weak references has its
    /// counts in a side table, where each retain is slow).
    let state: Unmanaged<LuaState>
    /// For a box Lua owns (``LuaState/function(_:releasedBy:_:)``): the userdata block
    /// that holds it, until the box is released or collected; and the count of such
    /// boxes alive, which it leaves when it goes.
    var block: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    let owned: OwnedFunctionCount?

    init(name: String, state: LuaState, owned: OwnedFunctionCount? = nil, body: @escaping LuaFunctionBody) {
        self.name = name
        self.state = Unmanaged.passUnretained(state)
        self.body = body
        self.owned = owned
        owned?.value += 1
    }

    deinit { owned?.value -= 1 }

    /// Lets go of Lua's hold on an owned box: the function returns nothing from now on.
    func releaseFromLua() {
        guard let block else { return }
        block.pointee = nil
        self.block = nil
        Unmanaged.passUnretained(self).release()
    }
}

/// How many boxes Lua owns in one state; shared with the boxes, which may go after it.
final class OwnedFunctionCount {
    var value = 0
}

/// Ends a Swift function made with ``LuaState/function(_:releasedBy:_:)`` before Lua
/// collects it: its body, and whatever the body holds, is let go at once (a `find`'s
/// cursor when its loop ends), and a later call of the function returns nothing.
public final class LuaFunctionRelease {
    weak var box: SwiftFunctionBox?

    public init() {}

    /// Releases the function's body; safe to call more than once, and from the body itself.
    public func release() { box?.releaseFromLua() }

    /// Whether the function's body has been let go (released here, or collected by Lua).
    public var isReleased: Bool { box == nil }
}

/// Lua collected the userdata that held an owned box.
let releaseOwnedBox: comity_release_function = { object in
    guard let object else { return }
    let box = Unmanaged<SwiftFunctionBox>.fromOpaque(object)
    box.takeUnretainedValue().block = nil
    box.release()
}

/// The one C entry point of every Swift function. It must return to the C
/// trampoline instead of raising, so errors become codes here. The box is borrowed
/// without a retain: the state keeps it alive as long as the function exists.
let swiftFunctionEntry: comity_swift_function = { L, context in
    guard let L, let context else { return Int32(COMITY_RAISE_MESSAGE) }
    return Unmanaged<SwiftFunctionBox>.fromOpaque(context)._withUnsafeGuaranteedRef { box in
        callBody(of: box, L, context)
    }
}

/// The entry of functions whose box Lua owns: the box is held for the call, which may
/// release Lua's hold on it (an iterator at its end).
let swiftOwnedFunctionEntry: comity_swift_function = { L, context in
    guard let L, let context else { return Int32(COMITY_RAISE_MESSAGE) }
    let box = Unmanaged<SwiftFunctionBox>.fromOpaque(context).takeUnretainedValue()
    return withExtendedLifetime(box) { callBody(of: box, L, context) }
}

/// Calls a box's body on `L` and returns its result count, or an error's code. The
/// bridge works on the calling thread's stack until this call returns (calls nest: a
/// coroutine resumed from here sets its own and restores it).
@inline(__always)
private func callBody(of box: SwiftFunctionBox, _ L: OpaquePointer, _ context: UnsafeMutableRawPointer) -> Int32 {
    box.state._withUnsafeGuaranteedRef { state in
        let caller = state.pointer
        state.pointer = L
        defer { state.pointer = caller }
        do {
            return try box.body(LuaCall(L, box: context)).count
        } catch {
            return reportError(error, L, name: box.name)
        }
    }
}

@inline(never)
private func reportError(_ error: any Error, _ L: OpaquePointer, name: String) -> Int32 {
    var text: String
    var code = Int32(COMITY_RAISE_MESSAGE)
    switch error {
    case let argument as LuaArgumentError:
        text = "bad argument #\(argument.index) to '\(name)' (\(argument.problem))"
    case let lua as LuaError where lua.kind == .conversion:
        text = lua.message
    case let lua as LuaError:
        // Already says where it comes from (or is a limit, which must keep its text).
        text = lua.message
        code = Int32(COMITY_RAISE_PLAIN)
    case let script as LuaScriptError:
        text = script.message
    default:
        text = String(describing: error)
    }
    text.withUTF8 { buffer in
        buffer.withMemoryRebound(to: CChar.self) { comity_set_error(L, $0.baseAddress, $0.count) }
    }
    return code
}

/// Lua's basic types, as `type()` names them.
public enum LuaBasicType: Sendable {
    case `nil`, boolean, number, string, table, function, userdata, thread
}

/// One call from Lua into a Swift function: typed access to its arguments, and the
/// means to push results. Argument errors read like Lua's own:
/// `bad argument #1 to 'f' (number expected, got string)`.
public struct LuaCall: ~Copyable {
    /// The `lua_State *` of the call (a coroutine's, when called from one).
    public let pointer: OpaquePointer
    @usableFromInline let box: UnsafeMutableRawPointer

    @usableFromInline
    init(_ pointer: OpaquePointer, box: UnsafeMutableRawPointer) {
        self.pointer = pointer
        self.box = box
    }

    /// The name the function was registered under.
    public var functionName: String {
        Unmanaged<SwiftFunctionBox>.fromOpaque(box).takeUnretainedValue().name
    }

    /// The state the function runs in.
    public var state: LuaState { LuaState.owner(of: pointer) }

    /// How many arguments were passed.
    public var argumentCount: Int32 { lua_gettop(pointer) }

    /// The type of argument `n` as Lua's argument errors name it: a userdata's or
    /// table's `__name` (`Grant`) when its metatable has one, else Lua's type name
    /// ("no value" when absent).
    public func typeName(_ n: Int32) -> String {
        let type = lua_type(pointer, n)
        guard type == LUA_TUSERDATA || type == LUA_TTABLE else {
            return String(cString: lua_typename(pointer, type))
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            guard let base = buffer.baseAddress else { return String(cString: lua_typename(pointer, type)) }
            comity_type_name(pointer, n, base, 64)
            return String(cString: base)
        }
    }

    public func isNil(_ n: Int32) -> Bool { comity_isnoneornil(pointer, n) != 0 }

    /// Lua's basic type of argument `n`, without making a name (checks on every call).
    public func basicType(_ n: Int32) -> LuaBasicType {
        switch lua_type(pointer, n) {
        case LUA_TNIL, LUA_TNONE: .nil
        case LUA_TBOOLEAN: .boolean
        case LUA_TNUMBER: .number
        case LUA_TSTRING: .string
        case LUA_TTABLE: .table
        case LUA_TFUNCTION: .function
        case LUA_TTHREAD: .thread
        default: .userdata
        }
    }

    // Inlinable: the hot path of a typed call is this one C call.
    @inlinable
    public func integer(_ n: Int32) throws(LuaArgumentError) -> Int64 {
        var isInteger: Int32 = 0
        let value = comity_tointegerx(pointer, n, &isInteger)
        if isInteger != 0 { return value }
        throw integerError(n)
    }

    @usableFromInline @inline(never)
    func integerError(_ n: Int32) -> LuaArgumentError {
        if lua_type(pointer, n) == LUA_TNUMBER {
            return LuaArgumentError(index: n, problem: "integer expected, got number (\(LuaNumberText.format(lua_tonumberx(pointer, n, nil))))")
        }
        return LuaArgumentError(index: n, problem: "integer expected, got \(typeName(n))")
    }

    public func optionalInteger(_ n: Int32, default fallback: Int64) throws(LuaArgumentError) -> Int64 {
        isNil(n) ? fallback : try integer(n)
    }

    @inlinable
    public func number(_ n: Int32) throws(LuaArgumentError) -> Double {
        var isNumber: Int32 = 0
        let value = comity_tonumberx(pointer, n, &isNumber)
        if isNumber != 0 { return value }
        throw numberError(n)
    }

    @usableFromInline @inline(never)
    func numberError(_ n: Int32) -> LuaArgumentError {
        LuaArgumentError(index: n, problem: "number expected, got \(typeName(n))")
    }

    /// A string argument (numbers are written as Lua writes them).
    public func string(_ n: Int32) throws(LuaArgumentError) -> String {
        var length = 0
        if let text = comity_tolstring_raw(pointer, n, &length) {
            return String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
        }
        if lua_type(pointer, n) == LUA_TNUMBER {
            if lua_isinteger(pointer, n) != 0 { return String(lua_tointegerx(pointer, n, nil)) }
            return LuaNumberText.format(lua_tonumberx(pointer, n, nil))
        }
        throw LuaArgumentError(index: n, problem: "string expected, got \(typeName(n))")
    }

    public func optionalString(_ n: Int32) throws(LuaArgumentError) -> String? {
        isNil(n) ? nil : try string(n)
    }

    /// The raw bytes of a string argument.
    public func bytes(_ n: Int32) throws(LuaArgumentError) -> [UInt8] {
        var length = 0
        guard let text = comity_tolstring_raw(pointer, n, &length) else {
            throw LuaArgumentError(index: n, problem: "string expected, got \(typeName(n))")
        }
        return Array(UnsafeRawBufferPointer(start: text, count: length))
    }

    /// Argument `n` as `print` writes it: `tostring`'s text, so a value's `__tostring`
    /// (Money's `1.00 RUB`) or `__name` is used, and its error is the caller's.
    public func shownBytes(_ n: Int32) throws(LuaError) -> [UInt8] {
        try state.check(comity_p_tolstring(pointer, n))
        var length = 0
        defer { comity_pop(pointer, 1) }
        guard let text = comity_tolstring_raw(pointer, -1, &length) else { return [] }
        return Array(UnsafeRawBufferPointer(start: text, count: length))
    }

    /// Lua's truthiness of argument `n`.
    public func boolean(_ n: Int32) -> Bool { lua_toboolean(pointer, n) != 0 }

    /// Argument `n` copied into Swift (tables whole).
    public func value(_ n: Int32) throws -> LuaValue {
        if lua_type(pointer, n) == LUA_TNONE { return .nil }
        return try state.value(at: n)
    }

    /// Argument `n` as a table.
    public func table(_ n: Int32) throws -> LuaTable {
        guard lua_type(pointer, n) == LUA_TTABLE else {
            throw LuaArgumentError(index: n, problem: "table expected, got \(typeName(n))")
        }
        guard case .table(let table) = try state.value(at: n) else { return LuaTable() }
        return table
    }

    /// The entries of the table argument `n`, one at a time, without copying the
    /// table into a ``LuaTable`` first (records are created from such tables by the
    /// hundred thousand). A key that is not a string is passed as nil with its value.
    /// Values are copied as ``value(_:)`` copies them.
    public func forEachEntry(_ n: Int32, _ body: (_ name: String?, _ value: LuaValue) throws -> Void) throws {
        let state = self.state
        try entries(n) { name in try body(name, try state.value(at: -1)) }
    }

    /// ``forEachEntry(_:_:)`` for tables whose values are mostly text (a record's
    /// fields): a string value of valid UTF-8 comes as a `String` read straight from
    /// Lua, without a ``LuaString`` between; a string that is not valid UTF-8 comes as
    /// `.value(.string(bytes))`, its bytes untouched, so that the caller can refuse it
    /// (decoding would replace them with U+FFFD without a word); any other value as
    /// ``forEachEntry(_:_:)`` gives it.
    public func forEachField(_ n: Int32, _ body: (_ name: String?, _ value: LuaFieldValue) throws -> Void) throws {
        let state = self.state
        try entries(n) { name in
            if lua_type(pointer, -1) == LUA_TSTRING, let text = validText(at: -1) {
                try body(name, .text(text))
            } else {
                try body(name, .value(try state.value(at: -1)))
            }
        }
    }

    /// The string at `index` when it is valid UTF-8.
    private func validText(at index: Int32) -> String? {
        var length = 0
        guard let bytes = comity_tolstring_raw(pointer, index, &length) else { return nil }
        return String(validating: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    /// Walks the table argument `n` with `lua_next`; `each` gets the key's text (nil
    /// for a key that is not a string) and finds the value on top of the stack.
    private func entries(_ n: Int32, _ each: (_ name: String?) throws -> Void) throws {
        guard lua_type(pointer, n) == LUA_TTABLE else {
            throw LuaArgumentError(index: n, problem: "table expected, got \(typeName(n))")
        }
        let table = lua_absindex(pointer, n)
        try state.withStackRoom(4)
        lua_pushnil(pointer)
        while lua_next(pointer, table) != 0 {
            do {
                try each(text(at: -2))
            } catch {
                comity_pop(pointer, 2)
                throw error
            }
            comity_pop(pointer, 1)
        }
    }

    /// The string at `index` as text, nil for any other type. Never converts a number
    /// in place (which would confuse `lua_next` for a key).
    private func text(at index: Int32) -> String? {
        guard lua_type(pointer, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let bytes = comity_tolstring_raw(pointer, index, &length) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    /// Whose code called this function: the chunk name (`Plugins/greet/init.lua`, as
    /// given when it was loaded) of the nearest Lua function below it on the calling
    /// thread, with C functions in between (`pcall`, `table.sort`) passed over.
    public var caller: LuaCaller {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { buffer in
            guard let base = buffer.baseAddress else { return .unknown }
            switch comity_caller_source(pointer, base, 512) {
            case 1:
                let source = String(cString: base)
                return .code(source.hasPrefix("@") || source.hasPrefix("=") ? String(source.dropFirst()) : source)
            case -1: return .tailCall
            default: return .unknown
            }
        }
    }

    // MARK: Results

    @inlinable
    public func returning(_ value: Int64) -> LuaResults {
        lua_pushinteger(pointer, value)
        return LuaResults(count: 1)
    }

    /// Returns argument `n` itself (the same table, not a copy).
    public func returningArgument(_ n: Int32) -> LuaResults {
        lua_pushvalue(pointer, n)
        return LuaResults(count: 1)
    }

    @inlinable
    public func returning(_ value: Double) -> LuaResults {
        lua_pushnumber(pointer, value)
        return LuaResults(count: 1)
    }

    @inlinable
    public func returning(_ value: Bool) -> LuaResults {
        lua_pushboolean(pointer, value ? 1 : 0)
        return LuaResults(count: 1)
    }

    public func returning(_ value: String) throws(LuaError) -> LuaResults {
        try state.pushString(value)
        return LuaResults(count: 1)
    }

    public func returning(_ values: LuaValue...) throws(LuaError) -> LuaResults {
        try returning(contentsOf: values)
    }

    public func returning(contentsOf values: [LuaValue]) throws(LuaError) -> LuaResults {
        let state = self.state
        try state.withStackRoom(Int32(clamping: values.count) + 2)
        for value in values { try state.push(value) }
        return LuaResults(count: Int32(values.count))
    }

    /// Calls `function` (a Lua function) with this call's own arguments, as they are on
    /// the stack (tables and userdata stay themselves, nothing is copied into Swift),
    /// protected; its results become this call's results. A checked front for a
    /// function written in Lua (a plugin's).
    public func forwardingArguments(to function: LuaValue) throws(LuaError) -> LuaResults {
        let state = self.state
        let count = argumentCount
        try state.withStackRoom(count + 4)
        let base = lua_gettop(pointer)
        try state.push(function)
        if count > 0 { for index in 1...count { lua_pushvalue(pointer, index) } }
        let status = comity_pcall_traced(pointer, count, comity_multret())
        if status != LUA_OK {
            let error = state.scriptError(status: status)
            lua_settop(pointer, base)
            throw error
        }
        return LuaResults(count: lua_gettop(pointer) - base)
    }
}

/// Who called a Swift function, as far as Lua's stack tells.
public enum LuaCaller: Equatable, Sendable {
    /// A Lua function of the chunk with this name.
    case code(String)
    /// Called in a tail call (`return f()`), which erases the caller's frame.
    case tailCall
    /// No Lua function below it on this thread (the body of a coroutine).
    case unknown
}

/// Numbers written as Lua writes them (`%.14g`, with `.0` for integral floats).
enum LuaNumberText {
    static func format(_ value: Double) -> String {
        if value.isNaN { return value.sign == .minus ? "-nan" : "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        var text = String(format: "%.14g", value)
        if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "n" || $0 == "i" }) { text += ".0" }
        return text
    }
}
