import ComityCore
import Foundation
import HumanReadable
import LuaBridge

/// `return workflow { name = ..., params = ..., on = ..., run = function(ctx) ... end }`:
/// what a workflow script declares about itself, checked field by field.
public struct WorkflowDeclaration {
    /// The fields `workflow { ... }` takes: the registry's `Workflow` type (see `WorkflowField`).
    public static let knownFields = WorkflowField.allCases.map(\.rawValue)

    public var name: String
    public var description: String?
    public var parameters: [WorkflowParameter]
    /// Event names and patterns (`grant.awarded`, `event.*`) that start it.
    public var triggers: [String]
    /// A cron expression; run by `comity tick` and `comity daemon`.
    public var schedule: String?
    /// An IANA zone for the schedule; the workspace's when nil.
    public var scheduleZone: String?
    /// Missed slots: "latest" (default), "all" or "skip".
    public var catchUp: String?
    /// How far back `catch_up = "all"` goes (default 24 hours).
    public var catchUpWindow: Duration?
    /// A slot that comes while the previous run goes on: "wait" (default) or "skip".
    public var overlap: String?
    /// The run's limits, where they differ from the defaults.
    public var limits: LuaLimits?
    public var retry: RetryPolicy
    var run: LuaValue
    var dedupe: LuaValue?
    /// The person its runs act as (`run_as`): an id, an email or a name.
    public var runAs: String?

    /// Installs the global `workflow`, which checks a declaration and returns it.
    static func install(in state: LuaState, schema: DomainSchema) throws(LuaError) {
        try state.register("workflow") { call throws in
            let table = try call.table(1)
            do throws(LuaError) {
                _ = try WorkflowDeclaration(table: table, schema: schema)
            } catch {
                throw LuaScriptError(error.message)
            }
            return call.returningArgument(1)
        }
    }

    /// `workflow has no field 'nmae' (did you mean 'name'?) (fields: ...)`: said by a run
    /// and by `comity check`, in the same words.
    public static func unknownField(_ field: String) -> String {
        var message = "workflow has no field '\(field)'"
        if let suggestion = NameSuggestion.closest(to: field, among: knownFields) {
            message += " (did you mean '\(suggestion)'?)"
        }
        return message + " (fields: \(knownFields.joined(separator: ", ")))"
    }

    /// `name` as text, when it is UTF-8 of visible characters and spaces: a workflow's
    /// name is printed in terminals, logs and pages, where a control character (an escape
    /// sequence, a carriage return) or an invisible format character (a right-to-left
    /// override) would rewrite what the reader sees.
    static func visibleName(_ name: LuaString) throws(LuaError) -> String {
        guard let text = name.text else {
            throw LuaError(.runtime, "workflow: field 'name' is not UTF-8 text")
        }
        let invisible: Set<Unicode.GeneralCategory> = [.control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned]
        guard let hidden = text.unicodeScalars.first(where: { invisible.contains($0.properties.generalCategory) }) else { return text }
        let escaped = text.unicodeScalars.map { invisible.contains($0.properties.generalCategory) ? Self.codePoint($0) : String($0) }.joined()
        throw LuaError(.runtime, "workflow: field 'name' \"\(escaped)\" holds the invisible character \(Self.codePoint(hidden)); "
            + "a name may hold visible characters and spaces only")
    }

    private static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The declaration among a chunk's results, if the chunk returned one.
    init?(_ value: LuaValue?, schema: DomainSchema) throws(LuaError) {
        guard case .table(let table) = value, table["run"] != .nil || table["name"] != .nil else { return nil }
        try self.init(table: table, schema: schema)
    }

