/// A cron expression in a plain sentence: `0 8 * * 1` is "at 08:00 on Monday".
public enum CronDescription {
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August",
                             "September", "October", "November", "December"]
    static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    public static func sentence(for expression: CronExpression) -> String {
        var parts = [time(expression)]
        if let days = days(expression) {
            parts.append(days)
        } else if expression.isFixedTime, expression.month.isFull {
            parts.append("every day")
        }
        if !expression.month.isFull {
            parts.append("in " + list(runs(expression.month.values)) { monthNames[$0 - 1] })
        }
        return parts.joined(separator: " ")
    }

    private static func time(_ e: CronExpression) -> String {
        let minutes = e.minute.values
        let hours = e.hour.values
        if e.minute.isFull, e.hour.isFull { return "every minute" }
        if e.hour.isFull, let step = step(e.minute) { return "every \(step) minutes" }
        if e.minute.isFull { return "every minute " + hourPhrase(e.hour) }
        if e.isFixedTime || (minutes.count * hours.count <= 4 && !e.hour.isFull) {
            if minutes.count * hours.count <= 6 {
                let times = hours.flatMap { h in minutes.map { m in clock(h, m) } }
                return "at " + list(times.map { [$0] }) { $0 }
            }
        }
        let minutePhrase: String
        if let step = step(e.minute) {
            minutePhrase = "every \(step) minutes"
        } else if minutes.count == 1 {
            minutePhrase = "at minute \(minutes[0])"
        } else {
            minutePhrase = "at minutes " + list(runs(minutes)) { String($0) }
        }
        return minutePhrase + " " + hourPhrase(e.hour)
    }

    private static func hourPhrase(_ field: CronField) -> String {
        if field.isFull { return "past every hour" }
        if let step = step(field) { return "past every \(ordinal(step)) hour" }
        return "past hour " + list(runs(field.values)) { String($0) }
    }

    private static func days(_ e: CronExpression) -> String? {
        let dom = e.dayOfMonth.isFull ? nil : "on day " + list(runs(e.dayOfMonth.values)) { String($0) } + " of the month"
        let dow = e.dayOfWeek.values.count == 7 ? nil : "on " + list(runs(e.dayOfWeek.values)) { dayNames[$0] }
        switch (dom, dow) {
        case (nil, nil): return nil
        case (let d?, nil): return d
        case (nil, let w?): return w
        // Vixie's rule: with both day fields restricted, a day matching either runs.
        case (let d?, let w?): return e.daysMustBothMatch ? "\(d) if it is also \(w.dropFirst(3))" : "\(d) or on any \(w.dropFirst(3))"
        }
    }

    /// `*/n` or `a-b/n` from the start of the range: the step, else nil.
    private static func step(_ field: CronField) -> Int? {
        let values = field.values
        guard values.count > 2, values.first == field.kind.range.lowerBound else { return nil }
        let gap = values[1] - values[0]
        guard gap > 1, zip(values, values.dropFirst()).allSatisfy({ $1 - $0 == gap }),
              values.last.map({ $0 + gap > field.kind.range.upperBound }) ?? false else { return nil }
        return gap
    }

    private static func clock(_ hour: Int, _ minute: Int) -> String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    private static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }

    /// Consecutive values grouped: [1,2,3,5] is [[1,2,3],[5]].
    private static func runs(_ values: [Int]) -> [[Int]] {
        var result: [[Int]] = []
        for value in values {
            if let last = result.last?.last, last + 1 == value { result[result.count - 1].append(value) } else { result.append([value]) }
        }
        return result
    }

    /// "Monday through Friday", "January and July", "1, 15 and 28".
    private static func list<T>(_ groups: [[T]], _ name: (T) -> String) -> String {
        let items = groups.flatMap { group -> [String] in
            guard let first = group.first, let last = group.last else { return [] }
            return group.count >= 3 ? ["\(name(first)) through \(name(last))"] : group.map(name)
        }
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + last
    }
}
