import ComityCore
import Foundation
import LuaBridge

/// The functions of the core API that need no store: money and time. `workflow` is
/// declared here for the reference and the stubs; the runner installs it.
enum CoreAPI {
    /// The shortest decimal text that reads back as `float`, when it has one in plain
    /// digits and the float is within the range where every whole number is exact.
    static func exactText(of float: Double) throws(LuaArgumentError) -> String {
        guard float.isFinite, abs(float) < 9_007_199_254_740_992 else {
            throw LuaArgumentError(index: 1, problem: "\(float) is beyond the floats that are exact (2^53); give the amount as an integer or as text")
        }
        let text = "\(float)".hasSuffix(".0") ? String("\(float)".dropLast(2)) : "\(float)"
        guard !text.contains("e") else {
            throw LuaArgumentError(index: 1, problem: "\(float) is not an exact amount; give it as text, such as \"0.01\"")
        }
        return text
    }

    static var functions: [APIFunction] {
        [
            APIFunction(
                "money",
                summary: "An amount of money: `money(1300000000, \"RUB\")`, `money(\"12.50\", \"USD\")`, or `money(\"1,300,000,000.00 RUB\")`. Amounts are exact; more decimals than the currency has is an error.",
                parameters: [
                    APIParameter("amount", .oneOf([.number, .string]), "Major units: a number that is exactly its digits (2.5, not 0.1 + 0.2), or decimal text (may end with the currency code)."),
                    APIParameter("currency", .optional(.string), "ISO 4217 code, unless the amount text ends with one."),
                ],
                results: [APIResult(.named("Money"), "The amount.")],
                implementation: { call, context in
                    let currencyText: String
                    var amountText = try call.string(1)
                    // A float is taken only when it is exactly what its digits say: Lua
                    // shows 0.1 + 0.2 as 0.3, which it is not.
                    var fromFloat = false
                    if case .number(let float) = try call.value(1) {
                        amountText = try Self.exactText(of: float)
                        fromFloat = true
                    }
                    if let given = try call.optionalString(2) {
                        currencyText = given
                    } else if let space = amountText.lastIndex(of: " ") {
                        currencyText = String(amountText[amountText.index(after: space)...])
                        amountText = String(amountText[..<space])
                    } else {
                        throw LuaArgumentError(index: 2, problem: "currency expected, e.g. money(\(amountText), \"RUB\")")
                    }
                    let currency = try Currency(currencyText)
                    do {
                        return try context.types.push(try Money(amountText, currency: currency), call)
                    } catch var error as DomainError where fromFloat {
                        error.message += "; it was a float, which is not exact: give the amount as text or in whole units"
                        throw error
                    }
                }),
            APIFunction(
                "time.now", summary: "The run's clock: the moment the run is for (`--now` sets it; a schedule's slot time later).",
                results: [APIResult(.named("Time"), "Now, for this run.")],
                implementation: { call, context in try context.types.push(context.now, call) }),
            APIFunction(
                "time.parse",
                summary: "A moment from ISO 8601 text: `2021-01-26`, `2021-01-26T11:00` (local time in the zone given, else the workspace's) or `2021-01-26T11:00:00+03:00`.",
                parameters: [APIParameter("text", .string, "The date or date and time."),
                             APIParameter("zone", .optional(.string), "An IANA time zone for a local time, such as \"Europe/Moscow\"; the result is read in it.")],
                results: [APIResult(.named("Time"), "The moment.")],
                implementation: { call, context in
                    var zone: TimeZone?
                    if let name = try call.optionalString(2) {
                        guard let named = TimeZone(identifier: name) else {
                            throw LuaArgumentError(index: 2, problem: "unknown time zone '\(name)' (IANA names such as Europe/Moscow, America/New_York, UTC)")
                        }
                        zone = named
                    }
                    return try context.types.push(try Timestamp(parsing: try call.string(1), in: zone ?? context.timeZone), zone: zone, call)
                }),
            APIFunction(
                "time.days", summary: "A duration of whole days: `ev.ends_at + time.days(14)`.",
                parameters: [APIParameter("n", .integer, "How many days (may be negative).")],
                results: [APIResult(.named("Duration"), "The duration.")],
                implementation: { call, context in try context.types.push(try Timespan.days(try call.integer(1)), call) }),
            APIFunction(
                "time.hours", summary: "A duration of whole hours.",
                parameters: [APIParameter("n", .integer, "How many hours (may be negative).")],
                results: [APIResult(.named("Duration"), "The duration.")],
                implementation: { call, context in try context.types.push(try Timespan.hours(try call.integer(1)), call) }),
            APIFunction(
                "time.minutes", summary: "A duration of whole minutes.",
                parameters: [APIParameter("n", .integer, "How many minutes (may be negative).")],
                results: [APIResult(.named("Duration"), "The duration.")],
                implementation: { call, context in try context.types.push(try Timespan.minutes(try call.integer(1)), call) }),
            APIFunction(
                "report",
                summary: "Declares a report; a script (or its workflow's `run`) returns it for `comity report`: `return report { title = \"...\", sections = { { heading = \"...\", text = \"...\", table = { columns = {...}, rows = {{...}} } } } }`. Its parts are the types `Report`, `ReportSection`, `ReportTable`, `ReportChart` and `ReportSeries`.",
                parameters: [APIParameter("document", .named("Report"), "The report's title, subtitle and sections.")],
                results: [APIResult(.named("Report"), "The same report, checked.")],
                implementation: nil),
            APIFunction(
                "workflow",
                summary: "Declares a workflow; a script returns it: `return workflow { name = \"event-followups\", run = function(ctx) ... end }`. Its fields are the type `Workflow`'s (see the README's Workflows).",
                parameters: [APIParameter("declaration", .named("Workflow"), "The workflow's fields.")],
                results: [APIResult(.named("Workflow"), "The same declaration, checked.")],
                implementation: nil),
        ]
    }
}
