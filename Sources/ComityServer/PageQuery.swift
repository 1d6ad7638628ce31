/// How every list of the API reads its page: `limit` a whole number from 1 to 1000,
/// `cursor` the `next_cursor` of the page before, as decimal digits only (`+5` and `05x`
/// are not cursors), so that records, runs and the outbox refuse alike and in the
/// same words.
enum PageQuery {
    /// `limit`, or the refusal that names it.
    static func limit(_ text: String) throws(QueryParameterError) -> Int {
        guard let number = Int(text), (1...1000).contains(number) else {
            throw QueryParameterError("limit '\(text)' must be a whole number from 1 to 1000")
        }
        return number
    }

    /// `cursor` up to `largest`, or the refusal that names it.
    static func cursor(_ text: String, upTo largest: Int64 = .max) throws(QueryParameterError) -> Int64 {
        guard let value = number(text), value <= largest else {
            throw QueryParameterError("cursor '\(text)' is not one this server gave: pass a page's next_cursor as it is")
        }
        return value
    }

    /// Decimal digits only, as a whole number; nil for anything else (a sign, a space, empty).
    static func number(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int64(text)
    }
}

/// A page of a list as the API answers it: the items under their list's name, and
/// `next_cursor`, there as null on the last page (not left out).
struct PageJSON<Item: Encodable>: Encodable {
    let name: String
    let items: [Item]
    let nextCursor: String?

    private struct Key: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(items, forKey: Key(name))
        try container.encode(nextCursor, forKey: Key("next_cursor"))
    }
}
