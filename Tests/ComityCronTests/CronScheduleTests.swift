import ComityCore
import Foundation
import Testing
@testable import ComityCron

/// The repository's root, for fixtures.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func instant(_ text: String) throws -> Timestamp { try Timestamp(parsing: text) }

func zone(_ name: String) throws -> TimeZone {
    try #require(TimeZone(identifier: name))
}

@Suite struct CronScheduleTests {
    /// Next times agree with cronsim (Python, Debian cron's behaviour) on every row of
    /// a committed fixture: several thousand expression/zone/start triples, most of
    /// them within hours of a daylight-saving or offset change.
    @Test func agreesWithAnIndependentImplementation() throws {
        let url = packageRoot.appendingPathComponent("Tests/Fixtures/cron/next-times.tsv")
        let text = try String(contentsOf: url, encoding: .utf8)
        var schedules: [String: CronSchedule] = [:]
        var compared = 0
        var disagreements: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let cells = line.split(separator: "\t").map(String.init)
            try #require(cells.count == 4, "bad fixture line: \(line)")
            let key = cells[0] + "|" + cells[1]
            let schedule = try schedules[key] ?? CronSchedule(cells[0], timeZone: zone(cells[1]))
            schedules[key] = schedule
            let start = try #require(Int64(cells[2]))
            let expected = try #require(Int64(cells[3]))
            let next = schedule.next(after: Timestamp(secondsSince1970: start))
            if next?.secondsSince1970 != expected, disagreements.count < 20 {
                disagreements.append("\(cells[0]) in \(cells[1]) after \(Timestamp(secondsSince1970: start)): "
                    + "cronsim \(Timestamp(secondsSince1970: expected)), comity \(next.map { "\($0)" } ?? "none")")
            }
            compared += 1
        }
        #expect(compared > 5000)
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
    }

    @Test func springForwardRunsASkippedTimeOnceRightAfterTheJump() throws {
        // London, 2024-03-31: 01:00 GMT became 02:00 BST; 01:30 never happened.
        let schedule = try CronSchedule("30 1 * * *", timeZone: zone("Europe/London"))
        let times = schedule.times(after: try instant("2024-03-30T12:00:00Z"), count: 3)
        #expect(times.map(\.description) == ["2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z", "2024-04-02T00:30:00Z"])
        // New York, 2024-03-10: 02:00 EST became 03:00 EDT.
        let ny = try CronSchedule("30 2 * * *", timeZone: zone("America/New_York"))
        #expect(ny.times(after: try instant("2024-03-09T12:00:00Z"), count: 2).map(\.description)
            == ["2024-03-10T07:00:00Z", "2024-03-11T06:30:00Z"])
        // Several skipped times of one schedule make one run.
        let many = try CronSchedule("0,15,30,45 2 * * *", timeZone: zone("America/New_York"))
        #expect(many.times(after: try instant("2024-03-10T06:50:00Z"), count: 2).map(\.description)
            == ["2024-03-10T07:00:00Z", "2024-03-11T06:00:00Z"])
    }

    @Test func fallBackRunsARepeatedTimeOnce() throws {
        // London, 2024-10-27: 02:00 BST went back to 01:00 GMT; 01:30 came twice.
        let schedule = try CronSchedule("30 1 * * *", timeZone: zone("Europe/London"))
        #expect(schedule.times(after: try instant("2024-10-26T12:00:00Z"), count: 2).map(\.description)
            == ["2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z"])
        let ny = try CronSchedule("30 1 * * *", timeZone: zone("America/New_York"))
        #expect(ny.times(after: try instant("2024-11-03T04:00:00Z"), count: 2).map(\.description)
            == ["2024-11-03T05:30:00Z", "2024-11-04T06:30:00Z"])
        // An interval schedule keeps its interval in real time: both passes.
        let hourly = try CronSchedule("@hourly", timeZone: zone("Europe/London"))
        #expect(hourly.times(after: try instant("2024-10-26T23:30:00Z"), count: 4).map(\.description)
            == ["2024-10-27T00:00:00Z", "2024-10-27T01:00:00Z", "2024-10-27T02:00:00Z", "2024-10-27T03:00:00Z"])
    }

    @Test func moscowsHistoricalOffsetChanges() throws {
        let moscow = try zone("Europe/Moscow")
        // 2011-03-27: 02:00 MSK (+03) jumped to 03:00 (+04), and stayed there all year.
        let skipped = try CronSchedule("30 2 * * *", timeZone: moscow)
        #expect(skipped.times(after: try instant("2011-03-26T12:00:00Z"), count: 2).map(\.description)
            == ["2011-03-26T23:00:00Z", "2011-03-27T22:30:00Z"])
        // No change in the autumn of 2011: 08:00 stays at +04.
        let morning = try CronSchedule("0 8 * * *", timeZone: moscow)
        #expect(morning.next(after: try instant("2011-10-30T00:00:00Z"))?.description == "2011-10-30T04:00:00Z")
        // 2014-10-26: 02:00 (+04) went back to 01:00 (+03); 01:30 came twice, runs once.
        let repeated = try CronSchedule("30 1 * * *", timeZone: moscow)
        #expect(repeated.times(after: try instant("2014-10-25T12:00:00Z"), count: 2).map(\.description)
            == ["2014-10-25T21:30:00Z", "2014-10-26T22:30:00Z"])
        #expect(morning.next(after: try instant("2014-10-27T00:00:00Z"))?.description == "2014-10-27T05:00:00Z")
    }

    @Test func dayOfMonthAndDayOfWeekAreOredWhenBothAreRestricted() throws {
        // The 13th, or any Friday.
        let either = try CronSchedule("0 0 13 * 5", timeZone: .gmt)
        #expect(either.times(after: try instant("2026-11-01T00:00:00Z"), count: 4).map(\.description)
            == ["2026-11-06T00:00:00Z", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z"])
        // With a star in one of them, both must match: Fridays only (the 13th has no say).
        let fridays = try CronSchedule("0 0 * * 5", timeZone: .gmt)
        #expect(fridays.next(after: try instant("2026-11-07T00:00:00Z"))?.description == "2026-11-13T00:00:00Z")
        let both = try CronSchedule("0 0 */2 * 5", timeZone: .gmt) // odd days that are Fridays
        #expect(both.times(after: try instant("2026-11-01T00:00:00Z"), count: 2).map(\.description)
            == ["2026-11-13T00:00:00Z", "2026-11-27T00:00:00Z"])
    }

    @Test func namesShorthandsAndSteps() throws {
        let named = try CronExpression("0 8 * jan-mar mon-fri")
        #expect(named.month.values == [1, 2, 3] && named.dayOfWeek.values == [1, 2, 3, 4, 5])
        #expect(try CronExpression("@weekly") .dayOfWeek.values == [0])
        #expect(try CronExpression("0 0 * * 7").dayOfWeek.values == [0])
        #expect(try CronExpression("*/20 * * * *").minute.values == [0, 20, 40])
        #expect(try CronExpression("10-50/20 * * * *").minute.values == [10, 30, 50])
        #expect(try CronExpression("10/20 * * * *").minute.values == [10, 30, 50])
        let annually = try CronExpression("@ANNUALLY")
        #expect(annually.month.values == [1] && annually.dayOfMonth.values == [1] && annually.hour.values == [0])
        let leap = try CronSchedule("0 0 29 2 *", timeZone: .gmt)
        #expect(leap.next(after: try instant("2025-01-01T00:00:00Z"))?.description == "2028-02-29T00:00:00Z")
    }

    @Test(arguments: [
        ("0 8 * *", "it has 4 fields"),
        ("61 8 * * *", "field 1 (minute) '61' has 61, outside 0-59"),
        ("0 24 * * *", "field 2 (hour) '24' has 24, outside 0-23"),
        ("0 8 0 * *", "field 3 (day of month) '0' has 0, outside 1-31"),
        ("0 8 * 13 *", "field 4 (month) '13' has 13, outside 1-12"),
        ("0 8 * * 8", "field 5 (day of week) '8' has 8, outside 0-7"),
        ("0 8 * * funday", "field 5 (day of week) 'funday' has 'funday', which is not a number or a name"),
        ("*/0 * * * *", "field 1 (minute) '*/0' has step '0'"),
        ("0 17-9 * * *", "field 2 (hour) '17-9' has range '17-9' that runs backwards"),
        ("0 8 1,,2 * *", "has an empty item in its list"),
        ("0 0 31 2 *", "field 3 (day of month) '31' never comes: no chosen month has day 31"),
        ("@fortnightly", "'@fortnightly' is not a shorthand"),
        ("0 8 * * 1-", "has a range with a missing end"),
    ])
    func invalidExpressionsNameTheField(expression: String, message: String) throws {
        do {
            _ = try CronExpression(expression)
            Issue.record("'\(expression)' was accepted")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            if error.field != nil { #expect(error.description.contains("allowed:")) }
        }
    }

    @Test(arguments: [
        ("0 8 * * 1", "at 08:00 on Monday"),
        ("0 8 * * 1-5", "at 08:00 on Monday through Friday"),
        ("30 17 * * 1,4", "at 17:30 on Monday and Thursday"),
        ("*/15 * * * *", "every 15 minutes"),
        ("@hourly", "at minute 0 past every hour"),
        ("@daily", "at 00:00 every day"),
        ("30 6,18 * * *", "at 06:30 and 18:30 every day"),
        ("0 9 1,15 * *", "at 09:00 on day 1 and 15 of the month"),
        ("0 9-17 * * 1-5", "at minute 0 past hour 9 through 17 on Monday through Friday"),
        ("0 */6 * * *", "at 00:00, 06:00, 12:00 and 18:00"),
        ("0 0 1 1 *", "at 00:00 on day 1 of the month in January"),
        ("0 */2 * * *", "at minute 0 past every 2nd hour"),
        ("* * * * *", "every minute"),
        ("0 0 13 * 5", "at 00:00 on day 13 of the month or on any Friday"),
        ("0 0 29 2 1", "at 00:00 on day 29 of the month or on any Monday in February"),
    ])
    func explainsInPlainWords(expression: String, sentence: String) throws {
        #expect(CronDescription.sentence(for: try CronExpression(expression)) == sentence)
    }

    @Test func civilDaysRoundTrip() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let date = CivilTime.date(days: days)
            #expect(CivilTime.days(year: date.year, month: date.month, day: date.day) == days)
        }
        #expect(CivilTime(year: 2026, month: 11, day: 29, hour: 0, minute: 0).weekday == 0) // a Sunday
    }
}
