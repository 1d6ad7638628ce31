import Foundation
import HumanReadable

/// One address of a message, with the name shown for it: `Anna Petrova <anna@asi.org.ru>`.
/// The address is checked for what a mail header and sendmail's command line can carry
/// as it is: an RFC 5322 dot-atom local part and a domain of ASCII labels.
public struct MailAddress: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The display name, when there is one; any Unicode text without control characters.
    public var name: String?
    public var address: String

    public init(name: String? = nil, address: String) {
        self.name = name?.isEmpty == true ? nil : name
        self.address = address
    }

    /// `Name <address>`, or the bare address; a name with a character that means
    /// something in an address (`<`, `,`, `"`, ...) in double quotes, so the text reads
    /// back as one address (RFC 5322's quoted string).
    public var description: String {
        guard let name else { return address }
        guard name.contains(where: { Self.specials.contains($0) }) else { return "\(name) <\(address)>" }
        let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(quoted)\" <\(address)>"
    }

    private static let specials: Set<Character> = ["(", ")", "<", ">", "[", "]", ":", ";", "@", "\\", ",", ".", "\""]

    /// `"a@b.org"` or `"Anna Petrova <anna@b.org>"` (the name may be in double quotes);
    /// nil when the text has neither form. The parts are not checked here.
    public init?(parsing text: String) {
        let trimmed = text.trimmingBlanks()
        guard trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") else {
            guard !trimmed.contains("<"), !trimmed.contains(">") else { return nil }
            self.init(address: trimmed)
            return
        }
        var name = String(trimmed[..<open]).trimmingBlanks()
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
        self.init(name: name, address: String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]))
    }

    /// Why `address` cannot be sent to, or nil when it can: `"has no '@'"`.
    public static func problem(with address: String) -> String? {
        if TextValidity.hasControlCharacter(address) { return "holds a control character" }
        guard address.unicodeScalars.allSatisfy({ $0.isASCII }) else {
            return "is not ASCII (write an international domain in its xn-- form)"
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return parts.count < 2 ? "has no '@'" : "has more than one '@'" }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty else { return "has nothing before the '@'" }
        // sendmail gets the address as an argument: a leading '-' would be an option.
        guard !local.hasPrefix("-") else { return "starts with '-'" }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
        guard local.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty && $0.allSatisfy(atext.contains) })
        else { return "has a character or dot before the '@' that an address cannot have as it is" }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let label = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy(label.contains) && !$0.hasPrefix("-") && !$0.hasSuffix("-") })
        else { return "does not have a domain such as example.org after the '@'" }
        guard address.utf8.count <= 254 else { return "is longer than 254 characters" }
        return nil
    }
}
