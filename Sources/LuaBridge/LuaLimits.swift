import Foundation
import CLuaShim
import HumanReadable

/// The limits a run can hit. Each ends the run with an error that names it.
public enum LuaLimitKind: String, Sendable, CaseIterable {
    case memory
    case time
    case instructions
    case output
    /// The host stopped the run (``LuaCancellation``); not a limit the script exceeded.
    case cancelled
    /// What a failed `pcall` wrote could not be undone exactly (see ``LuaSavepoints``);
    /// not a limit either, but as uncatchable, so the run never keeps half of it.
    case savepoint

    init?(code: Int32) {
        switch code {
        case Int32(COMITY_LIMIT_MEMORY.rawValue): self = .memory
        case Int32(COMITY_LIMIT_TIME.rawValue): self = .time
        case Int32(COMITY_LIMIT_INSTRUCTIONS.rawValue): self = .instructions
        case Int32(COMITY_LIMIT_OUTPUT.rawValue): self = .output
        case Int32(COMITY_LIMIT_CANCELLED.rawValue): self = .cancelled
        case Int32(COMITY_LIMIT_SAVEPOINT.rawValue): self = .savepoint
        default: return nil
        }
    }

    var code: Int32 {
        switch self {
        case .memory: Int32(COMITY_LIMIT_MEMORY.rawValue)
        case .time: Int32(COMITY_LIMIT_TIME.rawValue)
        case .instructions: Int32(COMITY_LIMIT_INSTRUCTIONS.rawValue)
        case .output: Int32(COMITY_LIMIT_OUTPUT.rawValue)
        case .cancelled: Int32(COMITY_LIMIT_CANCELLED.rawValue)
        case .savepoint: Int32(COMITY_LIMIT_SAVEPOINT.rawValue)
        }
    }
}

/// Per-run limits. `nil` means no limit.
///
/// The instruction limit is off by default: counting instructions needs a count
/// hook, which makes pure-Lua loops about twice as slow, while the time limit costs
/// nothing until its deadline passes.
public struct LuaLimits: Sendable, Equatable {
    /// Bytes Lua may hold at once (a capped allocator).
    public var memory: Int?
    /// Wall-clock time of one run.
    public var time: Duration?
    /// Lua VM instructions, counted across every coroutine of the run.
    public var instructions: Int64?
    /// Bytes a run may print.
    public var output: Int?

    public init(memory: Int? = nil, time: Duration? = nil, instructions: Int64? = nil, output: Int? = nil) {
        self.memory = memory
        self.time = time
        self.instructions = instructions
        self.output = output
    }

    /// 64 MB of memory, 10 s, no instruction count, 1 MB of output.
    public static let `default` = LuaLimits(
        memory: 64 << 20, time: .seconds(10), instructions: nil, output: 1 << 20)
    public static let unlimited = LuaLimits()

    func message(for kind: LuaLimitKind) -> String {
        switch kind {
        case .memory: "memory limit exceeded (\(memory.map(ByteCount.format) ?? "none"))"
        case .time: "time limit exceeded (\(time.map(DurationText.format) ?? "none"))"
        case .instructions: "instruction limit exceeded (\(instructions.map(String.init) ?? "none") instructions)"
        case .output: "output limit exceeded (\(output.map(ByteCount.format) ?? "none"))"
        case .cancelled: "cancelled: the process running it was asked to stop"
        // The state keeps the particular reason (LuaState.limitMessage).
        case .savepoint: "what a failed pcall wrote could not be undone exactly"
        }
    }
}
