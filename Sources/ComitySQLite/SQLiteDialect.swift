import ComityCore
import ComitySQL
import Foundation
import GRDB

/// SQLite's SQL where the stores differ: JSON members by `json_extract` (which gives
/// integers, and 1 or 0 for true and false, as the columns hold them), arrays by
/// `json_each`, text folded by the connection's `comity_fold` (see `TextSearch`).
struct SQLiteDialect: SQLDialect {
    func customField(_ alias: String, _ name: String, _ type: FieldType) -> String {
        "json_extract(\(alias).custom, '$.\(name)')"
    }

    func customMoney(_ alias: String, _ name: String, part: MoneyPart) -> String {
        "json_extract(\(alias).custom, '$.\(name).\(part.rawValue)')"
    }

    func anyElement(of list: String, _ condition: (String) -> String) -> String {
        "EXISTS (SELECT 1 FROM json_each(\(list)) j WHERE \(condition("j.value")))"
    }

    func likeFolded(_ column: String) -> String { TextSearch.condition(column) }

    func orderTerm(_ expression: String, descending: Bool) -> String { descending ? expression + " DESC" : expression }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let i): i.databaseValue
        case .real(let d): d.databaseValue
        case .text(let s): s.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        }
    }

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .string(let s): self = .text(s)
        case .blob(let data): self = .blob([UInt8](data))
        }
    }
}
