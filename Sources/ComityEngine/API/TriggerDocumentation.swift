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
                fields: [
                    APIField("params", .table, "The declared parameters, typed and checked: `ctx.params.days`."),
                    APIField("trigger", .named("Trigger"), "Why the run started."),
                    APIField("log", .function, "`ctx.log(...)`: a line in the run's record, the values shown as `print` shows them."),
                    APIField("once", .function, "`ctx.once(key, function() ... end)`: runs the function unless a run of this workflow has claimed `key`; the key is claimed only when the function succeeds. True and its results when it ran, false when the key was taken."),
                    APIField("run_id", .string, "This run's id."),
                    APIField("workflow", .string, "The workflow's name."),
                    APIField("dry_run", .boolean, "True when the run keeps nothing (`--dry-run`)."),
                ]),
            APITypeDeclaration(
                "Trigger",
                summary: "Why a run started: `ctx.trigger`, read-only. A workflow's `on` lists event names or patterns "
                    + "(`grant.*`, `*.created`, `*`). Events: \(events). Every record type has `TYPE.created` and "
                    + "`TYPE.updated` (any change of its fields, or of its status by a step, which records its own event "
                    + "first); an update that changes nothing records nothing.",
                fields: [
                    APIField("kind", .string, "`manual`, `event` or `schedule`."),
                    APIField("event", .optional(.string), "The event's name, for a run an event started: `grant.awarded`."),
                    APIField("record", .optional(.any), "The event's record as it is now (it may have changed since the event)."),
                    APIField("fields", .optional(.table),
                             "The record's fields as of the event, typed as a record's (Money, Time), with `id` and `status`."),
                    APIField("changes", .optional(.table),
                             "Field name → `FieldChange` for each field the event changed (`status` for a step); empty for a creation."),
                    APIField("at", .optional(.named("Time")), "When the event happened (the clock of the run that caused it)."),
                    APIField("slot", .optional(.named("Time")), "For a scheduled run: its slot, in the schedule's zone."),
                    APIField("caused_by", .optional(.string), "The run whose event (or failure, for a retry) started this one."),
                ]),
            APITypeDeclaration(
                "FieldChange",
                summary: "One field's change in `ctx.trigger.changes`: `if ctx.trigger.changes.amount_awarded then ... end`.",
                fields: [
                    APIField("old", .any, "The value before the event; nil when it had none."),
                    APIField("new", .any, "The value after the event; nil when it was cleared."),
                ]),
        ]
    }
}
