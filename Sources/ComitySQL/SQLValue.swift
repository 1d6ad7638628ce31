import ComityCore

/// A value as an SQL statement takes it as an argument or returns it in a column, in
/// no database library's types: what the query compiler hands a store, which turns it
/// into its own (GRDB's `DatabaseValue`, postgres-nio's bindings).
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var isNull: Bool { self == .null }

    public var integer: Int64? {
        switch self {
        case .integer(let i): i
        case .real(let d): Int64(exactly: d.rounded(.towardZero))
        case .text(let s): Int64(s)
        default: nil
        }
    }

    public var text: String? {
        switch self {
        case .text(let s): s
        case .integer(let i): String(i)
        case .real(let d): String(d)
        default: nil
        }
    }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension Optional where Wrapped == String {
    public var sqlValue: SQLValue { map { .text($0) } ?? .null }
}

extension Optional where Wrapped == Int64 {
    public var sqlValue: SQLValue { map { .integer($0) } ?? .null }
}
