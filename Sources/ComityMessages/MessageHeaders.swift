/// How header values are shown in errors: quoted, control characters escaped, so that
/// the error itself stays one line.
public enum MessageHeaders {
    /// `text` in single quotes, with newlines, tabs, quotes and other control characters escaped.
    public static func quoted(_ text: String) -> String {
        var shown = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": shown += "\\n"
            case "\r": shown += "\\r"
            case "\t": shown += "\\t"
            case "'": shown += "\\'"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    shown += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    shown.unicodeScalars.append(scalar)
                }
            }
        }
        return shown + "'"
    }
}
