extension StringProtocol {
    /// The text without the tabs and spaces at either end: what Foundation's
    /// `trimmingCharacters(in: .whitespaces)` removes (tab, Unicode's space separators
    /// and U+200B), done in Swift. On Linux Foundation's goes through NSString, about
    /// 28,000 instructions a call, and the command line trims on every start.
    public func trimmingBlanks() -> String { trimming(where: Self.isBlank) }

    /// The same with line breaks too: `trimmingCharacters(in: .whitespacesAndNewlines)`
    /// (tab, line feed to carriage return, U+0085 and Unicode's separators).
    public func trimmingBlanksAndNewlines() -> String { trimming(where: Self.isBlankOrNewline) }

    private func trimming(where isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = String(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }), let last = scalars.lastIndex(where: { !isTrimmed($0) }) else {
            return ""
        }
        return String(scalars[first...last])
    }

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar == " " || scalar == "\t" }
        // Foundation counts ZERO WIDTH SPACE in (a space separator in old Unicode).
        return scalar.value == 0x200B || scalar.properties.generalCategory == .spaceSeparator
    }

    private static func isBlankOrNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0x200B: return true
        case 0..<0x80: return false
        default:
            switch scalar.properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
            default: return false
            }
        }
    }
}
