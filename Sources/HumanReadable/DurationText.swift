import Foundation

/// Durations as people write them: `10s`, `500ms`, `2m`, `1h`, `7d`, `2w`, or plain
/// seconds. One reader for every duration Comity reads, so each takes the same units
/// and the same bounds.
public enum DurationText {
    /// The longest duration Comity takes anywhere (a time limit, a lease, a delay):
    /// ten years. Longer is a typing mistake, and would overflow the clocks it is added to.
    public static let longest: Duration = .seconds(3650 * 86_400)

    /// Why a text is not a duration Comity takes.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// Not a positive number with one of the units.
        case notADuration
        /// More than `longest`.
        case tooLong

        public var description: String {
            switch self {
            case .notADuration: "not a duration such as 30s, 5m, 2h or 7d"
            case .tooLong: "longer than the longest duration Comity takes (3650d, ten years)"
            }
        }
    }

    /// The duration `text` says, or nil when it is not one (zero, negative, another
    /// unit, longer than `longest`).
    public static func parse(_ text: String) -> Duration? {
        try? read(text)
    }

    /// The duration `text` says, or why it is not one Comity takes.
    public static func read(_ text: String) throws(Problem) -> Duration {
        let trimmed = text.trimmingBlanks().lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
        var seconds: Double?
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            seconds = Double(trimmed.dropLast(suffix.count)).map { $0 * factor }
            break
        }
        guard let seconds = seconds ?? Double(trimmed), !seconds.isNaN, seconds > 0 else {
            throw .notADuration
        }
        // Compared before converting: a billion years does not fit the milliseconds.
        guard seconds <= longest.totalSeconds else { throw .tooLong }
        let milliseconds = Int64((seconds * 1000).rounded())
        // Below half a millisecond would be a zero limit, which means none.
        guard milliseconds > 0 else { throw .notADuration }
        return .milliseconds(milliseconds)
    }

    /// `duration` in seconds when whole (`10s`), else in milliseconds (`500ms`).
    public static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

extension Duration {
    fileprivate var totalSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
