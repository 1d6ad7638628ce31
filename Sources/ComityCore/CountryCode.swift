/// An ISO 3166-1 alpha-2 country code (`RU`, `GB`), among those 360Giving accepts.
public struct CountryCode: Hashable, Sendable, CustomStringConvertible {
    public let code: String

    public init(_ code: String, field: String = "country") throws(DomainError) {
        let upper = code.uppercased()
        guard CountryList.names[upper] != nil else {
            throw DomainError(.invalidValue, field: field,
                              "invalid \(field) '\(code)' (expected an ISO 3166-1 alpha-2 code such as 'RU' or 'GB')")
        }
        self.code = upper
    }

    /// The country's English name.
    public var name: String { CountryList.names[code] ?? code }
    public var description: String { code }
}
