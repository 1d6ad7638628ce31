import Foundation

/// The encodings a message's text is written in, so that every line is 7-bit ASCII of at
/// most 78 characters (RFC 5322 §2.1.1) whatever the message holds: encoded-words for
/// headers (RFC 2047), quoted-printable for text parts and base64 for attachments
/// (RFC 2045), RFC 2231 parameters for file names.
enum MIMEEncoding {
    static let crlf = "\r\n"
    /// Bytes of text per encoded-word: 39 bytes are 52 base64 characters, a word of 64,
    /// which fits after the longest header name Comity writes on a line of 78.
    static let bytesPerWord = 39

    /// A header line, folded before a token whenever the line would pass 78
    /// characters; tokens are joined by single spaces (a fold is CRLF and a space,
    /// which unfolding turns back into that space).
    static func header(_ name: String, _ tokens: [String]) -> String {
        var text = name + ":"
        var line = text.count
        for token in tokens {
            if line + 1 + token.count > 78, line > name.count + 1 {
                text += crlf + " " + token
                line = 1 + token.count
            } else {
                text += " " + token
                line += 1 + token.count
            }
        }
        return text
    }

    /// `text` as encoded-words (`=?UTF-8?B?...?=`), each whole Unicode scalars, so that
    /// a word decodes on its own, and cut after a space where the text has one: decoders
    /// that keep the folding space between two words (Python's, in display names) then
    /// show a space where there is one rather than split a word in two.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var pending: [Unicode.Scalar] = []
        var bytes = 0
        func word(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars)
            return "=?UTF-8?B?" + Data(String(piece).utf8).base64EncodedString() + "?="
        }
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            if bytes + width > bytesPerWord {
                // Cut after the last space, unless that leaves too little in this word.
                let cut = pending.lastIndex(of: " ").map { $0 + 1 }.flatMap { $0 >= pending.count / 2 ? $0 : nil } ?? pending.count
                words.append(word(pending[..<cut]))
                pending = Array(pending[cut...])
                bytes = pending.reduce(0) { $0 + UTF8.width($1) }
            }
            pending.append(scalar)
            bytes += width
        }
        if !pending.isEmpty || words.isEmpty { words.append(word(pending[...])) }
        return words
    }

    /// Unstructured text (a subject) as header tokens: as it is when it is printable
    /// ASCII in words that fit a line and could not be taken for an encoded-word;
    /// encoded-words otherwise.
    static func unstructured(_ text: String) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let plain = text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) } && !text.contains("=?")
            && words.allSatisfy { $0.count <= 66 } && !text.hasPrefix(" ") && !text.hasSuffix(" ") && !text.isEmpty
        return plain ? words : encodedWords(text)
    }

    /// A display name as header tokens: an atom or quoted string when it is short ASCII,
    /// encoded-words otherwise (RFC 2047 §5(3)).
    static func phrase(_ name: String) -> [String] {
        let printable = name.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) }
        guard printable, name.count <= 60, !name.contains("=?") else { return encodedWords(name) }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ")
        if name.allSatisfy(atext.contains), !name.hasPrefix(" "), !name.hasSuffix(" "), !name.contains("  ") {
            return name.split(separator: " ").map(String.init)
        }
        return ["\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""]
    }

    /// An address list (`To`, `Cc`) as header tokens, commas between addresses.
    static func addressList(_ addresses: [(name: String?, address: String)]) -> [String] {
        var tokens: [String] = []
        for (index, entry) in addresses.enumerated() {
            let comma = index < addresses.count - 1 ? "," : ""
            if let name = entry.name, !name.isEmpty {
                tokens += phrase(name)
                tokens.append("<\(entry.address)>" + comma)
            } else {
                tokens.append(entry.address + comma)
            }
        }
        return tokens
    }

    /// A parameter of a `Content-Type` or `Content-Disposition` header: `name="a.pdf"`
    /// for short printable ASCII, RFC 2231 `name*0*=UTF-8''...` pieces otherwise.
    static func parameter(_ name: String, _ value: String) -> [String] {
        // A name holding "=?" is written encoded too: clients decode an RFC 2047
        // encoded-word even in a quoted parameter, so `=?utf-8?b?ZXZpbC5leGU=?=` would
        // show as `evil.exe`; RFC 2231 percent-encodes the `=` and `?`, and it shows as given.
        let plain = value.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }
            && !value.contains("=?")
        if plain, value.count <= 60 { return ["\(name)=\"\(value)\""] }
        let unreserved = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~".utf8)
        var pieces: [String] = []
        var piece = ""
        for byte in value.utf8 {
            let encoded = unreserved.contains(byte) ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
            if piece.count + encoded.count > 54 {
                pieces.append(piece)
                piece = ""
            }
            piece += encoded
        }
        pieces.append(piece)
        return pieces.enumerated().map { index, piece in
            "\(name)*\(index)*=" + (index == 0 ? "UTF-8''" : "") + piece
        }
    }

    /// A header such as `Content-Type: text/html; charset=utf-8`, its parameters
    /// separated by `;` and folded between them.
    static func content(_ header: String, _ value: String, _ parameters: [(String, String)]) -> String {
        let pieces = [value] + parameters.flatMap { parameter($0.0, $0.1) }
        return self.header(header, pieces.enumerated().map { $0.offset < pieces.count - 1 ? $0.element + ";" : $0.element })
    }

    /// Text as quoted-printable (RFC 2045 §6.7): line breaks (LF, CRLF or CR) become
    /// CRLF, other bytes outside printable ASCII and `=` are `=XX`, a space or tab at a
    /// line's end is encoded, and lines longer than 76 are broken with a soft `=`.
    static func quotedPrintable(_ text: String) -> String {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for (number, line) in lines.enumerated() {
            if number > 0 { out += crlf }
            let bytes = Array(line.utf8)
            var length = 0
            for (index, byte) in bytes.enumerated() {
                let last = index == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !last)
                let token = literal ? String(UnicodeScalar(byte)) : "=" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
                // Room for the soft break's `=` unless this is the line's last token.
                if length + token.count > (last ? 76 : 75) {
                    out += "=" + crlf
                    length = 0
                }
                out += token
                length += token.count
            }
        }
        return out
    }

    /// Bytes as base64 in lines of 76 characters.
    static func base64Lines(_ data: Data) -> String {
        let text = Array(data.base64EncodedString().utf8)
        var lines: [String] = []
        var start = 0
        while start < text.count {
            let end = min(start + 76, text.count)
            lines.append(String(decoding: text[start..<end], as: UTF8.self))
            start = end
        }
        return lines.joined(separator: crlf)
    }
}
