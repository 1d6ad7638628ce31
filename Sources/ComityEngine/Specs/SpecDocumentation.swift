/// What a spec file (`*_spec.lua`) has besides the API, declared once for the
/// reference, the stubs and `comity check`: the functions `SpecPrelude` defines in Lua
/// and those `SpecRunner` installs. A test holds a spec's live globals to this list.
enum SpecDocumentation {
    static var functions: [APIFunction] {
        [
            APIFunction("describe", summary: "Groups cases under a name: `describe(\"intake\", function() it(...) end)`.",
                        parameters: [APIParameter("name", .string, "The group's name, before its cases' names."),
                                     APIParameter("body", .function, "Declares the group's cases.")],
                        implementation: nil),
            APIFunction("it", summary: "Declares one case; each runs on an empty database of its own, its clock at 2021-01-26T12:00:00Z.",
                        parameters: [APIParameter("name", .string, "What the case shows."), APIParameter("body", .function, "The case.")],
                        implementation: nil),
            APIFunction("expect", summary: "Checks a value: `expect(g.status).to_equal(\"awarded\")`; a failed check names the spec's line and both values.",
                        parameters: [APIParameter("actual", .any, "The value to check.")],
                        results: [APIResult(.named("Expectation"), "Its checks.")], implementation: nil),
            APIFunction("clock.now", summary: "The case's clock (as `time.now()`).", results: [APIResult(.named("Time"), "Now, in the case.")],
                        implementation: nil),
            APIFunction("clock.advance", summary: "Moves the case's clock on: `clock.advance(time.days(15))`.",
                        parameters: [APIParameter("by", .named("Duration"), "How far.")],
                        results: [APIResult(.named("Time"), "The new now.")], implementation: nil),
            APIFunction("clock.set", summary: "Sets the case's clock.",
                        parameters: [APIParameter("to", .oneOf([.named("Time"), .string]), "A Time, or ISO 8601 text.")],
                        results: [APIResult(.named("Time"), "The new now.")], implementation: nil),
            APIFunction("fixture", summary: "Runs `fixtures/NAME.lua` beside the spec and returns what it returns (records to start from).",
                        parameters: [APIParameter("name", .string, "The fixture's name.")],
                        results: [APIResult(.any, "What the fixture returns.")], implementation: nil),
            APIFunction("run_workflow", summary: "Runs a workflow as `comity run` would, on the case's database and clock, then the workflows its events trigger.",
                        parameters: [APIParameter("file", .string, "The script, relative to the workspace."),
                                     APIParameter("params", .optional(.table), "Its `--param` values by name.")],
                        results: [APIResult(.named("SpecRun"), "How it went.")], implementation: nil),
            APIFunction("inbox_put", summary: "Puts a file into the case's own inbox, for `inbox.files` and `csv.read`.",
                        parameters: [APIParameter("name", .string, "The file's name."), APIParameter("content", .string, "Its bytes.")],
                        implementation: nil),
            APIFunction("outbox", summary: "The messages the case's runs queued with `mail.send`: `{ to, cc, bcc, reply_to, subject, body, html, status, attachments }` each.",
                        results: [APIResult(.list(.table), "The messages, oldest first.")], implementation: nil),
        ]
    }

    static var typeDeclarations: [APITypeDeclaration] {
        [
            APITypeDeclaration("Expectation", summary: "What `expect(actual)` returns; each check fails the case with both values shown.",
                               fields: SpecPrelude.checks.map { APIField($0.name, .function, $0.summary) }, isPlainTable: true),
            APITypeDeclaration("SpecRun", summary: "What `run_workflow` returns.", fields: SpecRunField.allCases.map(\.declaration), isPlainTable: true),
        ]
    }
}

/// The fields of `run_workflow`'s result, set by these names (`SpecRunner.table`).
enum SpecRunField: String, CaseIterable {
    case id, outcome, created, changed, log, workflow, error, output, triggered

    var declaration: APIField {
        switch self {
        case .id: APIField(rawValue, .string, "The run's id.")
        case .outcome: APIField(rawValue, .string, "`succeeded`, `failed`, `limit`, `skipped` or `cancelled`.")
        case .created: APIField(rawValue, .integer, "Records it created.")
        case .changed: APIField(rawValue, .integer, "Records it changed.")
        case .log: APIField(rawValue, .list(.string), "Its `ctx.log` lines.")
        case .workflow: APIField(rawValue, .optional(.string), "The workflow's name.")
        case .error: APIField(rawValue, .optional(.string), "The error of a failed run.")
        case .output: APIField(rawValue, .list(.string), "What it and the runs it triggered printed.")
        case .triggered: APIField(rawValue, .list(.named("SpecRun")), "The runs its events triggered, each as this.")
        }
    }
}
