/// An ISO 4217 currency, among those the 360Giving Data Standard accepts.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// The three-letter code, upper case.
    public let code: String

    /// Checks `code` against the list; lower case is accepted.
    public init(_ code: String) throws(DomainError) {
        let upper = code.uppercased()
        guard CurrencyList.names[upper] != nil else {
            var message = "invalid currency '\(code)' (not an ISO 4217 code"
            if let near = Self.closest(to: upper) { message += "; did you mean '\(near)'?)" } else { message += ")" }
            throw DomainError(.invalidValue, field: "currency", message)
        }
        self.code = upper
    }

    /// The currency's English name ("Russian ruble").
    public var name: String { CurrencyList.names[code] ?? code }

    /// Digits after the decimal point of the minor unit: 2 for most, 0 for JPY, 3 for KWD.
    public var minorUnitDigits: Int {
        if Self.noMinorUnit.contains(code) { return 0 }
        if Self.thousandths.contains(code) { return 3 }
        if Self.tenThousandths.contains(code) { return 4 }
        return 2
    }

    public var description: String { code }

    // ISO 4217 exponents other than 2 (the list itself does not carry them).
    private static let noMinorUnit: Set<String> = [
        "BIF", "BYR", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
        "XAF", "XOF", "XPF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX",
    ]
    private static let thousandths: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
    private static let tenThousandths: Set<String> = ["CLF", "UYW"]

    /// A known code one letter away (`RUR` → `RUB`).
    private static func closest(to code: String) -> String? {
        let letters = Array(code)
        return CurrencyList.names.keys.sorted().first { candidate in
            let other = Array(candidate)
            return other.count == letters.count && zip(other, letters).filter { $0 != $1 }.count == 1
        }
    }
}
