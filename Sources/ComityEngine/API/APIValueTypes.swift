import ComityCore
import Foundation
import LuaBridge

final class MoneyObject {
    let value: Money
    init(_ value: Money) { self.value = value }
}

final class TimeObject {
    let value: Timestamp
    /// The zone it is read in; nil for the workspace's. An event's times carry the
    /// event's zone, so `ev.starts_at.hour` is the hour on the invitation.
    let zone: TimeZone?
    init(_ value: Timestamp, zone: TimeZone? = nil) {
        self.value = value
        self.zone = zone
    }
}

final class DurationObject {
    let value: Timespan
    init(_ value: Timespan) { self.value = value }
}

/// How `Money`, `Time` and `Duration` look from Lua: userdata with read-only fields,
/// arithmetic and comparison operators, and `tostring`.
final class APIValueTypes {
    let money = LuaUserdataType<MoneyObject>("Money")
    let time = LuaUserdataType<TimeObject>("Time")
    let duration = LuaUserdataType<DurationObject>("Duration")
    let timeZone: TimeZone

    init(timeZone: TimeZone) {
        self.timeZone = timeZone
        defineMoney()
        defineTime()
        defineDuration()
    }

    /// The types as the registry documents them: made from the same members the
    /// bindings are.
    static var declarations: [APITypeDeclaration] {
        [moneyType.declaration, timeType.declaration, durationType.declaration]
    }

    static var moneyType: APIBoundType<APIValueTypes, MoneyObject> {
        APIBoundType(
            "Money", summary: "An amount in one currency, kept as whole minor units (kopecks, cents).",
            fields: [
                .init("amount", .string, "The amount in major units, as exact decimal text: \"1300000000.00\".") { _, m in
                    .string(LuaString(m.value.amountText))
                },
                .init("minor_units", .integer, "The amount in minor units: 130000000000.") { _, m in .integer(m.value.minorUnits) },
                .init("currency", .string, "The ISO 4217 code: \"RUB\".") { _, m in .string(LuaString(m.value.currency.code)) },
            ],
            operators: ["add(Money): Money", "sub(Money): Money", "mul(integer): Money", "unm: Money"])
    }

    static var timeType: APIBoundType<APIValueTypes, TimeObject> {
        func component(_ unit: Calendar.Component) -> (APIValueTypes, TimeObject) -> LuaValue {
            { host, object in .integer(Int64(host.calendar(object).component(unit, from: object.value.date))) }
        }
        return APIBoundType(
            "Time", summary: "A moment, to the second, read in a time zone: the workspace's, an event's own for its times, or one chosen with `t:in_zone(\"Europe/Moscow\")`. `tostring` gives ISO 8601 in that zone.",
            fields: [
                .init("year", .integer, "In the time's zone.", get: component(.year)),
                .init("month", .integer, "1 to 12.", get: component(.month)),
                .init("day", .integer, "1 to 31.", get: component(.day)),
                .init("hour", .integer, "0 to 23.", get: component(.hour)),
                .init("minute", .integer, "0 to 59.", get: component(.minute)),
                .init("unix", .integer, "Seconds since 1970-01-01T00:00:00Z.") { _, t in .integer(t.value.secondsSince1970) },
                .init("date", .string, "The calendar date: \"2021-01-26\".") { host, t in
                    .string(LuaString(String(t.value.formatted(in: host.zone(t)).prefix(10))))
                },
                .init("zone", .string, "The zone it is read in: \"Europe/Moscow\".") { host, t in .string(LuaString(host.zone(t).name)) },
            ],
            methods: [
                .init(method: APIMethod("in_zone", summary: "The same moment read in another zone (an IANA name).",
                                        parameters: [APIParameter("zone", .string, "Such as \"Europe/Moscow\" or \"UTC\".")],
                                        results: [APIResult(.named("Time"), "The same moment.")])) { host, object, call in
                    let name = try call.string(2)
                    guard let zone = TimeZone(identifier: name) else {
                        throw LuaArgumentError(index: 2, problem: "unknown time zone '\(name)' (IANA names such as Europe/Moscow, America/New_York, UTC)")
                    }
                    try call.state.push(TimeObject(object.value, zone: zone), as: host.time)
                    return LuaResults(count: 1)
                },
                .init(method: APIMethod("format", summary: "Text in the time's zone from a pattern with %Y %m %d %H %M %S %y %b %B %a %A %j %z %Z %%: `t:format(\"%d %B %Y, %H:%M\")`.",
                                        parameters: [APIParameter("pattern", .string, "The pattern.")],
                                        results: [APIResult(.string, "The text.")])) { host, object, call in
                    try call.returning(try TimePattern.format(object.value, try call.string(2), calendar: host.calendar(object)))
                },
            ],
            operators: ["add(Duration): Time", "sub(Duration): Time", "sub(Time): Duration"])
    }

