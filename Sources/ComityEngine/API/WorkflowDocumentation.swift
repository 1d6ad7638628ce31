/// The fields of `workflow { ... }` and of its `params`, `limits` and `retry`, declared
/// once: `WorkflowDeclaration` reads a declaration by these names (its switches have a
/// case for each), and the registry documents them as the types `Workflow`,
/// `WorkflowParameter`, `WorkflowLimits` and `WorkflowRetry`.
enum WorkflowField: String, CaseIterable {
    case name, description, run, params, on, schedule, timezone, catch_up, catch_up_window, overlap, limits, retry, dedupe, run_as

    var declaration: APIField {
        switch self {
        case .name: APIField(rawValue, .string, "Its name, unique in the workspace: how the run history, `comity runs --workflow NAME` and the schedules name it.")
        case .description: APIField(rawValue, .optional(.string), "One line for `comity workflows`.")
        case .run:
            APIField(rawValue, .callable(parameters: [Self.context], results: [.optional(.named("Report"))]),
                     "`function(ctx) ... end`: the work, given the `Context`; it may return a `report { ... }`.")
        case .params:
            APIField(rawValue, .optional(.table),
                     "Parameters by name, each a `WorkflowParameter` or its type alone: `params = { days = { type = \"integer\", default = 14 }, since = \"date\" }`.")
        case .on: APIField(rawValue, .optional(.oneOf([.string, .list(.string)])), "Event names or patterns that start it: `\"grant.awarded\"`, `{ \"grant.*\", \"*.created\" }`.")
        case .schedule: APIField(rawValue, .optional(.string), "A cron expression (`\"0 8 * * *\"`), run by `comity tick` and `comity daemon`.")
        case .timezone: APIField(rawValue, .optional(.string), "The schedule's IANA zone; the workspace's by default.")
        case .catch_up: APIField(rawValue, .optional(.string), "Missed slots: `\"latest\"` (default), `\"all\"` or `\"skip\"`.")
        case .catch_up_window: APIField(rawValue, .optional(.string), "How far back `catch_up = \"all\"` goes: `\"12h\"`, `\"7d\"` (24 hours by default).")
        case .overlap: APIField(rawValue, .optional(.string), "A slot that comes while the previous run goes on: `\"wait\"` (default) or `\"skip\"`.")
        case .limits: APIField(rawValue, .optional(.named("WorkflowLimits")), "The run's own limits; the command line's win.")
        case .retry: APIField(rawValue, .optional(.named("WorkflowRetry")), "How a failed triggered or scheduled run is tried again.")
        case .dedupe:
            APIField(rawValue, .optional(.callable(parameters: [Self.context], results: [.oneOf([.string, .integer])])),
                     "`function(ctx) return key end`: runs with a key that has run already are skipped.")
        case .run_as:
            APIField(rawValue, .optional(.string),
                     "The person the run acts as (an id, an email or a name): it sees and changes only what they may (see Who may see what).")
        }
    }

    private static let context = APIParameter("ctx", .named("Context"), "What the run is given.")
}

/// `params = { days = { type = ..., default = ..., description = ... } }`.
enum WorkflowParameterField: String, CaseIterable {
    case type, `default`, description

    var declaration: APIField {
        switch self {
        case .type:
            APIField(rawValue, .string, "One of: \(WorkflowParameter.Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
        case .default: APIField(rawValue, .optional(.oneOf([.string, .number, .boolean])), "The value when none is given; without one the parameter is required.")
        case .description: APIField(rawValue, .optional(.string), "What it means, for `comity workflows`.")
        }
    }
}

/// `limits = { timeout = "30s", memory = "64MB", output = "1MB", instructions = 1000000 }`.
enum WorkflowLimitField: String, CaseIterable {
    case timeout, memory, output, instructions

    var declaration: APIField {
        switch self {
        case .timeout: APIField(rawValue, .optional(.string), "Wall time: `\"30s\"`, `\"5m\"`.")
        case .memory: APIField(rawValue, .optional(.string), "Memory Lua may hold: `\"64MB\"`.")
        case .output: APIField(rawValue, .optional(.string), "What it may print: `\"1MB\"`.")
        case .instructions: APIField(rawValue, .optional(.oneOf([.integer, .string])), "Lua instructions it may run.")
        }
    }
}

/// `retry = { attempts = 5, backoff = "exponential", delay = "30s", retry_on = { "timeout" } }`.
enum WorkflowRetryField: String, CaseIterable {
    case attempts, backoff, delay, retry_on

    var declaration: APIField {
        switch self {
        case .attempts: APIField(rawValue, .optional(.integer), "Attempts in all, the first included (1 to 100).")
        case .backoff: APIField(rawValue, .optional(.string), "`\"exponential\"` (default) or `\"fixed\"`.")
        case .delay: APIField(rawValue, .optional(.string), "The wait before the second attempt: `\"30s\"` (default).")
        case .retry_on:
            APIField(rawValue, .optional(.list(.string)), "Error kinds worth retrying: \(RetryPolicy.errorKinds.joined(separator: ", ")); `error` only by default.")
        }
    }
}

enum WorkflowDocumentation {
    static var typeDeclarations: [APITypeDeclaration] {
        [
            APITypeDeclaration("Workflow", summary: "What `workflow { ... }` declares; a workflow script returns it.",
                               fields: WorkflowField.allCases.map(\.declaration), isPlainTable: true),
            APITypeDeclaration("WorkflowParameter", summary: "One of a workflow's `params`, given on the command line as `--param name=value`.",
                               fields: WorkflowParameterField.allCases.map(\.declaration), isPlainTable: true),
            APITypeDeclaration("WorkflowLimits", summary: "A workflow's own `limits`.", fields: WorkflowLimitField.allCases.map(\.declaration), isPlainTable: true),
            APITypeDeclaration("WorkflowRetry", summary: "A workflow's `retry`.", fields: WorkflowRetryField.allCases.map(\.declaration), isPlainTable: true),
        ]
    }
}
