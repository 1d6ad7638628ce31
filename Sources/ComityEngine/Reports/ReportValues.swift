import ComityCore
import ComityReports
import Foundation
import LuaBridge

/// Between Lua and `ReportDocument`: the global `report {...}`, which checks a report
/// and returns it, and the reading of what a script returned.
enum ReportValues {
    static func installReport(in state: LuaState, context: APIContext, records: RecordBindings?) throws(LuaError) {
        try state.register("report") { call in
            let table = try call.table(1)
            do throws(LuaError) {
                _ = try ReportDocument(table, text: { text($0, state: call.state, context: context, records: records) },
                                       plain: { plain($0, state: call.state, context: context, records: records) },
                                       number: { number($0, state: call.state, context: context) })
            } catch {
                throw LuaScriptError(error.message)
            }
            return call.returningArgument(1)
        }
    }

    /// The report in a returned value, if it is one (a table with `title` and `sections`).
    static func document(_ value: LuaValue?, state: LuaState, context: APIContext, records: RecordBindings?) throws(LuaError)
        -> ReportDocument?
    {
        guard case .table(let table) = value, table["title"] != .nil, table["sections"] != .nil else { return nil }
        return try ReportDocument(table, text: { text($0, state: state, context: context, records: records) },
                                  plain: { plain($0, state: state, context: context, records: records) },
                                  number: { number($0, state: state, context: context) })
    }

    static func text(_ value: LuaValue, state: LuaState, context: APIContext, records: RecordBindings?) -> String? {
        switch value {
        case .nil: return ""
        case .boolean(let b): return b ? "yes" : "no"
        case .integer(let i): return String(i)
        case .number(let d): return ReportHTML.number(d, unit: nil)
        case .string(let s): return s.description
        case .userdata:
            if let text = context.types.text(of: value, in: state) { return text }
            if let record = records?.recordObject(in: value) {
                return (record.record.fields["name"] ?? record.record.fields["title"])?.description ?? record.record.reference.description
            }
            return nil
        default: return nil
        }
    }

    /// A cell as machines read it: numbers stay numbers, Money is its amount and
    /// currency, anything else its text.
    static func plain(_ value: LuaValue, state: LuaState, context: APIContext, records: RecordBindings?) -> ReportDocument.Value {
        switch value {
        case .nil: return .empty
        case .boolean(let b): return .boolean(b)
        case .integer(let i): return .integer(i)
        case .number(let d): return d.isFinite ? .number(d) : .text(String(d))
        case .userdata:
            if let m = state.object(in: value, as: context.types.money) {
                return .money(amount: m.value.amountText, currency: m.value.currency.code)
            }
            return text(value, state: state, context: context, records: records).map { .text($0) } ?? .empty
        default:
            return text(value, state: state, context: context, records: records).map { .text($0) } ?? .empty
        }
    }

    static func number(_ value: LuaValue, state: LuaState, context: APIContext) -> ReportDocument.ChartNumber? {
        switch value {
        case .integer(let i): return .init(value: Double(i))
        case .number(let d): return .init(value: d)
        case .string(let s): return Double(s.description).map { .init(value: $0) }
        case .userdata:
            if let m = state.object(in: value, as: context.types.money) {
                return Double(m.value.amountText).map { .init(value: $0, currency: m.value.currency.code) }
            }
            return nil
        default: return nil
        }
    }
}
