/// What a text value may hold: UTF-8 without NUL bytes, as PostgreSQL's `text` (which
/// refuses both with "invalid byte sequence"). A NUL cuts the text short in C, in
/// SQLite's text functions and in the exports; invalid bytes would be replaced
/// silently by U+FFFD. Both are refused with the field named.
public enum TextValidity {
    /// The error for a value holding a NUL byte, or nil when it holds none.
    public static func nulError(in text: String, field: String, record: String) -> DomainError? {
        guard let offset = text.utf8.firstIndex(of: 0).map({ text.utf8.distance(from: text.utf8.startIndex, to: $0) }) else {
            return nil
        }
        return DomainError(.invalidValue, field: field,
                           "\(record) field '\(field)' has an invalid byte sequence: a NUL byte (0x00) at byte \(offset + 1); text must be UTF-8 without NUL bytes")
    }

    /// The text of `bytes`, or an error naming the field and the first invalid byte.
    public static func text(_ bytes: [UInt8], field: String, record: String) throws(DomainError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) {
            if let error = nulError(in: text, field: field, record: record) { throw error }
            return text
        }
        let offset = firstInvalidOffset(bytes)
        let shown = offset < bytes.count ? "0x" + String(bytes[offset], radix: 16, uppercase: false) : "end of text"
        throw DomainError(.invalidValue, field: field,
                          "\(record) field '\(field)' has an invalid byte sequence for UTF-8: \(shown) at byte \(offset + 1)")
    }

    /// Where a file's bytes stop being UTF-8, for its error: `line 3, byte 15 (0xe9)`;
    /// nil when they are all valid.
    public static func invalidPlace(in bytes: [UInt8]) -> String? {
        let offset = firstInvalidOffset(bytes)
        guard offset < bytes.count else { return nil }
        let before = bytes[..<offset]
        let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let column = offset - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "line \(line), byte \(column) (0x\(String(bytes[offset], radix: 16)))"
    }

    /// Where decoding `bytes` as UTF-8 first fails (its length when it does not).
    static func firstInvalidOffset(_ bytes: [UInt8]) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return bytes.count
            case .error: return offset
            }
        }
    }
}

/// E-mail addresses as Comity accepts them: `local@domain.tld`, checked as a whole
/// value (a pattern's `$` would also match before a final newline), with no space,
/// comma, control character or second `@`, so that one can be written into a
/// header as it is.
public enum EmailAddress {
    /// True when `text` is an address.
    public static func isValid(_ text: String) -> Bool {
        guard !TextValidity.hasControlCharacter(text) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty,
              !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0 == "," }) else { return false }
        // The domain has a dot with something on both sides of it.
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && !labels[0].isEmpty && !labels[labels.count - 1].isEmpty
    }
}

extension TextValidity {
    /// True when `text` holds a control character (C0, DEL or C1), line breaks and tabs
    /// included: none may appear in an address or a header.
    public static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}
