/// A Lua string: bytes, embedded zeros and invalid UTF-8 included.
public struct LuaString: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }
    public init(stringLiteral value: String) { self.init(value) }

    /// The text when the bytes are valid UTF-8.
    public var text: String? { String(validating: bytes, as: UTF8.self) }
    /// The text, with invalid bytes replaced by U+FFFD.
    public var description: String { String(decoding: bytes, as: UTF8.self) }
}

/// A Lua table copied into Swift: its sequence 1...n and the other keys.
public struct LuaTable: Hashable {
    public var array: [LuaValue]
    public var hash: [LuaValue: LuaValue]

    public init(array: [LuaValue] = [], hash: [LuaValue: LuaValue] = [:]) {
        self.array = array
        self.hash = hash
    }

    public subscript(key: String) -> LuaValue {
        get { hash[.string(LuaString(key))] ?? .nil }
        set {
            // Assigning nil removes the key, as in Lua (an explicit branch: `nil` in a
            // ternary would be read as LuaValue.nil, which is ExpressibleByNilLiteral).
            if newValue == .nil {
                hash.removeValue(forKey: .string(LuaString(key)))
            } else {
                hash[.string(LuaString(key))] = newValue
            }
        }
    }

    public subscript(index: Int) -> LuaValue {
        array.indices.contains(index - 1) ? array[index - 1] : (hash[.integer(Int64(index))] ?? .nil)
    }
}

/// A Lua value on the Swift side. Integers stay `Int64` and are never turned into
/// `Double`; functions and foreign userdata are kept as references into their state.
public enum LuaValue: Hashable {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(LuaString)
    case table(LuaTable)
    case function(LuaReference)
    case userdata(LuaReference)
    case thread(LuaReference)

    /// Lua's name for the type, as `type()` says it.
    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .table: "table"
        case .function: "function"
        case .userdata: "userdata"
        case .thread: "thread"
        }
    }

    /// Lua's truthiness: only `nil` and `false` are false.
    public var isTruthy: Bool {
        switch self {
        case .nil, .boolean(false): false
        default: true
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s.description }
        return nil
    }

    public var integerValue: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }
}

extension LuaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(LuaString(value)) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(nilLiteral: ()) { self = .nil }
}

/// A Lua value held in its state's registry, so that Swift can keep it; released
/// when the reference goes away.
public final class LuaReference: Hashable {
    let reference: Int32
    weak var state: LuaState?

    init(reference: Int32, state: LuaState) {
        self.reference = reference
        self.state = state
    }

    deinit {
        state?.releaseReference(reference)
    }

    public static func == (lhs: LuaReference, rhs: LuaReference) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A table entry's value as ``LuaCall/forEachField(_:_:)`` gives it.
public enum LuaFieldValue {
    /// A Lua string, as text.
    case text(String)
    /// Anything else.
    case value(LuaValue)
}
