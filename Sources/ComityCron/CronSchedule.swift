import ComityCore
import Foundation

/// A cron expression read in a time zone: the instants at which it comes due.
///
/// Daylight-saving changes follow Vixie cron. A fixed-time schedule (specific minute
/// and hour, as `30 2 * * *`) runs once for each wall-clock time it names: a time
/// skipped by a spring-forward runs right after the jump, and a time repeated in
/// autumn runs the first time round only. An interval schedule (`*/15 * * * *`,
/// `@hourly`) follows the clock: nothing in the skipped hour, and both passes of a
/// repeated one, so it keeps its interval in real time.
public struct CronSchedule: Sendable, Equatable {
    public let expression: CronExpression
    public let timeZone: TimeZone

    public init(_ expression: CronExpression, timeZone: TimeZone) {
        self.expression = expression
        self.timeZone = timeZone
    }

    public init(_ text: String, timeZone: TimeZone) throws(CronExpressionError) {
        self.init(try CronExpression(text), timeZone: timeZone)
    }

    /// The first instant strictly after `time` at which the schedule is due; nil if it
    /// never comes again (within 400 years).
    public func next(after time: Timestamp) -> Timestamp? {
        expression.isFixedTime ? nextFixedTime(after: time.secondsSince1970) : nextOnTheClock(after: time.secondsSince1970)
    }

    /// The next `count` instants after `time`.
    public func times(after time: Timestamp, count: Int) -> [Timestamp] {
        var result: [Timestamp] = []
        var last = time
        while result.count < count, let next = next(after: last) {
            result.append(next)
            last = next
        }
        return result
    }

    /// Every instant in `(after, through]`, oldest first, at most `limit` of them
    /// (the newest `limit` when there are more).
    public func times(after start: Timestamp, through end: Timestamp, limit: Int) -> [Timestamp] {
        var result: [Timestamp] = []
        var last = start
        while let next = next(after: last), next <= end {
            result.append(next)
            if result.count > limit { result.removeFirst() }
            last = next
        }
        return result
    }

    private func offset(at seconds: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))))
    }

    private func transition(after seconds: Int64) -> Int64? {
        timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(seconds)))
            .map { Int64($0.timeIntervalSince1970.rounded(.down)) }
    }

    /// The wall-clock minute an instant shows in the zone.
    private func wallClock(at seconds: Int64) -> Int64 {
        let local = seconds + offset(at: seconds)
        return local >= 0 ? local / 60 : (local - 59) / 60
    }

    /// The one instant a fixed-time schedule gives a wall-clock time: itself when it
    /// happens once, its first occurrence when it happens twice, the moment the clock
    /// jumped when it was skipped.
    private func instant(of wall: CivilTime) -> Int64 {
        let naive = wall.minutes * 60
        // Offsets in force a day either side: any change at this time lies between them.
        let before = offset(at: naive - 86_400)
        let after = offset(at: naive + 86_400)
        let valid = Set([before, after]).map { naive - $0 }.filter { offset(at: $0) == naive - $0 }
        if let first = valid.min() { return first }
        // Skipped: the jump happened between these two readings of the time.
        return transition(after: naive - max(before, after)) ?? naive - before
    }

    private func nextFixedTime(after seconds: Int64) -> Timestamp? {
        // Start a little before the wall clock's reading: a wall-clock time before it
        // may belong to an instant after it across a change (at most a few hours).
        var from = CivilTime(minutes: wallClock(at: seconds) - 4 * 60)
        for _ in 0..<100_000 {
            guard let match = expression.nextMatch(atOrAfter: from) else { return nil }
            let instant = instant(of: match)
            if instant > seconds { return Timestamp(secondsSince1970: instant) }
            from = CivilTime(minutes: match.minutes + 1)
        }
        return nil
    }

    private func nextOnTheClock(after seconds: Int64) -> Timestamp? {
        // The next whole minute, then stretch by stretch of constant offset.
        var instant = (seconds >= 0 ? seconds / 60 : (seconds - 59) / 60) * 60 + 60
        for _ in 0..<10_000 {
            let offset = offset(at: instant)
            let end = transition(after: instant)
            let local = (instant + offset) / 60
            guard let match = expression.nextMatch(atOrAfter: CivilTime(minutes: local)) else { return nil }
            let candidate = match.minutes * 60 - offset
            if end.map({ candidate < $0 }) ?? true { return Timestamp(secondsSince1970: candidate) }
            instant = end ?? candidate
        }
        return nil
    }
}
