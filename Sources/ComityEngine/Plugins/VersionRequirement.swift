import Foundation
import HumanReadable

/// A version requirement as plugins write it: `>=0.1`, `>=0.1, <0.3`, `=0.1.0`.
public struct VersionRequirement: Sendable, Equatable, CustomStringConvertible {
    enum Comparison: String, CaseIterable { case atLeast = ">=", above = ">", atMost = "<=", below = "<", exactly = "=" }

    let clauses: [(Comparison, [Int])]
    public let description: String

    public static func == (a: VersionRequirement, b: VersionRequirement) -> Bool { a.description == b.description }

    /// Nil when the text is not a requirement.
    public init?(_ text: String) {
        var clauses: [(Comparison, [Int])] = []
        for part in text.split(separator: ",") {
            var clause = part.trimmingBlanks()
            // Longest operators first: ">=" before ">".
            let comparison = Comparison.allCases.sorted { $0.rawValue.count > $1.rawValue.count }
                .first { clause.hasPrefix($0.rawValue) } ?? .exactly
            if clause.hasPrefix(comparison.rawValue) { clause.removeFirst(comparison.rawValue.count) }
            if clause.hasPrefix("=") { clause.removeFirst() } // "=="
            guard let version = Self.parse(clause.trimmingBlanks()) else { return nil }
            clauses.append((comparison, version))
        }
        guard !clauses.isEmpty else { return nil }
        self.clauses = clauses
        description = text
    }

    /// `1.2.3` as [1, 2, 3]; nil unless dotted whole numbers.
    static func parse(_ text: String) -> [Int]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return parts.compactMap { $0 }
    }

    public func isSatisfied(by version: String) -> Bool {
        guard let given = Self.parse(version) else { return false }
        return clauses.allSatisfy { comparison, wanted in
            let order = Self.compare(given, wanted)
            switch comparison {
            case .atLeast: return order >= 0
            case .above: return order > 0
            case .atMost: return order <= 0
            case .below: return order < 0
            case .exactly: return order == 0
            }
        }
    }

    /// Missing components count as 0: 0.1 is 0.1.0.
    static func compare(_ a: [Int], _ b: [Int]) -> Int {
        for index in 0..<3 {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }
}
