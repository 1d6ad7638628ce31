import Foundation

/// JSON for `--json`: keys sorted, so that output diffs well, and snake_case as the Lua
/// API's names are (`default_value`, `next_slot`), whatever the Swift property is called.
/// Keys of dictionaries (a run's parameters) are data and stay as they are.
enum JSONOutput {
    static func print<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        Output.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
