import Foundation
import HumanReadable

/// A moment, to the second, independent of time zones. Records keep their times as
/// timestamps; zones matter only for reading and writing them.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let secondsSince1970: Int64

    public init(secondsSince1970: Int64) { self.secondsSince1970 = secondsSince1970 }

    public init(_ date: Date) { secondsSince1970 = Int64(date.timeIntervalSince1970.rounded(.down)) }

    public var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.secondsSince1970 < b.secondsSince1970 }

    public func adding(_ span: Timespan) throws(DomainError) -> Timestamp {
        let (sum, overflow) = secondsSince1970.addingReportingOverflow(span.seconds)
        if overflow { throw DomainError(.overflow, "time \(self) + \(span) is out of range") }
        return Timestamp(secondsSince1970: sum)
    }

    public func subtracting(_ span: Timespan) throws(DomainError) -> Timestamp {
        try adding(Timespan(seconds: -span.seconds))
    }

    public func since(_ other: Timestamp) -> Timespan {
        Timespan(seconds: secondsSince1970 &- other.secondsSince1970)
    }

    /// Parses ISO 8601: `2021-01-26T11:00:00+03:00`, `2021-01-26T08:00:00Z`,
    /// `2021-01-26 11:00` (in `zone`), or a date alone, `2021-01-26` (midnight in `zone`).
    public init(parsing text: String, in zone: TimeZone = .gmt, field: String = "time") throws(DomainError) {
        let trimmed = text.trimmingBlanks()
        // The calendar has no year 0: Foundation would read it as 0001.
        if trimmed.hasPrefix("0000-") { throw DomainError(.invalidValue, field: field, Self.yearZero(field, text)) }
        guard let parsed = Self.parse(trimmed, zone: zone) else {
            throw DomainError(.invalidValue, field: field,
                              "invalid \(field) '\(text)' (expected ISO 8601 such as 2021-01-26, 2021-01-26T11:00, or 2021-01-26T11:00:00+03:00)")
        }
        self = parsed
    }

    /// The refusal of year 0000, the same for times and dates.
    static func yearZero(_ field: String, _ text: String) -> String {
        "invalid \(field) '\(text)': there is no year 0000 (years start at 0001)"
    }

    private static func parse(_ text: String, zone: TimeZone) -> Timestamp? {
        guard let groups = ISO8601Parts.match(text) else { return nil }
        func group(_ i: Int) -> String? { groups[i] }
        var parts = DateComponents()
        parts.year = group(1).flatMap(Int.init)
        parts.month = group(2).flatMap(Int.init)
        parts.day = group(3).flatMap(Int.init)
        parts.hour = group(4).flatMap(Int.init) ?? 0
        parts.minute = group(5).flatMap(Int.init) ?? 0
        parts.second = group(6).flatMap(Int.init) ?? 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        if let offset = group(7) {
            if offset == "Z" {
                calendar.timeZone = .gmt
            } else {
                let digits = offset.dropFirst().filter(\.isNumber)
                guard digits.count == 4, let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)),
                      hours < 24, minutes < 60,
                      let fixed = TimeZone(secondsFromGMT: (offset.hasPrefix("-") ? -1 : 1) * (hours * 3600 + minutes * 60))
                else { return nil }
                calendar.timeZone = fixed
            }
        }
        guard let month = parts.month, (1...12).contains(month), let day = parts.day, (1...31).contains(day),
              let hour = parts.hour, hour < 24, let minute = parts.minute, minute < 60,
              let second = parts.second, second < 61,
              let date = calendar.date(from: parts),
              calendar.component(.day, from: date) == day  // refuses 2021-02-30
        else { return nil }
        return Timestamp(date)
    }

    /// `2021-01-26T08:00:00Z`
    public var description: String { formatted(in: .gmt) }

    /// ISO 8601 in `zone`, with its offset (`Z` for UTC).
    public func formatted(in zone: TimeZone) -> String {
        let offset = zone == .gmt ? 0 : zone.secondsFromGMT(for: date)
        // Worked out by hand for the years 1 to 9999 and whole-minute offsets: a
        // formatter costs more than the rest of a record's JSON (each API answer has a few).
        let local = secondsSince1970.addingReportingOverflow(Int64(offset))
        guard offset % 60 == 0, !local.overflow, let civil = Self.civil(local.partialValue) else {
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = zone
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.string(from: date)
        }
        var text = Self.digits(civil.year, 4) + "-" + Self.digits(civil.month, 2) + "-" + Self.digits(civil.day, 2) + "T"
            + Self.digits(civil.hour, 2) + ":" + Self.digits(civil.minute, 2) + ":" + Self.digits(civil.second, 2)
        if offset == 0 { return text + "Z" }
        let minutes = abs(offset) / 60
        text += (offset < 0 ? "-" : "+") + Self.digits(Int64(minutes / 60), 2) + ":" + Self.digits(Int64(minutes % 60), 2)
        return text
    }

    /// The proleptic Gregorian date and time of `seconds` since 1970 (no zone), for the
    /// years 1 to 9999; nil outside them.
    static func civil(_ seconds: Int64) -> (year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64)? {
        let (days, rest) = (seconds.floorDivided(by: 86_400), seconds.floorModulo(86_400))
        // Days counted from 0000-03-01, in eras of 400 years (146,097 days): March first
        // puts the leap day at the end of each year.
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard (1...9999).contains(year) else { return nil }
        return (year, month, day, rest / 3_600, rest % 3_600 / 60, rest % 60)
    }

    private static func digits(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

/// A length of time, to the second.
public struct Timespan: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static func days(_ n: Int64) throws(DomainError) -> Timespan { try scaled(n, 86_400, "days") }
    public static func hours(_ n: Int64) throws(DomainError) -> Timespan { try scaled(n, 3_600, "hours") }
    public static func minutes(_ n: Int64) throws(DomainError) -> Timespan { try scaled(n, 60, "minutes") }

    private static func scaled(_ n: Int64, _ unit: Int64, _ name: String) throws(DomainError) -> Timespan {
        let (value, overflow) = n.multipliedReportingOverflow(by: unit)
        if overflow { throw DomainError(.overflow, "\(n) \(name) is out of range") }
        return Timespan(seconds: value)
    }

    public static func < (a: Timespan, b: Timespan) -> Bool { a.seconds < b.seconds }

    /// `14 days`, `3 hours 20 minutes`, `-1 day`, `0 seconds`.
    public var description: String {
        if seconds == 0 { return "0 seconds" }
        var rest = seconds.magnitude
        var parts: [String] = []
        for (unit, name) in [(UInt64(86_400), "day"), (3_600, "hour"), (60, "minute"), (1, "second")] where rest >= unit {
            let count = rest / unit
            rest %= unit
            parts.append("\(count) \(name)\(count == 1 ? "" : "s")")
        }
        return (seconds < 0 ? "-" : "") + parts.joined(separator: " ")
    }
}

