import ComityReports
/// The globals the engine installs besides the sandbox's, the API's functions and its
/// namespaces, declared once: the runner and the spec runner set them by these names,
/// and the registry documents them, for the reference, the stubs and `comity check`.
enum HostGlobal: String, CaseIterable {
    case params

    var declaration: APIField {
        switch self {
        case .params:
            APIField(rawValue, .table,
                     "The run's `--param` values, as text by name (`params.days`); a workflow reads them typed and checked in `ctx.params`.")
        }
    }
}

/// The report's parts as the registry's types, from the names and types the reader of
/// `report { ... }` takes (`ReportDocument.luaShape`).
enum ReportDocumentation {
    static var typeDeclarations: [APITypeDeclaration] {
        ReportDocument.luaShape.map { part in
            APITypeDeclaration(part.type, summary: part.summary, fields: part.fields.map { field in
                // The shape is written in the stubs' own spelling; one that does not parse is a slip here.
                guard let type = APIType(parsing: field.type) else { preconditionFailure("report field \(field.name): \(field.type)") }
                return APIField(field.name, type, field.summary)
            }, isPlainTable: true)
        }
    }
}