    static var durationType: APIBoundType<APIValueTypes, DurationObject> {
        APIBoundType(
            "Duration", summary: "A length of time, to the second: `time.days(14)`.",
            fields: [
                .init("seconds", .integer, "The whole length in seconds.") { _, d in .integer(d.value.seconds) },
                .init("days", .integer, "Whole days in it (rounded towards zero).") { _, d in .integer(d.value.seconds / 86_400) },
            ],
            operators: ["add(Duration): Duration", "sub(Duration): Duration", "mul(integer): Duration", "unm: Duration"])
    }

    // MARK: Checks, used for declared parameter types

    func matches(_ call: borrowing LuaCall, _ n: Int32, named name: String) -> Bool {
        switch name {
        case "Money": call.optionalObject(n, as: money) != nil
        case "Time": call.optionalObject(n, as: time) != nil
        case "Duration": call.optionalObject(n, as: duration) != nil
        default: false
        }
    }

    // MARK: Pushing

    func push(_ value: Money, _ call: borrowing LuaCall) throws -> LuaResults {
        try call.state.push(MoneyObject(value), as: money)
        return LuaResults(count: 1)
    }

    func push(_ value: Timestamp, zone: TimeZone? = nil, _ call: borrowing LuaCall) throws -> LuaResults {
        try call.state.push(TimeObject(value, zone: zone), as: time)
        return LuaResults(count: 1)
    }

    /// The zone `object` is read in.
    func zone(_ object: TimeObject) -> TimeZone { object.zone ?? timeZone }

