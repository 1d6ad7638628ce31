import ComityCore
import Foundation
import Testing

/// A body whose object gives a key twice is one that parsers read differently: found
/// in any object at any depth, with the key's escapes undone, and never in strings,
/// arrays or distinct keys.
@Suite struct JSONDuplicateKeysTests {
    @Test(arguments: [
        (#"{"name": "A", "name": "B"}"#, "name"),
        (#"{"a": 1, "b": {"id": 5, "id": 6}}"#, "id"),
        (#"[{"x": 1}, {"y": 2, "y": 3}]"#, "y"),
        (#"{"a": "\u0062", "\u0061": 2}"#, "a"),
        (#"{"q\"t": 1, "q\u0022t": 2}"#, "q\"t"),
        (#"{"ключ": 1, "ключ": 2}"#, "ключ"),
    ])
    func aKeyGivenTwiceInOneObjectIsFound(text: String, key: String) throws {
        #expect(JSONDuplicateKeys.first(in: Array(text.utf8)) == key)
        #expect(throws: JSONTree.DuplicateKey.self) { try JSONTree.decodeRefusingDuplicateKeys(Data(text.utf8)) }
    }

    @Test(arguments: [
        #"{"name": "A", "other": "name"}"#,
        #"{"a": {"a": {"a": 1}}, "b": [{"a": 1}, {"a": 2}]}"#,
        #"{"text": "a \"quoted\" \\ , { \"name\": 1, \"name\": 2 }", "n": 1}"#,
        #"["a", "a", {"a": 1}]"#,
        #"{}"#, #""just text""#, #"[]"#,
    ])
    func distinctKeysAndKeysInsideStringsAreNot(text: String) throws {
        #expect(JSONDuplicateKeys.first(in: Array(text.utf8)) == nil)
        _ = try JSONTree.decodeRefusingDuplicateKeys(Data(text.utf8))
    }
}
