import ComitySQL
import Foundation
import GRDB

/// Case-insensitive text search (`name_contains`, `name_prefix`) as SQL `LIKE`. SQLite's
/// `LIKE` folds only ASCII letters, so both sides are folded first by `comity_fold`, a
/// function of the connection that lower-cases with Swift's full Unicode mapping
/// (`АГЕНТСТВО` finds `агентство`, `ÉCOLE` finds `école`), as `LikePattern` folds the
/// searched text.
enum TextSearch {
    static let functionName = "comity_fold"

    /// The function every connection of a store gets, before its first statement.
    static let fold = DatabaseFunction(functionName, argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(folded)
    }

    static func folded(_ text: String) -> String { LikePattern.folded(text) }

    /// The condition on the SQL expression `column` and its pattern argument (a `LikePattern`).
    static func condition(_ column: String) -> String { "\(functionName)(\(column)) LIKE ? ESCAPE '\\'" }
}
