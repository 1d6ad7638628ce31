import ComityCore
import ComityEngine
import Foundation
import LuaBridge
import Testing

/// A sandbox with the core API installed, its clock at the round table's morning.
func apiSandbox(printed: Lines = Lines()) throws -> LuaSandbox {
    let sandbox = try LuaSandbox(limits: .default) { printed.all.append($0) }
    try APIRegistry.core.install(
        in: sandbox, now: try Timestamp(parsing: "2021-01-26T08:00:00Z"), timeZone: TimeZone(identifier: "Europe/Moscow")!)
    return sandbox
}

func luaFailure(_ source: String) throws -> String {
    let sandbox = try apiSandbox()
    do {
        try sandbox.run(source, chunkName: "t.lua")
    } catch {
        return error.message
    }
    throw LuaScriptError("expected '\(source)' to fail")
}

@Suite struct MoneyInLuaTests {
    @Test func amountsAreExactAndFormatted() throws {
        let results = try apiSandbox().run(
            """
            local grant = money(1300000000, "RUB")
            local avg = money("3,523,035.23 RUB")
            return tostring(grant), grant.amount, grant.minor_units, grant.currency,
                   tostring(avg * 369), tostring(grant - avg * 369), tostring(-avg),
                   avg < grant, avg == money("3523035.23", "rub"), "total " .. money(12, "USD")
            """, chunkName: "t.lua")
        #expect(results == [
            "1,300,000,000.00 RUB", "1300000000.00", 130_000_000_000, "RUB", "1,299,999,999.87 RUB", "0.13 RUB",
            "-3,523,035.23 RUB", true, true, "total 12.00 USD",
        ])
    }

    @Test(arguments: [
        ("return money(1, 'RUB') + money(1, 'USD')", "t.lua:1: cannot add RUB and USD amounts (1.00 RUB, 1.00 USD)"),
        ("return money(1, 'RUB') < money(1, 'USD')", "t.lua:1: cannot compare RUB and USD amounts (1.00 RUB, 1.00 USD)"),
        ("return money(1, 'RUB') + 1", "t.lua:1: cannot add Money and number (use money(...) for both)"),
        ("return money('1.005', 'USD')", "t.lua:1: invalid amount '1.005' (USD has 2 decimal places)"),
        ("return money(5)", "t.lua:1: bad argument #2 to 'money' (currency expected, e.g. money(5, \"RUB\"))"),
        ("return money({}, 'RUB')", "t.lua:1: bad argument #1 to 'money' (number or string expected, got table)"),
        ("return money(1, 'RUB', 3)", "t.lua:1: too many arguments to 'money' (expected at most 2, got 3)"),
        ("return money(1, 'RUX')", "t.lua:1: invalid currency 'RUX' (not an ISO 4217 code; did you mean 'RUB'?)"),
        ("return money(1, 'RUB').amout", "t.lua:1: Money has no field 'amout' (did you mean 'amount'?)"),
        ("local m = money(1, 'RUB') m.amount = '2'", "t.lua:1: Money field 'amount' is read-only"),
    ])
    func mistakesAreNamed(source: String, message: String) throws {
        #expect(try luaFailure(source) == message)
    }
}

@Suite struct TimeInLuaTests {
    @Test func theRunsClockAndArithmetic() throws {
        let results = try apiSandbox().run(
            """
            local t = time.parse("2021-01-26T11:00")   -- Moscow, the workspace's zone here
            local due = t + time.days(14)
            return tostring(time.now()), tostring(t), t.hour, t.unix, due.date, tostring(due - t),
                   (due - t).days, t < due, time.days(1) == time.hours(24), tostring(time.minutes(-90)),
                   "due " .. due.date
            """, chunkName: "t.lua")
        #expect(results == [
            "2021-01-26T11:00:00+03:00", "2021-01-26T11:00:00+03:00", 11, 1_611_648_000, "2021-02-09", "14 days", 14,
            true, true, "-1 hour 30 minutes", "due 2021-02-09",
        ])
    }

    @Test(arguments: [
        ("return time.parse('2021-02-30')", "t.lua:1: invalid time '2021-02-30' (expected ISO 8601 such as 2021-01-26, 2021-01-26T11:00, or 2021-01-26T11:00:00+03:00)"),
        ("return time.parse('26/01/2021')", "t.lua:1: invalid time '26/01/2021' (expected ISO 8601 such as 2021-01-26, 2021-01-26T11:00, or 2021-01-26T11:00:00+03:00)"),
        ("return time.now() + 5", "t.lua:1: bad argument #2 to 'Time.__add' (Duration expected, got number)"),
        ("return time.now() - 'x'", "t.lua:1: cannot subtract string from Time (use a Duration such as time.days(7), or another Time)"),
        ("return time.days('many')", "t.lua:1: bad argument #1 to 'time.days' (integer expected, got string)"),
        ("return time.days(1.5)", "t.lua:1: bad argument #1 to 'time.days' (integer expected, got number (1.5))"),
    ])
    func mistakesAreNamed(source: String, message: String) throws {
        #expect(try luaFailure(source) == message)
    }
}

