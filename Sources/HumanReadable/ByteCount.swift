import Foundation

/// Sizes as people write them: `64MB`, `512KB`, `1GB`, or a plain byte count.
public enum ByteCount {
    /// The byte count `text` says, or nil when it is not a size (negative, overflowing, another unit).
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingBlanks().uppercased()
        let units: [(String, Int)] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("G", 1 << 30),
                                      ("M", 1 << 20), ("K", 1 << 10), ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            guard let number = Int(trimmed.dropLast(suffix.count).trimmingBlanks()),
                  number >= 0 else { return nil }
            let (value, overflow) = number.multipliedReportingOverflow(by: factor)
            return overflow ? nil : value
        }
        return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// `bytes` in the largest unit that divides it exactly: `64 MB`, `512 KB`, `100 bytes`.
    public static func format(_ bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GB" }
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KB" }
        return "\(bytes) bytes"
    }
}