/// The parts of `YYYY-MM-DD[(T| )hh:mm[:ss]][Z|(+|-)hh[:]mm]`, matched by hand rather
/// than by a regular expression (compiling one costs milliseconds at start-up):
/// index 1...7 as the groups of that pattern, nil where a part is absent.
enum ISO8601Parts {
    static func match(_ text: String) -> [Int: String]? {
        var bytes = Array(text.utf8)
        // As `$` allows: one line end at the very end.
        if bytes.last == 0x0A {
            bytes.removeLast()
            if bytes.last == 0x0D { bytes.removeLast() }
        } else if bytes.last == 0x0D {
            bytes.removeLast()
        }
        var at = 0
        var groups: [Int: String] = [:]
        func digits(_ count: Int) -> String? {
            guard at + count <= bytes.count, bytes[at..<at + count].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            defer { at += count }
            return String(decoding: bytes[at..<at + count], as: UTF8.self)
        }
        func byte(_ wanted: UInt8...) -> Bool {
            guard at < bytes.count, wanted.contains(bytes[at]) else { return false }
            at += 1
            return true
        }
        guard let year = digits(4), byte(0x2D), let month = digits(2), byte(0x2D), let day = digits(2) else { return nil }
        (groups[1], groups[2], groups[3]) = (year, month, day)
        let clock = at
        if byte(0x54, 0x20), let hour = digits(2), byte(0x3A), let minute = digits(2) {
            (groups[4], groups[5]) = (hour, minute)
            let seconds = at
            if byte(0x3A), let second = digits(2) { groups[6] = second } else { at = seconds }
        } else {
            at = clock
            groups[4] = nil
            groups[5] = nil
        }
        let zone = at
        if byte(0x5A) {
            groups[7] = "Z"
        } else if byte(0x2B, 0x2D) {
            guard digits(2) != nil else { return nil }
            _ = byte(0x3A)
            guard digits(2) != nil else { return nil }
            groups[7] = String(decoding: bytes[zone..<at], as: UTF8.self)
        }
        return at == bytes.count ? groups : nil
    }
}

extension Int64 {
    /// Division rounded toward minus infinity.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// The remainder of ``floorDivided(by:)``, of the divisor's sign.
    func floorModulo(_ divisor: Int64) -> Int64 { self - floorDivided(by: divisor) * divisor }
}