    init(table: LuaTable, schema: DomainSchema) throws(LuaError) {
        for key in table.hash.keys {
            guard let field = key.stringValue else {
                throw LuaError(.runtime, "workflow: keys must be field names, got a \(key.typeName)")
            }
            if !Self.knownFields.contains(field) { throw LuaError(.runtime, Self.unknownField(field)) }
        }
        if !table.array.isEmpty { throw LuaError(.runtime, "workflow: give fields by name, as workflow { name = ..., run = ... }") }
        guard case .string(let name) = table["name"], !name.bytes.isEmpty else {
            throw LuaError(.runtime, "workflow: field 'name' must be a non-empty string (got \(table["name"].typeName))")
        }
        let shown = try Self.visibleName(name)
        func fail(_ text: String) -> LuaError { LuaError(.runtime, "workflow '\(shown)': \(text)") }
        guard case .function = table["run"] else {
            throw fail("field 'run' must be a function (got \(table["run"].typeName))")
        }
        self.name = shown
        run = table["run"]
        description = try Self.optionalString(table, "description", fail)
        schedule = try Self.optionalString(table, "schedule", fail)
        scheduleZone = try Self.optionalString(table, "timezone", fail)
        if let zone = scheduleZone, TimeZone(identifier: zone) == nil {
            throw fail("unknown timezone '\(zone)' (IANA names such as Europe/Moscow)")
        }
        catchUp = try Self.optionalString(table, "catch_up", fail)
        if let catchUp, !["latest", "all", "skip"].contains(catchUp) {
            throw fail("catch_up must be \"latest\", \"all\" or \"skip\" (got '\(catchUp)')")
        }
        catchUpWindow = try Self.optionalString(table, "catch_up_window", fail).map { text throws(LuaError) in
            do {
                return try DurationText.read(text)
            } catch {
                throw fail("catch_up_window '\(text)' is \(error)")
            }
        }
        overlap = try Self.optionalString(table, "overlap", fail)
        if let overlap, !["wait", "skip"].contains(overlap) {
            throw fail("overlap must be \"wait\" or \"skip\" (got '\(overlap)')")
        }
        if schedule == nil {
            for field in [WorkflowField.timezone, .catch_up, .catch_up_window, .overlap].map(\.rawValue) where table[field] != .nil {
                throw fail("field '\(field)' is about a schedule, and the workflow has none (add schedule = \"0 8 * * *\")")
            }
        }

        runAs = try Self.optionalString(table, "run_as", fail)
        if let runAs, runAs.trimmingBlanks().isEmpty { throw fail("run_as must name a person (an id, an email or a name)") }
        switch table["dedupe"] {
        case .nil: dedupe = nil
        case .function: dedupe = table["dedupe"]
        default: throw fail("field 'dedupe' must be a function returning a key (got \(table["dedupe"].typeName))")
        }

        // Parameters: params = { days = { type = "integer", default = 14, description = "..." } }
        var parameters: [WorkflowParameter] = []
        switch table["params"] {
        case .nil: break
        case .table(let params):
            if !params.array.isEmpty { throw fail("params are named: params = { days = { type = \"integer\" } }") }
            for (key, value) in params.hash {
                guard let parameterName = key.stringValue else { throw fail("parameter names must be strings") }
                parameters.append(try WorkflowParameter(name: parameterName, value, workflow: shown))
            }
        default:
            throw fail("field 'params' must be a table (got \(table["params"].typeName))")
        }
        self.parameters = parameters.sorted { $0.name < $1.name }

        // Triggers: on = { "grant.awarded", "event.*" } or a single name.
        var triggers: [String] = []
        switch table["on"] {
        case .nil: break
        case .string(let one): triggers = [one.description]
        case .table(let list) where list.hash.isEmpty:
            for element in list.array {
                guard let pattern = element.stringValue else { throw fail("field 'on' lists event names as strings") }
                triggers.append(pattern)
            }
        default:
            throw fail("field 'on' must be an event name or a list of them (got \(table["on"].typeName))")
        }
        let known = schema.eventNames
        for pattern in triggers where !known.contains(where: { EventPattern.matches(pattern, $0) }) {
            var message = "'on' pattern '\(pattern)' matches no event"
            if let suggestion = NameSuggestion.closest(to: pattern, among: known) { message += " (did you mean '\(suggestion)'?)" }
            throw fail(message + "; events: \(known.joined(separator: ", "))")
        }
        self.triggers = triggers

        switch table["limits"] {
        case .nil: limits = nil
        case .table(let given):
            var chosen = LuaLimits.default
            for (key, value) in given.hash {
                guard let limit = key.stringValue, let text = value.stringValue ?? value.integerValue.map(String.init) else {
                    throw fail("limits are named texts: limits = { timeout = \"30s\", memory = \"64MB\" }")
                }
                guard let known = WorkflowLimitField(rawValue: limit) else {
                    throw fail("limits has no '\(limit)' (limits: \(WorkflowLimitField.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                switch known {
                case .timeout:
                    do {
                        chosen.time = try DurationText.read(text)
                    } catch {
                        throw fail("limits.timeout '\(text)' is \(error)")
                    }
                case .memory:
                    guard let bytes = ByteCount.parse(text) else { throw fail("limits.memory '\(text)' is not a size such as 64MB") }
                    chosen.memory = bytes
                case .output:
                    guard let bytes = ByteCount.parse(text) else { throw fail("limits.output '\(text)' is not a size such as 1MB") }
                    chosen.output = bytes
                case .instructions:
                    guard let count = Int64(text), count > 0 else { throw fail("limits.instructions must be a positive whole number") }
                    chosen.instructions = count
                }
            }
            limits = chosen
        default:
            throw fail("field 'limits' must be a table (got \(table["limits"].typeName))")
        }

        switch table["retry"] {
        case .nil: retry = .none
        case .table(let given): retry = try RetryPolicy(given, workflow: shown)
        default: throw fail("field 'retry' must be a table such as { attempts = 5, backoff = \"exponential\" } (got \(table["retry"].typeName))")
        }
    }

    private static func optionalString(_ table: LuaTable, _ field: String, _ fail: (String) -> LuaError) throws(LuaError) -> String? {
        switch table[field] {
        case .nil: return nil
        case .string(let text): return text.description
        default: throw fail("field '\(field)' must be a string (got \(table[field].typeName))")
        }
    }

    /// What `comity workflows` shows of it.
    func summary(file: String) -> WorkflowSummary {
        WorkflowSummary(name: name, file: file, description: description, triggers: triggers, schedule: schedule,
                        parameters: parameters, error: nil, timeZone: scheduleZone, catchUp: catchUp,
                        catchUpWindowSeconds: catchUpWindow.map { Int64($0.inSeconds.rounded(.up)) }, overlap: overlap,
                        timeLimitSeconds: (limits ?? .default).time.map { Int64($0.inSeconds.rounded(.up)) })
    }
}

/// One declared parameter: `days = { type = "integer", default = 14, description = "..." }`.
public struct WorkflowParameter: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case string, integer, number, boolean, date, time
    }

    public var name: String
    public var type: Kind
    /// As text, as it would be given on the command line; nil when required.
    public var defaultValue: String?
    public var description: String?

    init(name: String, _ value: LuaValue, workflow: String) throws(LuaError) {
        func fail(_ text: String) -> LuaError { LuaError(.runtime, "workflow '\(workflow)': parameter '\(name)' \(text)") }
        self.name = name
        let kinds = Kind.allCases.map(\.rawValue).joined(separator: ", ")
        switch value {
        case .string(let typeName):
            // params = { days = "integer" }: the type alone.
            guard let kind = Kind(rawValue: typeName.description) else { throw fail("has unknown type '\(typeName)' (types: \(kinds))") }
            type = kind
        case .table(let spec):
            let names = WorkflowParameterField.allCases.map(\.rawValue)
            for key in spec.hash.keys where !names.contains(key.stringValue ?? "") {
                throw fail("has no field '\(key.stringValue ?? key.typeName)' (fields: \(names.joined(separator: ", ")))")
            }
            guard let typeName = spec["type"].stringValue else { throw fail("needs a type (\(kinds))") }
            guard let kind = Kind(rawValue: typeName) else { throw fail("has unknown type '\(typeName)' (types: \(kinds))") }
            type = kind
            switch spec["default"] {
            case .nil: defaultValue = nil
            case .string(let text): defaultValue = text.description
            case .integer(let i): defaultValue = String(i)
            case .number(let d): defaultValue = String(d)
            case .boolean(let b): defaultValue = String(b)
            default: throw fail("has a default that is not a plain value")
            }
            if let text = defaultValue {
                do { _ = try WorkflowParameter.convert(text, type: kind, timeZone: .gmt) } catch {
                    throw fail("has a default '\(text)' that is not \(kind.rawValue == "integer" ? "an" : "a") \(kind.rawValue)")
                }
            }
            description = spec["description"].stringValue
        default:
            throw fail("must be a type name or { type = ..., default = ... } (got \(value.typeName))")
        }
    }

    /// The typed value of `text` for a parameter of type `type`.
    static func convert(_ text: String, type: Kind, timeZone: TimeZone) throws -> TypedParameter {
        switch type {
        case .string: return .string(text)
        case .integer:
            guard let value = Int64(text.trimmingBlanks()) else { throw ParameterError("not a whole number") }
            return .integer(value)
        case .number:
            guard let value = Double(text.trimmingBlanks()), value.isFinite else { throw ParameterError("not a number") }
            return .number(value)
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "1": return .boolean(true)
            case "false", "no", "0": return .boolean(false)
            default: throw ParameterError("not true or false")
            }
        case .date: return .date(try CalendarDate(parsing: text).description)
        case .time: return .time(try Timestamp(parsing: text, in: timeZone))
        }
    }
}

