import ComityCore
import Foundation
import Testing

/// A JSON tree written by hand reads back as the same tree, whatever its text holds,
/// with members in name order.
@Suite struct JSONTreeEncodingTests {
    @Test func aTreeWrittenReadsBackTheSame() throws {
        let awkward = "quote \" backslash \\ slash / newline \n tab \t return \r bell \u{07} nul \u{0} cyrillic Москва emoji 🌍"
        let tree: JSONTree = .object([
            "b": .array([.integer(-9_223_372_036_854_775_807), .integer(0), .number(1.5), .boolean(true), .boolean(false), .null]),
            "a": .string(awkward), awkward: .object([:]), "c": .array([]), "d": .number(.infinity),
        ])
        let data = tree.encoded()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix(#"{"a":"quote \" backslash \\ slash / newline \n tab \t return \r bell \u0007 nul \u0000 cyrillic Москва"#), "\(text)")
        let back = try JSONTree.decode(data)
        guard case .object(let members) = back, case .string(let a)? = members["a"], case .array(let b)? = members["b"] else {
            Issue.record("not read back: \(text)"); return
        }
        #expect(a == awkward && members[awkward] == .object([:]) && members["c"] == .array([]) && members["d"] == .null)
        #expect(b == [.integer(-9_223_372_036_854_775_807), .integer(0), .number(1.5), .boolean(true), .boolean(false), .null])
        // Foundation's reader agrees.
        let foundation = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(foundation["a"] as? String == awkward)
    }
}
