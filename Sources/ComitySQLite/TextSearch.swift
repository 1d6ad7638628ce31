import Foundation
import GRDB

/// Case-insensitive text search (`name_contains`, `name_prefix`) as SQL `LIKE`. SQLite's
/// `LIKE` folds only ASCII letters, so both sides are folded first by `comity_fold`, a
/// function of the connection that lower-cases with Swift's full Unicode mapping
/// (`АГЕНТСТВО` finds `агентство`, `ÉCOLE` finds `école`). The searched text's `%`, `_`
/// and `\` are escaped: they match themselves, never as wildcards.
enum TextSearch {
    static let functionName = "comity_fold"

    /// The function every connection of a store gets, before its first statement.
    static let fold = DatabaseFunction(functionName, argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(folded)
    }

    static func folded(_ text: String) -> String { text.lowercased() }

    /// The condition on the SQL expression `column` and its pattern argument.
    static func condition(_ column: String) -> String { "\(functionName)(\(column)) LIKE ? ESCAPE '\\'" }

    /// The LIKE pattern of `text`: anywhere in the value, or at its start.
    static func pattern(_ text: String, prefix: Bool) -> String {
        // By scalar, not by Character: `%` and a combining accent after it are one
        // Character, but SQLite sees the `%`.
        var escaped = String.UnicodeScalarView()
        for scalar in folded(text).unicodeScalars {
            if scalar == "%" || scalar == "_" || scalar == "\\" { escaped.append("\\") }
            escaped.append(scalar)
        }
        return (prefix ? "" : "%") + String(escaped) + "%"
    }
}