extension WorkflowParameter {
    /// Checks the parameters `given` to a run of `workflow` (by name, as text) against
    /// those it declares: an unknown name (with a did-you-mean), a missing required
    /// one and a value not of its type are refused, naming the parameter. Returns the
    /// typed values and their text, defaults filled in.
    static func check(_ given: [String: String], against declared: [WorkflowParameter], workflow: String, timeZone: TimeZone)
        throws(ParameterError) -> (values: [String: TypedParameter], text: [String: String])
    {
        let accepted = declared.isEmpty
            ? "it takes none"
            : "parameters: " + declared.map { parameter in
                "\(parameter.name) (\(parameter.type.rawValue)" + (parameter.defaultValue.map { ", default \($0)" } ?? ", required") + ")"
            }.joined(separator: ", ")
        for name in given.keys.sorted() where !declared.contains(where: { $0.name == name }) {
            var message = "workflow '\(workflow)' has no parameter '\(name)'"
            if let suggestion = NameSuggestion.closest(to: name, among: declared.map(\.name)) {
                message += " (did you mean '\(suggestion)'?)"
            }
            throw ParameterError(message + "; \(accepted)")
        }
        var values: [String: TypedParameter] = [:]
        var text: [String: String] = [:]
        for parameter in declared {
            guard let value = given[parameter.name] ?? parameter.defaultValue else {
                throw ParameterError("workflow '\(workflow)' needs parameter '\(parameter.name)' (\(parameter.type.rawValue)): --param \(parameter.name)=...; \(accepted)")
            }
            do {
                values[parameter.name] = try WorkflowParameter.convert(value, type: parameter.type, timeZone: timeZone)
            } catch let error as ParameterError {
                throw ParameterError("parameter '\(parameter.name)' of workflow '\(workflow)': '\(value)' is \(error.message) (\(parameter.type.rawValue) expected)")
            } catch {
                throw ParameterError("parameter '\(parameter.name)' of workflow '\(workflow)': \(error)")
            }
            text[parameter.name] = value
        }
        return (values, text)
    }

