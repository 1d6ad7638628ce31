/// Case-insensitive text search (`name_contains`, `name_prefix`) as SQL `LIKE` over
/// folded text: the store folds the column (SQLite with a function of its connection,
/// PostgreSQL with `lower`), the pattern is folded here. The searched text's `%`, `_`
/// and `\` are escaped: they match themselves, never as wildcards.
public enum LikePattern {
    /// Swift's full Unicode lower-casing (`АГЕНТСТВО` finds `агентство`).
    public static func folded(_ text: String) -> String { text.lowercased() }

    /// The LIKE pattern of `text`: anywhere in the value, or at its start.
    public static func pattern(_ text: String, prefix: Bool) -> String {
        // By scalar, not by Character: `%` and a combining accent after it are one
        // Character, but the database sees the `%`.
        var escaped = String.UnicodeScalarView()
        for scalar in folded(text).unicodeScalars {
            if scalar == "%" || scalar == "_" || scalar == "\\" { escaped.append("\\") }
            escaped.append(scalar)
        }
        return (prefix ? "" : "%") + String(escaped) + "%"
    }
}
