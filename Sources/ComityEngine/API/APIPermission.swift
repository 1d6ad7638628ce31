import LuaBridge

/// What a plugin's code must be granted to call a function. Checked by the function
/// value itself: each plugin's environment holds its own values of these functions,
/// bound to the plugin, so the check follows the code that calls, never a flag of
/// "the plugin running now".
public enum APIPermission: Sendable, Equatable {
    /// The same for every call: `read_inbox`, `send_mail`.
    case named(String)
    /// One per name given as the first argument: `.perName("secrets")` makes
    /// `secrets.get("KEY")` need `secrets:KEY`.
    case perName(String)

    /// The permission `call` needs, in the manifests' spelling.
    func required(by call: borrowing LuaCall) throws -> String {
        switch self {
        case .named(let name): name
        case .perName(let kind): "\(kind):\(try call.string(1))"
        }
    }
}

/// Whose code a function value acts for.
enum APIOrigin: Equatable, CustomStringConvertible {
    /// The workspace's own scripts: every right.
    case workspace
    /// A plugin's code: what its manifest asks for and comity.lua grants.
    case plugin(String)

    /// The origin of code loaded under `chunk`: a plugin's files and what it loads are
    /// named `Plugins/NAME/...` by the host (its `load` says so whatever name it asks).
    init(chunk: String) {
        let parts = chunk.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        self = parts.count == 3 && parts[0] == "Plugins" && !parts[1].isEmpty ? .plugin(String(parts[1])) : .workspace
    }

    /// Refuses a call that `caller` did not make from code of `origin`.
    static func check(_ caller: LuaCaller, is origin: APIOrigin, for function: String) throws {
        switch caller {
        case .code(let chunk):
            guard APIOrigin(chunk: chunk) == origin else {
                throw LuaScriptError("\(function) was called from \(chunk), which is not the code it belongs to (\(origin)); a function that needs a permission works only for the code it was given to")
            }
        case .tailCall, .unknown:
            throw LuaScriptError("\(function) must be called from a script's code (here no Lua function called it: a coroutine whose body it is?)")
        }
    }

    var description: String {
        switch self {
        case .workspace: "the workspace's scripts"
        case .plugin(let name): "plugin '\(name)'"
        }
    }
}
