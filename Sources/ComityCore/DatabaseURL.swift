/// A database URL as a message or a file may show it. Read as text, not parsed, so that a
/// URL too badly formed for a URL parser loses its password as well.
public enum DatabaseURL {
    /// `url` with its password (in its user part, `user:secret@`, or its query,
    /// `password=`) shown as `***`, for a message.
    public static func redacted(_ url: String) -> String {
        rewritten(url, password: ":***", setting: { "password=***" })
    }

    /// `url` with its password taken out, for a file that may not hold one (comity.lua).
    public static func withoutPassword(_ url: String) -> String {
        rewritten(url, password: "", setting: { nil })
    }

    /// `url` with the `:secret` of its user part replaced by `password`, and each
    /// `password=` setting of its query by what `setting` gives (nil: dropped).
    private static func rewritten(_ url: String, password: String, setting: () -> String?) -> String {
        var shown = url
        if let query = shown.firstIndex(of: "?") {
            let settings = shown[shown.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
                .compactMap { $0.hasPrefix("password=") ? setting() : String($0) }
            shown = String(shown[..<query]) + (settings.isEmpty ? "" : "?" + settings.joined(separator: "&"))
        }
        let authority = shown.prefix { $0 != "?" }
        guard let at = authority.lastIndex(of: "@"), let scheme = shown.range(of: "://"), scheme.upperBound < at,
              let colon = shown[scheme.upperBound..<at].firstIndex(of: ":") else { return shown }
        return String(shown[..<colon]) + password + String(shown[at...])
    }
}
