import Foundation
import HumanReadable

/// An amount of money: a whole number of minor units (kopecks, cents) in one currency.
/// Never a floating-point number; amounts in different currencies never add up.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Parses a decimal amount in major units: `"1300000000"`, `"1,300,000,000.00"`,
    /// `"-12.5"`; spaces around it are ignored. Commas only group thousands (`"1,5"` is
    /// refused as a decimal comma, not read as 15). More decimals than the currency has
    /// are refused, not rounded.
    public init(_ amount: String, currency: Currency, field: String = "amount") throws(DomainError) {
        var text = Substring(amount.trimmingBlanks())
        let negative = text.first == "-"
        if negative || text.first == "+" { text = text.dropFirst() }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let groups = parts[0].split(separator: ",", omittingEmptySubsequences: false)
        let whole = groups.joined()
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        let digits = currency.minorUnitDigits
        let isDigits = { (text: Substring) in text.allSatisfy { $0.isASCII && $0.isNumber } }
        guard parts.count <= 2, !whole.isEmpty || !fraction.isEmpty, isDigits(Substring(whole)), isDigits(Substring(fraction)) else {
            throw DomainError(.invalidValue, field: field, "invalid \(field) '\(amount)' (expected a number such as 1300000.50)")
        }
        if groups.count > 1 {
            // "1,5" or "12,50" is a decimal comma; "1,2,3" is no grouping at all.
            if parts.count == 1, groups.count == 2, let last = groups.last, (1...2).contains(last.count) {
                throw DomainError(.invalidValue, field: field,
                                  "invalid \(field) '\(amount)': a decimal comma; write '\(groups[0]).\(last)' (commas only group thousands, as in 1,300,000.50)")
            }
            guard let first = groups.first, (1...3).contains(first.count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else {
                throw DomainError(.invalidValue, field: field,
                                  "invalid \(field) '\(amount)': commas group thousands only, as in 1,300,000.50")
            }
        }
        guard fraction.count <= digits else {
            throw DomainError(.invalidValue, field: field,
                              "invalid \(field) '\(amount)' (\(currency.code) has \(digits) decimal places)")
        }
        let scaled = (whole.isEmpty ? "0" : whole) + fraction + String(repeating: "0", count: digits - fraction.count)
        guard let units = Int64(scaled) else {
            throw DomainError(.overflow, field: field, "\(field) '\(amount)' is too large")
        }
        self.init(minorUnits: negative ? -units : units, currency: currency)
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    public func adding(_ other: Money) throws(DomainError) -> Money {
        try sameCurrency(other, doing: "add")
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        if overflow { throw DomainError(.overflow, "sum of \(self) and \(other) is too large") }
        return Money(minorUnits: sum, currency: currency)
    }

    public func subtracting(_ other: Money) throws(DomainError) -> Money {
        try sameCurrency(other, doing: "subtract")
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        if overflow { throw DomainError(.overflow, "difference of \(self) and \(other) is too large") }
        return Money(minorUnits: difference, currency: currency)
    }

    public func multiplied(by factor: Int64) throws(DomainError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: factor)
        if overflow { throw DomainError(.overflow, "\(self) × \(factor) is too large") }
        return Money(minorUnits: product, currency: currency)
    }

    /// Compares amounts of one currency; different currencies do not compare.
    public func isLess(than other: Money) throws(DomainError) -> Bool {
        try sameCurrency(other, doing: "compare")
        return minorUnits < other.minorUnits
    }

    private func sameCurrency(_ other: Money, doing verb: String) throws(DomainError) {
        guard currency == other.currency else {
            throw DomainError(.mixedCurrencies,
                              "cannot \(verb) \(currency.code) and \(other.currency.code) amounts (\(self), \(other))")
        }
    }

    /// `1,300,000,000.00 RUB`
    public var description: String { decimalText(grouped: true) + " " + currency.code }

    /// The amount in major units as exact decimal text, without grouping: `1300000000.00`.
    public var amountText: String { decimalText(grouped: false) }

    private func decimalText(grouped: Bool) -> String {
        let digits = currency.minorUnitDigits
        let magnitude = minorUnits.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let whole = String(magnitude / divisor)
        var text = minorUnits < 0 ? "-" : ""
        for (offset, character) in whole.enumerated() {
            if grouped, offset > 0, (whole.count - offset) % 3 == 0 { text.append(",") }
            text.append(character)
        }
        if digits > 0 {
            let fraction = String(magnitude % divisor)
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return text
    }
}
