import ComityCore
import ComityEngine
import HumanReadable

/// A typed value for a workflow's parameter, as an embedding app or a server passes it
/// (the command line passes text, which the run converts by the declared type).
public enum WorkflowArgument: Equatable, Sendable {
    /// Text, converted by the run to the parameter's declared type.
    case text(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    case date(CalendarDate)
    case time(Timestamp)

    /// The types of parameter this value may be given for.
    private var fits: [WorkflowParameter.Kind] {
        switch self {
        case .text: WorkflowParameter.Kind.allCases
        case .integer: [.integer, .number, .string]
        case .number: [.number, .string]
        case .boolean: [.boolean, .string]
        case .date: [.date, .string]
        case .time: [.time, .string]
        }
    }

    private var typeName: String {
        switch self {
        case .text: "text"
        case .integer: "an integer"
        case .number: "a number"
        case .boolean: "a boolean"
        case .date: "a date"
        case .time: "a time"
        }
    }

    /// As the run reads it: the parameter's text form.
    var text: String {
        switch self {
        case .text(let text): text
        case .integer(let value): String(value)
        case .number(let value): String(value)
        case .boolean(let value): String(value)
        case .date(let value): value.description
        case .time(let value): value.description
        }
    }

    /// The run's parameters for `workflow`: each named one declared, each value of a type
    /// the declaration takes. Required parameters left out are the run's to report.
    static func text(of arguments: [String: WorkflowArgument], for workflow: WorkflowSummary) throws(EngineError) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, argument) in arguments.sorted(by: { $0.key < $1.key }) {
            guard let declared = workflow.parameters.first(where: { $0.name == name }) else {
                let names = workflow.parameters.map(\.name).sorted()
                var message = "workflow '\(workflow.name)' has no parameter '\(name)'"
                if let near = NameSuggestion.closest(to: name, among: names) { message += " (did you mean '\(near)'?)" }
                throw .failed(message + (names.isEmpty ? "; it takes none" : "; parameters: \(names.joined(separator: ", "))"))
            }
            guard argument.fits.contains(declared.type) else {
                throw .failed("workflow '\(workflow.name)': parameter '\(name)' is \(declared.type.rawValue), given \(argument.typeName)")
            }
            parameters[name] = argument.text
        }
        return parameters
    }
}
