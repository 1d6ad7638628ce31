import Foundation

/// Colour for terminals only, and never when NO_COLOR is set (no-color.org).
enum TerminalStyle {
    static let enabled: Bool = isatty(STDOUT_FILENO) != 0 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty

    static func outcome(_ text: String) -> String {
        guard enabled else { return text }
        switch text {
        case "succeeded": return "\u{1B}[32m\(text)\u{1B}[0m"
        case "running", "skipped", "partial": return "\u{1B}[33m\(text)\u{1B}[0m"
        default: return "\u{1B}[31m\(text)\u{1B}[0m"
        }
    }
}
