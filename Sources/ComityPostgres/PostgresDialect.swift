import ComityCore
import ComitySQL

/// PostgreSQL's SQL where the stores differ: `custom` is `jsonb`, its members read with
/// `->>` and cast to what the columns of built-in fields hold (bigint for integers, 1
/// or 0 for booleans, text otherwise), arrays of text by `jsonb_array_elements_text`,
/// text folded by `lower` (Unicode-aware under a UTF-8 ctype), and NULL ordered first
/// as SQLite orders it. Field names come from the schema, which allows only
/// identifiers, so they are written into the SQL as they are.
struct PostgresDialect: SQLDialect {
    func customField(_ alias: String, _ name: String, _ type: FieldType) -> String {
        switch type {
        case .integer: "((\(alias).custom->>'\(name)')::bigint)"
        case .boolean: "(((\(alias).custom->'\(name)')::boolean)::int)"
        case .strings: "(\(alias).custom->'\(name)')"
        default: "(\(alias).custom->>'\(name)')"
        }
    }

    func customMoney(_ alias: String, _ name: String, part: MoneyPart) -> String {
        switch part {
        case .minor: "((\(alias).custom->'\(name)'->>'minor')::bigint)"
        case .currency: "(\(alias).custom->'\(name)'->>'currency')"
        }
    }

    func anyElement(of list: String, _ condition: (String) -> String) -> String {
        "EXISTS (SELECT 1 FROM jsonb_array_elements_text(\(list)) j(value) WHERE \(condition("j.value")))"
    }

    func likeFolded(_ column: String) -> String { "lower(\(column)) LIKE ? ESCAPE '\\'" }

    func orderTerm(_ expression: String, descending: Bool) -> String {
        descending ? expression + " DESC NULLS LAST" : expression + " NULLS FIRST"
    }
}
