/// An error from Lua or from the bridge, in the script's own words.
///
/// `message` reads like Lua's own messages: `demo.lua:3: attempt to index a nil value`,
/// `bad argument #2 to 'grants.award' (Money expected, got string)`.
public struct LuaError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The chunk did not compile (or was not text, or not UTF-8).
        case syntax
        /// An error raised while running: by `error`, by Lua itself, or by a Swift function.
        case runtime
        /// Lua could not allocate memory (outside any configured cap).
        case memory
        /// A configured limit of the run was hit; the run cannot go on.
        case limit(LuaLimitKind)
        /// A value could not cross between Lua and Swift (cycles, depth, size, type).
        case conversion
    }

    public var kind: Kind
    /// The message, with `chunk:line:` where Lua knows it.
    public var message: String
    /// Where in the script the error was raised (`chunk:line`), when known.
    public var position: String?
    /// Lua's traceback at the point of the error, one frame a line; may be empty.
    public var traceback: String

    public init(_ kind: Kind, _ message: String, position: String? = nil, traceback: String = "") {
        self.kind = kind
        self.message = message
        self.position = position
        self.traceback = traceback
    }

    public var description: String { message }
}

/// Thrown by the typed argument accessors of ``LuaCall``; the bridge turns it into
/// Lua's `bad argument #n to 'name' (...)`.
public struct LuaArgumentError: Error, Sendable {
    public var index: Int32
    public var problem: String

    public init(index: Int32, problem: String) {
        self.index = index
        self.problem = problem
    }
}

/// Any error a Swift function wants Lua to see with exactly this text.
public struct LuaScriptError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
