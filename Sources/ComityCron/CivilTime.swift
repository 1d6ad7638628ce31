/// A date and time on a wall clock with no time zone (a "naive" local time), counted
/// in minutes since 1970-01-01 00:00, with the proleptic Gregorian calendar. Cron
/// fields match these; the time zone decides which instants they are.
struct CivilTime: Comparable, Sendable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    static func < (a: CivilTime, b: CivilTime) -> Bool { a.minutes < b.minutes }

    /// Days since 1970-01-01 of a Gregorian date (era arithmetic: 400-year cycles).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a count of days since 1970-01-01.
    static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    init(minutes: Int64) {
        let days = Int(minutes >= 0 ? minutes / 1440 : (minutes - 1439) / 1440)
        let inDay = Int(minutes - Int64(days) * 1440)
        let date = Self.date(days: days)
        self.init(year: date.year, month: date.month, day: date.day, hour: inDay / 60, minute: inDay % 60)
    }

    var minutes: Int64 { Int64(Self.days(year: year, month: month, day: day)) * 1440 + Int64(hour * 60 + minute) }

    /// 0 is Sunday, as in cron.
    var weekday: Int {
        let days = Self.days(year: year, month: month, day: day)
        return ((days % 7) + 7 + 4) % 7 // 1970-01-01 was a Thursday
    }
}
