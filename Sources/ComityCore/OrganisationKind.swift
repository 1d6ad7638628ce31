import Foundation

/// IATI organisation types, as numbers (their codes) and as names.
public enum OrganisationKind: Int, CaseIterable, Sendable, CustomStringConvertible {
    case government = 10
    case localGovernment = 11
    case otherPublicSector = 15
    case internationalNGO = 21
    case nationalNGO = 22
    case regionalNGO = 23
    case partnerCountryNGO = 24
    case publicPrivatePartnership = 30
    case multilateral = 40
    case foundation = 60
    case privateSector = 70
    case academic = 80
    case other = 90

    /// The name scripts use: `national_ngo`, `foundation`, ...
    public var name: String {
        switch self {
        case .government: "government"
        case .localGovernment: "local_government"
        case .otherPublicSector: "other_public_sector"
        case .internationalNGO: "international_ngo"
        case .nationalNGO: "national_ngo"
        case .regionalNGO: "regional_ngo"
        case .partnerCountryNGO: "partner_country_ngo"
        case .publicPrivatePartnership: "public_private_partnership"
        case .multilateral: "multilateral"
        case .foundation: "foundation"
        case .privateSector: "private_sector"
        case .academic: "academic"
        case .other: "other"
        }
    }

    public var description: String { name }

    private static let byName = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

    /// From a name (`"national_ngo"`) or an IATI code (`"22"`).
    public init(_ text: String, field: String = "kind") throws(DomainError) {
        if let kind = Self.byName[text] {
            self = kind
            return
        }
        if let code = Int(text), let kind = OrganisationKind(rawValue: code) {
            self = kind
            return
        }
        let normalised = ChoiceName.normalised(text)
        guard let kind = Self.byName[normalised] else {
            throw DomainError(.invalidValue, field: field,
                              "invalid \(field) '\(text)' (allowed: \(Self.allCases.map(\.name).joined(separator: ", ")), or an IATI code)")
        }
        self = kind
    }
}

/// How names of choices are compared: `National NGO`, `national-ngo` and
/// `national_ngo` are one name. (Written out: Foundation's replacingOccurrences was a
/// tenth of the cost of creating a record.)
public enum ChoiceName {
    /// `text` lowercased, with spaces and hyphens as underscores.
    public static func normalised(_ text: String) -> String {
        // Names as scripts usually write them are already normal.
        if text.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }) { return text }
        return String(text.lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    }
}
