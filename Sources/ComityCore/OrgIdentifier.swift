/// An organisation identifier in org-id.guide form, `PREFIX-localid`:
/// `GB-CHC-1090095`, `RU-INN-7707083893`, `XM-DAC-41121`. The prefix must be one of
/// the register's; the local part is kept as written.
public struct OrgIdentifier: Hashable, Sendable, CustomStringConvertible {
    public let prefix: String
    public let localID: String

    public init(_ text: String, field: String = "identifier") throws(DomainError) {
        let trimmed = text.filter { !$0.isWhitespace || $0 == " " }
        let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        // Prefixes have two parts (GB-CHC) or three (CN-11-CR): the longest known one wins.
        for length in [3, 2] where parts.count > length {
            let candidate = parts[0..<length].joined(separator: "-").uppercased()
            guard OrgIDRegistry.entry(for: candidate) != nil else { continue }
            let local = parts[length...].joined(separator: "-")
            guard !local.isEmpty, !local.contains(where: \.isWhitespace) else {
                throw DomainError(.invalidValue, field: field,
                                  "invalid \(field) '\(text)' (nothing usable after the prefix \(candidate)-)")
            }
            prefix = candidate
            localID = local
            return
        }
        let shown = parts.count >= 2 ? parts[0...1].joined(separator: "-").uppercased() : text
        throw DomainError(.invalidValue, field: field,
                          "invalid \(field) '\(text)' (prefix '\(shown)' is not in the org-id.guide register; "
                          + "expected PREFIX-localid such as GB-CHC-1090095 or RU-INN-7707083893)")
    }

    public var description: String { "\(prefix)-\(localID)" }

    /// The registry the prefix names ("Charity Commission/Comisiwn Elusennau").
    public var registry: OrgIDRegistry.Entry? { OrgIDRegistry.entry(for: prefix) }
}

/// The org-id.guide register of identifier prefixes.
public enum OrgIDRegistry {
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// Countries the registry covers (empty for international ones such as XM-DAC).
        public let coverage: [String]
        /// The register marks some prefixes as replaced by others.
        public let deprecated: Bool
    }

    public static func entry(for prefix: String) -> Entry? { OrgIDPrefixList.entries[prefix.uppercased()] }
}