@Suite struct APIRegistryTests {
    @Test func everyDeclarationIsDocumented() throws {
        let registry = APIRegistry.core
        #expect(registry.functions.count >= 7)
        for function in registry.functions {
            #expect(!function.summary.isEmpty, "\(function.name)")
            #expect(function.parameters.allSatisfy { !$0.summary.isEmpty }, "\(function.name)")
            #expect(function.results.allSatisfy { !$0.summary.isEmpty }, "\(function.name)")
        }
    }

    @Test func aNameCannotBeDeclaredTwice() throws {
        var registry = APIRegistry.core
        let again = APIFunction("time.days", summary: "x", origin: "sdg", implementation: { _, _ in .none })
        let error = try #require(throws: DomainError.self) { try registry.add(again) }
        #expect(error.message == "'time.days' is already declared (by core); it cannot be replaced")
        let namespace = APIFunction("time", summary: "x", origin: "sdg", implementation: { _, _ in .none })
        #expect(try #require(throws: DomainError.self) { try registry.add(namespace) }.message
            == "'time' is already a namespace of the API")
        // A name that only starts like a namespace is not one.
        try registry.add(APIFunction("tim", summary: "x", origin: "sdg", implementation: { _, _ in .none }))
        try registry.add(APIFunction("sdg.tag", summary: "Tags a record.", origin: "sdg", implementation: { _, _ in .none }))
        #expect(registry.function(named: "sdg.tag")?.origin == "sdg")
    }

    @Test func theReferenceCoversEveryFunctionAndType() throws {
        let registry = APIRegistry.core
        let markdown = registry.markdownReference()
        for function in registry.functions { #expect(markdown.contains("### `\(function.name)("), "\(function.name)") }
        for type in registry.types { #expect(markdown.contains("### `\(type.name)`")) }
        #expect(markdown.contains("| `currency` | `string?` | ISO 4217 code"))
        #expect(markdown.contains("| `amount` | `number\\|string` |")) // a pipe would end the cell
        #expect(markdown.contains("Creates an application from named fields"))
    }

    @Test func theReferenceAndStubsListEveryEventFromTheSchema() throws {
        let registry = APIRegistry.core
        let markdown = registry.markdownReference()
        for event in DomainSchema.standard.eventNames { #expect(markdown.contains("`\(event)`"), "\(event)") }
        #expect(markdown.contains("| `changes` | `table?` |"))
        #expect(registry.luaLSStubs().contains("---@class FieldChange"))
    }

    /// The stubs must be valid Lua as well as LuaLS annotations: they are loaded here.
    @Test func theStubsAreLuaAndAnnotateEveryFunction() throws {
        let registry = APIRegistry.core
        let stubs = registry.luaLSStubs()
        #expect(stubs.hasPrefix("---@meta"))
        #expect(stubs.contains("---@class Money\n"))
        #expect(stubs.contains("---@param currency? string"))
        #expect(stubs.contains("---@return Duration # The duration.\nfunction time.days(n) end"))
        for function in registry.functions { #expect(stubs.contains("function \(function.name)("), "\(function.name)") }
        let state = try LuaState()
        try state.run(stubs, chunkName: "comity.lua")
        #expect(try state.global("time").typeName == "table")
    }
}
