import ComityCore

/// `ctx`, `ctx.trigger` and the events a workflow's `on` can name, for the reference and the
/// stubs. The events are the schema's own list (`DomainSchema.eventNames`), never a copy.
enum TriggerDocumentation {
    static func typeDeclarations(_ schema: DomainSchema) -> [APITypeDeclaration] {
        let events = schema.eventNames.map { "`\($0)`" }.joined(separator: ", ")
        return [
            APITypeDeclaration(
                "Context",
                summary: "What a workflow's `run(ctx)` is given, read-only: its parameters, why it started, its log.",
                fields: ContextField.allCases.map(\.declaration), isPlainTable: true),
            APITypeDeclaration(
                "Trigger",
                summary: "Why a run started: `ctx.trigger`, read-only. A workflow's `on` lists event names or patterns "
                    + "(`grant.*`, `*.created`, `*`). Events: \(events). Every record type has `TYPE.created` and "
                    + "`TYPE.updated` (any change of its fields, or of its status by a step, which records its own event "
                    + "first); an update that changes nothing records nothing.",
                fields: TriggerField.allCases.map(\.declaration), isPlainTable: true),
            APITypeDeclaration(
                "FieldChange",
                summary: "One field's change in `ctx.trigger.changes`: `if ctx.trigger.changes.amount_awarded then ... end`.",
                fields: FieldChangeField.allCases.map(\.declaration), isPlainTable: true),
        ]
    }
}

/// The fields of `ctx`, declared once: the registry documents them, and the runner
/// (`ScriptRunner.contextTable`) binds each by this name, in a switch over every case.
enum ContextField: String, CaseIterable {
    case params, trigger, log, once, run_id, workflow, dry_run

    var declaration: APIField {
        switch self {
        case .params: APIField(rawValue, .table, "The declared parameters, typed and checked: `ctx.params.days`.")
        case .trigger: APIField(rawValue, .named("Trigger"), "Why the run started.")
        case .log: APIField(rawValue, .function, "`ctx.log(...)`: a line in the run's record, the values shown as `print` shows them.")
        case .once:
            APIField(rawValue, .function, "`ctx.once(key, function() ... end)`: runs the function unless a run of this workflow has claimed `key`; the key is claimed only when the function succeeds. True and its results when it ran, false when the key was taken.")
        case .run_id: APIField(rawValue, .string, "This run's id.")
        case .workflow: APIField(rawValue, .string, "The workflow's name.")
        case .dry_run: APIField(rawValue, .boolean, "True when the run keeps nothing (`--dry-run`).")
        }
    }
}

/// The fields of `ctx.trigger`, declared once (see `ContextField`); all but `kind` are
/// there only for the triggers that have them.
enum TriggerField: String, CaseIterable {
    case kind, event, record, fields, changes, at, slot, caused_by, hook, delivery, headers, body, json

    var declaration: APIField {
        switch self {
        case .kind: APIField(rawValue, .string, "`manual`, `event`, `schedule` or `hook`.")
        case .event: APIField(rawValue, .optional(.string), "The event's name, for a run an event started: `grant.awarded`.")
        case .record: APIField(rawValue, .optional(.any), "The event's record as it is now (it may have changed since the event).")
        case .fields:
            APIField(rawValue, .optional(.table), "The record's fields as of the event, typed as a record's (Money, Time), with `id` and `status`.")
        case .changes:
            APIField(rawValue, .optional(.table),
                     "Field name → `FieldChange` for each field the event changed (`status` for a step); empty for a creation.")
        case .at: APIField(rawValue, .optional(.named("Time")), "When the event happened (the clock of the run that caused it).")
        case .slot: APIField(rawValue, .optional(.named("Time")), "For a scheduled run: its slot, in the schedule's zone.")
        case .caused_by: APIField(rawValue, .optional(.string), "The run whose event (or failure, for a retry) started this one.")
        case .hook: APIField(rawValue, .optional(.string), "For a webhook's run: the hook's name in comity.lua (`kobo`).")
        case .delivery: APIField(rawValue, .optional(.string), "For a webhook's run: the sender's delivery id (`X-GitHub-Delivery`, `webhook-id`).")
        case .headers:
            APIField(rawValue, .optional(.table), "For a webhook's run: the headers that matter, by lower-case name (`content-type`, the sender's event and delivery); never the signature.")
        case .body: APIField(rawValue, .optional(.string), "For a webhook's run: the request's body as it was signed.")
        case .json: APIField(rawValue, .optional(.any), "For a webhook's run whose body is JSON: the body decoded (objects and arrays as tables, `null` as nil).")
        }
    }
}

/// The fields of one entry of `ctx.trigger.changes`.
enum FieldChangeField: String, CaseIterable {
    case old, new

    var declaration: APIField {
        switch self {
        case .old: APIField(rawValue, .any, "The value before the event; nil when it had none.")
        case .new: APIField(rawValue, .any, "The value after the event; nil when it was cleared.")
        }
    }
}
