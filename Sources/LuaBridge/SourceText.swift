/// Checks on script text before Lua sees it.
enum SourceText {
    struct Problem: CustomStringConvertible {
        var line: Int
        var column: Int
        var byte: UInt8
        var description: String {
            "the script is not valid UTF-8 (byte 0x\(String(byte, radix: 16, uppercase: true)) at column \(column))"
        }
    }

    /// The first invalid UTF-8 sequence, with its line and column, or nil.
    static func utf8Problem(in bytes: [UInt8]) -> Problem? {
        if String(validating: bytes, as: UTF8.self) != nil { return nil }
        var line = 1
        var lineStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                lineStart = index + 1
                index += 1
                continue
            }
            let length = sequenceLength(byte)
            let end = index + length
            if length == 0 || end > bytes.count
                || String(validating: bytes[index..<end], as: UTF8.self) == nil
            {
                return Problem(line: line, column: index - lineStart + 1, byte: byte)
            }
            index = end
        }
        return nil
    }

    private static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0x00...0x7F: 1
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 0
        }
    }
}
