import Foundation

/// Durations as people write them: `10s`, `500ms`, `2m`, `1h`, `7d`, `2w`, or plain
/// seconds. One reader for every duration Comity reads, so each takes the same units.
public enum DurationText {
    /// The duration `text` says, or nil when it is not one (zero, negative, another unit).
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

    /// `duration` in seconds when whole (`10s`), else in milliseconds (`500ms`).
    public static func format(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
