/// Lua source cut into tokens with their lines, comments and whitespace dropped: enough
/// for `comity check` to look at names, calls and table constructors without running
/// anything. (Syntax errors are Lua's own to report: the file is also compiled.)
struct LuaToken: Equatable {
    enum Kind: Equatable { case name, keyword, string, number, symbol }
    let kind: Kind
    let text: String
    let line: Int
}

enum LuaTokens {
    static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    static func tokens(_ source: String) -> [LuaToken] {
        let bytes = Array(source.utf8)
        var tokens: [LuaToken] = []
        var i = 0
        var line = 1
        func peek(_ offset: Int = 0) -> UInt8 { i + offset < bytes.count ? bytes[i + offset] : 0 }
        /// `[[`, `[==[`: the level, or nil when not a long bracket.
        func longBracket(at start: Int) -> Int? {
            guard start < bytes.count, bytes[start] == UInt8(ascii: "[") else { return nil }
            var j = start + 1
            while j < bytes.count, bytes[j] == UInt8(ascii: "=") { j += 1 }
            return j < bytes.count && bytes[j] == UInt8(ascii: "[") ? j - start - 1 : nil
        }
        func skipLong(level: Int) {
            i += level + 2
            while i < bytes.count {
                if bytes[i] == 0x0A { line += 1 }
                if bytes[i] == UInt8(ascii: "]") {
                    var j = i + 1
                    while j < bytes.count, bytes[j] == UInt8(ascii: "=") { j += 1 }
                    if j - i - 1 == level, j < bytes.count, bytes[j] == UInt8(ascii: "]") { i = j + 1; return }
                }
                i += 1
            }
        }
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x0A { line += 1; i += 1; continue }
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
            if c == UInt8(ascii: "-"), peek(1) == UInt8(ascii: "-") {
                i += 2
                if let level = longBracket(at: i) { skipLong(level: level); continue }
                while i < bytes.count, bytes[i] != 0x0A { i += 1 }
                continue
            }
            let start = i
            let startLine = line
            if c == UInt8(ascii: "_") || (c < 0x80 && Character(UnicodeScalar(c)).isLetter) {
                while i < bytes.count, bytes[i] == UInt8(ascii: "_") || (bytes[i] < 0x80 && (Character(UnicodeScalar(bytes[i])).isLetter || Character(UnicodeScalar(bytes[i])).isNumber)) { i += 1 }
                let text = String(decoding: bytes[start..<i], as: UTF8.self)
                tokens.append(LuaToken(kind: keywords.contains(text) ? .keyword : .name, text: text, line: startLine))
                continue
            }
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") || (c == UInt8(ascii: ".") && peek(1) >= UInt8(ascii: "0") && peek(1) <= UInt8(ascii: "9")) {
                while i < bytes.count, bytes[i] < 0x80,
                      Character(UnicodeScalar(bytes[i])).isHexDigit || "xX.pPeE".utf8.contains(bytes[i])
                        || ((bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) && "eEpP".utf8.contains(bytes[i - 1])) { i += 1 }
                tokens.append(LuaToken(kind: .number, text: String(decoding: bytes[start..<i], as: UTF8.self), line: startLine))
                continue
            }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                i += 1
                while i < bytes.count, bytes[i] != c, bytes[i] != 0x0A {
                    if bytes[i] == UInt8(ascii: "\\") { i += 1; if i < bytes.count, bytes[i] == 0x0A { line += 1 } }
                    i += 1
                }
                i += 1
                tokens.append(LuaToken(kind: .string, text: String(decoding: bytes[start..<min(i, bytes.count)], as: UTF8.self), line: startLine))
                continue
            }
            if let level = longBracket(at: i) {
                skipLong(level: level)
                tokens.append(LuaToken(kind: .string, text: "[[...]]", line: startLine))
                continue
            }
            // Symbols: the longest of `...`, `..`, `==`, `~=`, `<=`, `>=`, `//`, `::`, `<<`, `>>`, or one byte.
            let three = String(decoding: bytes[i..<min(i + 3, bytes.count)], as: UTF8.self)
            let two = String(decoding: bytes[i..<min(i + 2, bytes.count)], as: UTF8.self)
            let symbol = three == "..." ? three : ["..", "==", "~=", "<=", ">=", "//", "::", "<<", ">>"].contains(two) ? two
                : String(decoding: [c], as: UTF8.self)
            i += symbol.utf8.count
            tokens.append(LuaToken(kind: .symbol, text: symbol, line: startLine))
        }
        return tokens
    }
}
