import Foundation
import HumanReadable

/// A standard five-field cron expression (minute, hour, day of month, month, day of
/// week) or one of the `@` shorthands. Matching follows Vixie cron: when day of month
/// and day of week are both restricted (neither starts with `*`), a day matches if
/// either does; otherwise both must.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let minute: CronField
    public let hour: CronField
    public let dayOfMonth: CronField
    public let month: CronField
    public let dayOfWeek: CronField
    /// The expression as written (`@daily`, `0 8 * * 1-5`).
    public let text: String

    /// The `@` shorthands and what they stand for.
    public static let shorthands: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    public init(_ text: String) throws(CronExpressionError) {
        let trimmed = text.trimmingBlanks()
        self.text = trimmed
        var source = trimmed
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.shorthands[trimmed.lowercased()] else {
                throw CronExpressionError(
                    expression: text, field: nil, text: trimmed,
                    problem: "'\(trimmed)' is not a shorthand; use one of "
                        + Self.shorthands.keys.sorted().joined(separator: ", ") + " or five fields")
            }
            source = expanded
        }
        let parts = source.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw CronExpressionError(
                expression: text, field: nil, text: trimmed,
                problem: "it has \(parts.count) field\(parts.count == 1 ? "" : "s"); five are needed: "
                    + "minute hour day-of-month month day-of-week (as in '0 8 * * 1')")
        }
        minute = try CronField(parts[0], kind: .minute, expression: text)
        hour = try CronField(parts[1], kind: .hour, expression: text)
        dayOfMonth = try CronField(parts[2], kind: .dayOfMonth, expression: text)
        month = try CronField(parts[3], kind: .month, expression: text)
        dayOfWeek = try CronField(parts[4], kind: .dayOfWeek, expression: text)
        if daysMustBothMatch {
            // A day that no chosen month has (`0 0 31 2 *`) would never come.
            let longest = month.values.map { CivilTime.daysIn(month: $0, year: 2000) }.max() ?? 31
            if let first = dayOfMonth.values.first, first > longest {
                throw CronExpressionError(
                    expression: text, field: .dayOfMonth, text: parts[2],
                    problem: "never comes: no chosen month has day \(first)")
            }
        }
    }

    public var description: String { text }

    /// Day of month and day of week must both match (one of them starts with `*`);
    /// when both are restricted, either one is enough.
    public var daysMustBothMatch: Bool { dayOfMonth.startsWithStar || dayOfWeek.startsWithStar }

    /// A time of day written with specific minute and hour (`30 2 * * *`), as opposed
    /// to an interval (`*/15 * * * *`, `0 * * * *`). Across a daylight-saving change
    /// Vixie cron runs such a job once: a skipped time right after the jump, a
    /// repeated time the first time round. Interval jobs follow the clock.
    public var isFixedTime: Bool { !minute.startsWithStar && !hour.startsWithStar }

    func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        let weekday = CivilTime(year: year, month: month, day: day, hour: 0, minute: 0).weekday
        let byDay = dayOfMonth.contains(day)
        let byWeekday = dayOfWeek.contains(weekday)
        return daysMustBothMatch ? byDay && byWeekday : byDay || byWeekday
    }

    func matches(_ time: CivilTime) -> Bool {
        minute.contains(time.minute) && hour.contains(time.hour) && month.contains(time.month)
            && matchesDay(year: time.year, month: time.month, day: time.day)
    }

    /// The first wall-clock time at or after `start` that the expression matches;
    /// nil if none comes within 400 years (`0 0 30 2 1` on a day of week only).
    func nextMatch(atOrAfter start: CivilTime) -> CivilTime? {
        var t = start
        let lastYear = start.year + 400
        func nextMonth() {
            if let m = month.next(atLeast: t.month + 1) {
                t.month = m
            } else {
                t.year += 1
                t.month = month.next(atLeast: 1) ?? 1
            }
            (t.day, t.hour, t.minute) = (1, 0, 0)
        }
        func nextDay() {
            t.day += 1
            (t.hour, t.minute) = (0, 0)
        }
        while t.year <= lastYear {
            guard month.contains(t.month) else { nextMonth(); continue }
            guard t.day <= CivilTime.daysIn(month: t.month, year: t.year) else { nextMonth(); continue }
            guard matchesDay(year: t.year, month: t.month, day: t.day) else { nextDay(); continue }
            guard let h = hour.next(atLeast: t.hour) else { nextDay(); continue }
            if h != t.hour { (t.hour, t.minute) = (h, 0) }
            guard let m = minute.next(atLeast: t.minute) else {
                t.hour += 1
                t.minute = 0
                if t.hour > 23 { nextDay() }
                continue
            }
            t.minute = m
            return t
        }
        return nil
    }
}