    /// The refusal of `check`, in its words; nil when `given` passes.
    public static func refusal(of given: [String: String], declared: [WorkflowParameter], workflow: String, timeZone: TimeZone) -> String? {
        do {
            _ = try check(given, against: declared, workflow: workflow, timeZone: timeZone)
            return nil
        } catch {
            return error.message
        }
    }
}

/// A parameter's value once checked.
enum TypedParameter: Equatable {
    case string(String), integer(Int64), number(Double), boolean(Bool), date(String), time(Timestamp)
}

struct ParameterError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// How a failed triggered or scheduled run is tried again:
/// `retry = { attempts = 5, backoff = "exponential", delay = "30s", retry_on = { "timeout" } }`.
public struct RetryPolicy: Sendable, Equatable {
    public enum Backoff: String, Sendable { case exponential, fixed }

    /// Attempts in all, the first included; 1 means no retry.
    public var attempts: Int
    public var backoff: Backoff
    /// The wait before the second attempt; doubled for each later one when exponential.
    public var delay: Duration
    /// Error kinds worth retrying (`error`, `timeout`, `memory`, `instructions`, `validation`);
    /// by default only `error`: limits and invalid data fail the same way again.
    public var retryOn: [String]

    public static let none = RetryPolicy(attempts: 1, backoff: .exponential, delay: .seconds(30), retryOn: ["error"])
    static let errorKinds = ["error", "timeout", "memory", "instructions", "output", "validation"]

