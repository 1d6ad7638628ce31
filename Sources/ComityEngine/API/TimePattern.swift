import ComityCore
import Foundation
import LuaBridge

/// `t:format("%d %B %Y")`: strftime's common directives, in English whatever the
/// machine's locale, so that a report reads the same on every machine.
enum TimePattern {
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                         "October", "November", "December"]
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func format(_ time: Timestamp, _ pattern: String, calendar: Calendar) throws -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: time.date)
        let (year, month, day) = (c.year ?? 0, c.month ?? 1, c.day ?? 1)
        var text = ""
        var characters = pattern.makeIterator()
        while let character = characters.next() {
            guard character == "%" else {
                text.append(character)
                continue
            }
            guard let directive = characters.next() else {
                throw LuaArgumentError(index: 2, problem: "the pattern ends with a lone '%' (write %% for a percent sign)")
            }
            switch directive {
            case "Y": text += String(year)
            case "y": text += two(year % 100)
            case "m": text += two(month)
            case "d": text += two(day)
            case "e": text += String(day)
            case "H": text += two(c.hour ?? 0)
            case "M": text += two(c.minute ?? 0)
            case "S": text += two(c.second ?? 0)
            case "B": text += months[month - 1]
            case "b": text += String(months[month - 1].prefix(3))
            case "A": text += weekdays[(c.weekday ?? 1) - 1]
            case "a": text += String(weekdays[(c.weekday ?? 1) - 1].prefix(3))
            case "j":
                let ordinal = calendar.ordinality(of: .day, in: .year, for: time.date) ?? 1
                text += String(repeating: "0", count: 3 - String(ordinal).count) + String(ordinal)
            case "z":
                let offset = calendar.timeZone.secondsFromGMT(for: time.date)
                text += (offset < 0 ? "-" : "+") + two(abs(offset) / 3600) + two(abs(offset) % 3600 / 60)
            case "Z": text += calendar.timeZone.name
            case "%": text += "%"
            default:
                throw LuaArgumentError(index: 2, problem: "unknown directive '%\(directive)' in the pattern (known: %Y %y %m %d %e %H %M %S %B %b %A %a %j %z %Z %%)")
            }
        }
        return text
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
}
