/// A database URL as a message may show it.
public enum DatabaseURL {
    /// `url` without a password (in its user part, `user:secret@`, or its query,
    /// `password=`), for a message. Read as text, not parsed, so that a URL too badly
    /// formed to parse is masked as well.
    public static func redacted(_ url: String) -> String {
        var shown = url
        if let query = shown.firstIndex(of: "?") {
            let settings = shown[shown.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("password=") ? "password=***" : String($0) }
            shown = String(shown[...query]) + settings.joined(separator: "&")
        }
        let authority = shown.prefix { $0 != "?" }
        guard let at = authority.lastIndex(of: "@"), let scheme = shown.range(of: "://"), scheme.upperBound < at,
              let colon = shown[scheme.upperBound..<at].firstIndex(of: ":") else { return shown }
        return String(shown[..<colon]) + ":***" + String(shown[at...])
    }
}