    public init(attempts: Int, backoff: Backoff, delay: Duration, retryOn: [String]) {
        self.attempts = attempts
        self.backoff = backoff
        self.delay = delay
        self.retryOn = retryOn
    }

    init(_ table: LuaTable, workflow: String) throws(LuaError) {
        func fail(_ text: String) -> LuaError { LuaError(.runtime, "workflow '\(workflow)': retry \(text)") }
        self = .none
        for (key, value) in table.hash {
            guard let field = key.stringValue.flatMap(WorkflowRetryField.init(rawValue:)) else {
                throw fail("has no field '\(key.stringValue ?? key.typeName)' (fields: \(WorkflowRetryField.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            switch field {
            case .attempts:
                guard let count = value.integerValue, (1...100).contains(count) else { throw fail("attempts must be a whole number from 1 to 100") }
                attempts = Int(count)
            case .backoff:
                guard let text = value.stringValue, let kind = Backoff(rawValue: text) else {
                    throw fail("backoff must be \"exponential\" or \"fixed\"")
                }
                backoff = kind
            case .delay:
                guard let text = value.stringValue else { throw fail("delay must be a duration such as \"30s\"") }
                do {
                    delay = try DurationText.read(text)
                } catch {
                    throw fail("delay '\(text)' is \(error)")
                }
            case .retry_on:
                guard case .table(let list) = value, list.hash.isEmpty else { throw fail("retry_on must be a list such as { \"error\", \"timeout\" }") }
                retryOn = try list.array.map { element throws(LuaError) in
                    guard let kind = element.stringValue, Self.errorKinds.contains(kind) else {
                        throw fail("retry_on lists error kinds: \(Self.errorKinds.joined(separator: ", "))")
                    }
                    return kind
                }
            }
        }
    }

    /// The wait before attempt `attempt` (2, 3, ...), with up to 20% jitter so that many
    /// failed runs do not all come back at once.
    public func wait(beforeAttempt attempt: Int, jitter: Double = Double.random(in: 0...0.2)) -> Duration {
        let base = backoff == .fixed ? delay : delay * (1 << min(attempt - 2, 20))
        return base + base * jitter
    }
}

/// What `comity workflows` lists for one script.
public struct WorkflowSummary: Sendable, Codable, Equatable {
    public var name: String
    public var file: String
    public var description: String?
    public var triggers: [String]
    public var schedule: String?
    public var parameters: [WorkflowParameter]
    /// Set when the script's declaration could not be read.
    public var error: String?
    /// The schedule's zone, when not the workspace's.
    public var timeZone: String?
    /// `catch_up`, `catch_up_window` and `overlap`, as declared.
    public var catchUp: String?
    public var catchUpWindowSeconds: Int64?
    public var overlap: String?
    /// The run's time limit; nil when it has none.
    public var timeLimitSeconds: Int64?

    public init(
        name: String, file: String, description: String?, triggers: [String], schedule: String?,
        parameters: [WorkflowParameter], error: String?, timeZone: String? = nil, catchUp: String? = nil,
        catchUpWindowSeconds: Int64? = nil, overlap: String? = nil, timeLimitSeconds: Int64? = nil
    ) {
        self.name = name
        self.file = file
        self.description = description
        self.triggers = triggers
        self.schedule = schedule
        self.parameters = parameters
        self.error = error
        self.timeZone = timeZone
        self.catchUp = catchUp
        self.catchUpWindowSeconds = catchUpWindowSeconds
        self.overlap = overlap
        self.timeLimitSeconds = timeLimitSeconds
    }
}

/// `grant.awarded`, `grant.*`, `*.created`, `*`: how `on` patterns match event names.
/// `*` alone matches every event; otherwise a `*` part matches any one part of the
/// name (`grant.*` every grant event, `*.created` every creation).
public enum EventPattern {
    public static func matches(_ pattern: String, _ event: String) -> Bool {
        if pattern == "*" || pattern == event { return true }
        let wanted = pattern.split(separator: ".", omittingEmptySubsequences: false)
        let parts = event.split(separator: ".", omittingEmptySubsequences: false)
        guard wanted.count == parts.count else { return false }
        return zip(wanted, parts).allSatisfy { $0 == "*" || $0 == $1 }
    }
}
