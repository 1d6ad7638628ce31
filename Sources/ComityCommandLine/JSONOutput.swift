import Foundation

/// JSON for `--json`: keys sorted, so that output diffs well, and snake_case as the Lua
/// API's names are (`default_value`, `next_slot`), whatever the Swift property is called.
/// Keys of dictionaries (a run's parameters) are data and stay as they are.
enum JSONOutput {
    static func print<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        Output.print(joiningEmptyBrackets(String(decoding: try encoder.encode(value), as: UTF8.self)))
    }

    /// Foundation's pretty printer on Linux writes an empty array as `[`, a blank line
    /// and `]` (and an empty object so too); they are written `[]` and `{}`. Only
    /// whitespace between tokens can hold a raw newline (a string's are escaped), so
    /// nothing inside a value is touched.
    static func joiningEmptyBrackets(_ text: String) -> String {
        text.replacing(/\[[ \n]*\n[ \n]*\]/, with: "[]").replacing(/\{[ \n]*\n[ \n]*\}/, with: "{}")
    }
}
