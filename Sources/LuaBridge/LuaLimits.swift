import Foundation
import CLuaShim

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

/// Sizes as people write them: `64MB`, `512KB`, `1GB`, or a plain byte count.
public enum ByteCount {
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("G", 1 << 30),
                                      ("M", 1 << 20), ("K", 1 << 10), ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let number = Int(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)),
                  number >= 0 else { return nil }
            let (value, overflow) = number.multipliedReportingOverflow(by: factor)
            return overflow ? nil : value
        }
        return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }

    public static func format(_ bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GB" }
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KB" }
        return "\(bytes) bytes"
    }
}

/// Durations as people write them: `10s`, `500ms`, `2m`, `1h`, `7d`, `2w`, or plain
/// seconds. One reader for every duration Comity reads, so each takes the same units.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number > 0, number.isFinite else {
                return nil
            }
            return .milliseconds(Int64((number * factor * 1000).rounded()))
        }
        guard let seconds = Double(trimmed), seconds > 0, seconds.isFinite else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    public static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
