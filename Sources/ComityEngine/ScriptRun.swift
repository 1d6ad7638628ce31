import Foundation
import LuaBridge

/// What one run of a script came to.
public struct ScriptRun: Sendable {
    public enum Outcome: Sendable, Equatable {
        case succeeded
        case failed(LuaError)

        public var error: LuaError? {
            if case .failed(let error) = self { return error }
            return nil
        }
    }

    /// The script as named on the command line.
    public var file: String
    /// The workflow's declared name, when the script returned `workflow { ... }`.
    public var workflowName: String?
    public var outcome: Outcome
    public var duration: Duration
    /// Peak bytes of Lua memory during the run.
    public var memoryPeak: Int

    public var succeeded: Bool { outcome == .succeeded }
}
