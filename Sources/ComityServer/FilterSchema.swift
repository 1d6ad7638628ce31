import ComityCore

/// The OpenAPI schema of a filter on a field: what a value must look like to be read as
/// the field's type, so that a client (or a fuzzer) knows before it asks.
enum FilterSchema {
    static func of(_ type: FieldType) -> [String: any Sendable] {
        switch type {
        case .integer: ["type": "integer"]
        case .boolean: ["type": "boolean"]
        case .reference, .references: ["type": "integer", "format": "int64", "minimum": 1, "description": "The linked record's id"]
        case .date: ["type": "string", "pattern": "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"]
        case .time: ["type": "string", "pattern": "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"]
        case .decimal: ["type": "string", "pattern": "^-?[0-9]{1,9}(\\.[0-9]{1,4})?$"]
        case .money: ["type": "string", "pattern": "^[0-9]{1,9}(\\.[0-9]{2})? (EUR|USD|GBP|RUB|KES)$", "description": "An amount and its currency: 1000.00 EUR"]
        case .choice(let values): ["type": "string", "enum": values]
        case .country: ["type": "string", "enum": countries]
        case .organisationKind: ["type": "string", "enum": OrganisationKind.allCases.map(\.name)]
        case .email: ["type": "string", "pattern": "^[a-z0-9]{1,20}@[a-z0-9]{1,20}\\.(org|com|net)$"]
        case .url: ["type": "string", "pattern": "^https://[a-z0-9]{1,20}\\.(org|com|net)(/[a-z0-9]{0,20})?$"]
        case .timeZone: ["type": "string", "enum": ["UTC", "Europe/Moscow", "Europe/Berlin", "Africa/Nairobi", "America/New_York"]]
        case .orgIdentifier: ["type": "string", "pattern": "^(GB-CHC|RU-INN)-[0-9]{1,10}$", "description": "PREFIX-localid, as org-id.guide registers it"]
        case .anyReference:
            ["type": "string", "pattern": "^(" + RecordType.allCases.map(\.rawValue).joined(separator: "|") + "):[1-9][0-9]{0,8}$",
             "description": "TYPE:ID, such as grant:4"]
        case .string, .strings: ["type": "string", "minLength": 1]
        }
    }

    /// Every two-letter code the domain takes as a country.
    static let countries: [String] = {
        let letters = (0x41...0x5A).map { Character(UnicodeScalar(UInt8($0))) }
        return letters.flatMap { first in letters.map { "\(first)\($0)" } }.filter { (try? CountryCode($0)) != nil }
    }()
}
