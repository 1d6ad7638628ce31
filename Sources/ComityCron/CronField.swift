/// One of the five fields of a cron expression, with the values it allows.
public enum CronFieldKind: Int, Sendable, CaseIterable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    public var name: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day of month"
        case .month: "month"
        case .dayOfWeek: "day of week"
        }
    }

    var range: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        // 7 is Sunday as well as 0, as in Vixie cron.
        case .dayOfWeek: 0...7
        }
    }

    /// Names accepted in place of numbers (three letters, any case).
    var names: [String] {
        switch self {
        case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        default: []
        }
    }

    /// What the field accepts, for error messages.
    var allowed: String {
        var text = "\(range.lowerBound)-\(range.upperBound)"
        switch self {
        case .month: text += " or JAN-DEC"
        case .dayOfWeek: text += " (0 and 7 are Sunday) or SUN-SAT"
        default: break
        }
        return text + ", '*', lists (a,b), ranges (a-b) and steps (*/n, a-b/n)"
    }
}

/// The set of values one field of a cron expression matches, as a bit set.
public struct CronField: Sendable, Equatable {
    public let kind: CronFieldKind
    /// Bit n is set when value n matches.
    public let bits: UInt64
    /// The field as written began with `*` (`*` or `*/n`): Vixie cron's "star" flag,
    /// which decides how day of month and day of week combine and how a schedule
    /// behaves across daylight-saving changes.
    public let startsWithStar: Bool
    /// The text as written.
    public let text: String

    public func contains(_ value: Int) -> Bool { value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0 }

    /// Every matching value, in order.
    public var values: [Int] { kind.range.filter(contains) }

    /// The smallest matching value ≥ `value`, or nil.
    func next(atLeast value: Int) -> Int? {
        guard value <= kind.range.upperBound else { return nil }
        let from = max(value, 0)
        let remaining = bits >> UInt64(from)
        guard remaining != 0 else { return nil }
        return from + remaining.trailingZeroBitCount
    }

    /// Every value of the field's range matches.
    public var isFull: Bool { kind.range.allSatisfy(contains) }

    /// Parses one field. `position` is the field's number (1-5), for errors.
    init(_ text: String, kind: CronFieldKind, expression: String) throws(CronExpressionError) {
        self.kind = kind
        self.text = text
        startsWithStar = text.hasPrefix("*")
        func failure(_ problem: String) -> CronExpressionError {
            CronExpressionError(expression: expression, field: kind, text: text, problem: problem)
        }
        guard !text.isEmpty else { throw failure("is empty") }
        var bits: UInt64 = 0
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw failure("has an empty item in its list") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw failure("has more than one '/' in '\(part)'") }
            var step = 1
            if pieces.count == 2 {
                guard let n = Int(pieces[1]), n > 0 else {
                    throw failure("has step '\(pieces[1])' in '\(part)'; a step is a whole number of at least 1")
                }
                guard n <= kind.range.upperBound else {
                    throw failure("has step \(n) in '\(part)', larger than the field allows (\(kind.range.upperBound))")
                }
                step = n
            }
            let base = pieces[0]
            let low: Int
            var high: Int
            if base == "*" {
                low = kind.range.lowerBound
                high = kind == .dayOfWeek ? 6 : kind.range.upperBound
            } else {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2 else { throw failure("has '\(base)', which is not a value or a range a-b") }
                low = try Self.value(ends[0], kind: kind, failure: failure)
                if ends.count == 2 {
                    high = try Self.value(ends[1], kind: kind, failure: failure)
                    guard low <= high else {
                        throw failure("has range '\(base)' that runs backwards; write the smaller value first")
                    }
                } else {
                    // `a/n` means from a to the end of the range, every n.
                    high = pieces.count == 2 ? (kind == .dayOfWeek ? 6 : kind.range.upperBound) : low
                }
            }
            var value = low
            while value <= high {
                bits |= 1 << UInt64(value)
                value += step
            }
        }
        if kind == .dayOfWeek, bits & (1 << 7) != 0 {
            bits = (bits & ~(1 << 7)) | 1 // 7 is Sunday
        }
        self.bits = bits
    }

    private static func value(
        _ text: Substring, kind: CronFieldKind, failure: (String) -> CronExpressionError
    ) throws(CronExpressionError) -> Int {
        if let number = Int(text), text.allSatisfy(\.isASCII) {
            guard kind.range.contains(number) else {
                throw failure("has \(number), outside \(kind.range.lowerBound)-\(kind.range.upperBound)")
            }
            return number
        }
        if let index = kind.names.firstIndex(of: text.uppercased()) {
            return kind == .month ? index + 1 : index
        }
        if text.isEmpty { throw failure("has a range with a missing end") }
        throw failure("has '\(text)', which is not a number\(kind.names.isEmpty ? "" : " or a name")")
    }
}

/// An expression that cannot be a cron schedule: which field, what was written, and
/// what is allowed.
public struct CronExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let expression: String
    /// The field at fault; nil for a problem with the whole expression.
    public let field: CronFieldKind?
    public let text: String
    public let problem: String

    public init(expression: String, field: CronFieldKind?, text: String, problem: String) {
        self.expression = expression
        self.field = field
        self.text = text
        self.problem = problem
    }

    public var description: String {
        guard let field else { return "invalid cron expression '\(expression)': \(problem)" }
        return "invalid cron expression '\(expression)': field \(field.rawValue + 1) (\(field.name)) '\(text)' \(problem); "
            + "allowed: \(field.allowed)"
    }
}