    fileprivate func calendar(_ object: TimeObject) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone(object)
        return calendar
    }

    func push(_ value: Timespan, _ call: borrowing LuaCall) throws -> LuaResults {
        try call.state.push(DurationObject(value), as: duration)
        return LuaResults(count: 1)
    }

    // MARK: Money

    private func defineMoney() {
        Self.moneyType.bind(money, to: self)
        money.metamethod("__tostring") { [unowned self] call in
            try call.returning(try call.object(1, as: money).value.description)
        }
        money.metamethod("__add") { [unowned self] call in
            let (a, b) = try twoMoneys(call, "add")
            return try push(try a.adding(b), call)
        }
        money.metamethod("__sub") { [unowned self] call in
            let (a, b) = try twoMoneys(call, "subtract")
            return try push(try a.subtracting(b), call)
        }
        money.metamethod("__mul") { [unowned self] call in
            if let a = call.optionalObject(1, as: money) { return try push(try a.value.multiplied(by: try call.integer(2)), call) }
            return try push(try call.object(2, as: money).value.multiplied(by: try call.integer(1)), call)
        }
        money.metamethod("__unm") { [unowned self] call in
            try push(try call.object(1, as: money).value.multiplied(by: -1), call)
        }
        money.metamethod("__eq") { [unowned self] call in
            call.returning(call.optionalObject(1, as: money)?.value == call.optionalObject(2, as: money)?.value)
        }
        money.metamethod("__lt") { [unowned self] call in
            let (a, b) = try twoMoneys(call, "compare")
            return call.returning(try a.isLess(than: b))
        }
        money.metamethod("__le") { [unowned self] call in
            let (a, b) = try twoMoneys(call, "compare")
            return call.returning(try !b.isLess(than: a))
        }
        money.metamethod("__concat") { [unowned self] call in
            try call.returning(try text(call, 1) + text(call, 2))
        }
    }

    private func twoMoneys(_ call: borrowing LuaCall, _ verb: String) throws -> (Money, Money) {
        guard let a = call.optionalObject(1, as: money), let b = call.optionalObject(2, as: money) else {
            let other = call.optionalObject(1, as: money) == nil ? 1 : 2
            throw LuaScriptError("cannot \(verb) Money and \(call.typeName(Int32(other))) (use money(...) for both)")
        }
        return (a.value, b.value)
    }

    /// The text of a Money, Time or Duration value, as `tostring` gives it; nil for
    /// anything else. For JSON and reports.
    func text(of value: LuaValue, in state: LuaState) -> String? {
        if let m = state.object(in: value, as: money) { return m.value.description }
        if let t = state.object(in: value, as: time) { return t.value.formatted(in: zone(t)) }
        if let d = state.object(in: value, as: duration) { return d.value.description }
        return nil
    }

    /// A concatenation operand as text: Money, Time and Duration by their `tostring`.
    private func text(_ call: borrowing LuaCall, _ n: Int32) throws -> String {
        if let m = call.optionalObject(n, as: money) { return m.value.description }
        if let t = call.optionalObject(n, as: time) { return t.value.formatted(in: zone(t)) }
        if let d = call.optionalObject(n, as: duration) { return d.value.description }
        return try call.string(n)
    }

    // MARK: Time

    private func defineTime() {
        Self.timeType.bind(time, to: self)
        time.metamethod("__tostring") { [unowned self] call in
            let object = try call.object(1, as: time)
            return try call.returning(object.value.formatted(in: zone(object)))
        }
        time.metamethod("__add") { [unowned self] call in
            if let t = call.optionalObject(1, as: time) {
                return try push(try t.value.adding(try call.object(2, as: duration).value), zone: t.zone, call)
            }
            let t = try call.object(2, as: time)
            return try push(try t.value.adding(try call.object(1, as: duration).value), zone: t.zone, call)
        }
        time.metamethod("__sub") { [unowned self] call in
            let t = try call.object(1, as: time)
            if let other = call.optionalObject(2, as: time) { return try push(t.value.since(other.value), call) }
            guard let span = call.optionalObject(2, as: duration) else {
                throw LuaScriptError("cannot subtract \(call.typeName(2)) from Time (use a Duration such as time.days(7), or another Time)")
            }
            return try push(try t.value.subtracting(span.value), zone: t.zone, call)
        }
        defineComparisons(time) { $0.value }
    }

    // MARK: Duration

    private func defineDuration() {
        Self.durationType.bind(duration, to: self)
        duration.metamethod("__tostring") { [unowned self] call in
            try call.returning(try call.object(1, as: duration).value.description)
        }
        duration.metamethod("__add") { [unowned self] call in
            if let t = call.optionalObject(2, as: time) {
                return try push(try t.value.adding(try call.object(1, as: duration).value), zone: t.zone, call)
            }
            let (a, b) = (try call.object(1, as: duration).value, try call.object(2, as: duration).value)
            let (sum, overflow) = a.seconds.addingReportingOverflow(b.seconds)
            if overflow { throw LuaScriptError("Duration \(a) + \(b) is out of range") }
            return try push(Timespan(seconds: sum), call)
        }
        duration.metamethod("__sub") { [unowned self] call in
            let (a, b) = (try call.object(1, as: duration).value, try call.object(2, as: duration).value)
            let (difference, overflow) = a.seconds.subtractingReportingOverflow(b.seconds)
            if overflow { throw LuaScriptError("Duration \(a) - \(b) is out of range") }
            return try push(Timespan(seconds: difference), call)
        }
        duration.metamethod("__mul") { [unowned self] call in
            let (span, factor) = call.optionalObject(1, as: duration) != nil
                ? (try call.object(1, as: duration).value, try call.integer(2))
                : (try call.object(2, as: duration).value, try call.integer(1))
            let (product, overflow) = span.seconds.multipliedReportingOverflow(by: factor)
            if overflow { throw LuaScriptError("Duration \(span) × \(factor) is out of range") }
            return try push(Timespan(seconds: product), call)
        }
        duration.metamethod("__unm") { [unowned self] call in
            try push(Timespan(seconds: 0 &- (try call.object(1, as: duration).value.seconds)), call)
        }
        defineComparisons(duration) { $0.value }
    }

    /// `==`, `<`, `<=` and `..` for objects that wrap a comparable value.
    private func defineComparisons<Object: AnyObject, Value: Comparable>(
        _ type: LuaUserdataType<Object>, _ value: @escaping (Object) -> Value
    ) {
        type.metamethod("__eq") { [unowned type] call in
            call.returning(call.optionalObject(1, as: type).map(value) == call.optionalObject(2, as: type).map(value))
        }
        type.metamethod("__lt") { [unowned type] call in
            call.returning(value(try call.object(1, as: type)) < value(try call.object(2, as: type)))
        }
        type.metamethod("__le") { [unowned type] call in
            call.returning(value(try call.object(1, as: type)) <= value(try call.object(2, as: type)))
        }
        type.metamethod("__concat") { [unowned self] call in
            try call.returning(try text(call, 1) + text(call, 2))
        }
    }
}
