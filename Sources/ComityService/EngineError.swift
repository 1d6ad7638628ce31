import LuaBridge

/// Why the engine could not do what it was asked, in words a front end shows as they
/// are: the command line prints `error: <message>` (or, for `usage`, the message with
/// its usage line); a server would put it in its response.
public enum EngineError: Error, Equatable, CustomStringConvertible {
    /// The work cannot be done: no workspace, no such run, report or workflow, a file
    /// that cannot be read. The message names what is wrong.
    case failed(String)
    /// A mistake in what the caller asked for (a report format that no one writes).
    case usage(String)
    /// The script that was to produce the result failed: its own error, with its place.
    case runFailed(LuaError)
    /// A report script ran and returned no report (`file` as the history names it).
    case noReport(file: String)

    public var description: String {
        switch self {
        case .failed(let message), .usage(let message): message
        case .runFailed(let error): error.message
        case .noReport(let file): "\(file) returned no report: end it with `return report { title = ..., sections = { ... } }`"
        }
    }
}
