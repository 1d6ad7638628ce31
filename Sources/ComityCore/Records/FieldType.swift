import Foundation
import HumanReadable

/// The value of one field of a record, once validated.
public enum FieldValue: Hashable, Sendable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    /// Exact decimal text, such as `12.50`.
    case decimal(String)
    case boolean(Bool)
    case date(CalendarDate)
    case time(Timestamp)
    case money(Money)
    case strings([String])
    case reference(RecordReference)
    case references([RecordReference])

    /// Lua's words for the kind of value, for messages.
    public var kindName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .decimal: "decimal"
        case .boolean: "boolean"
        case .date: "date"
        case .time: "Time"
        case .money: "Money"
        case .strings: "list"
        case .reference(let r): r.type.displayName
        case .references: "list of records"
        }
    }

    public var description: String {
        switch self {
        case .string(let s), .decimal(let s): s
        case .integer(let i): String(i)
        case .boolean(let b): String(b)
        case .date(let d): d.description
        case .time(let t): t.description
        case .money(let m): m.description
        case .strings(let list): list.joined(separator: ", ")
        case .reference(let r): r.description
        case .references(let list): list.map(\.description).joined(separator: ", ")
        }
    }
}

/// What a field holds. Checks and normalises values (text from a CSV file or a
/// script becomes a date, a country code, money), and says what it expected.
public indirect enum FieldType: Sendable, Hashable, CustomStringConvertible {
    case string
    case integer
    case decimal
    case boolean
    case date
    case time
    case money
    /// One of these values.
    case choice([String])
    case strings
    case country
    /// An IATI organisation type, by name or code.
    case organisationKind
    case orgIdentifier
    case email
    case url
    case timeZone
    case reference(RecordType)
    case references(RecordType)
    /// A record of any type (a task's `about`).
    case anyReference

    public var description: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .decimal: "decimal"
        case .boolean: "boolean"
        case .date: "date"
        case .time: "Time"
        case .money: "Money"
        case .choice(let values): "one of " + values.joined(separator: ", ")
        case .strings: "list of strings"
        case .country: "country code"
        case .organisationKind: "organisation kind"
        case .orgIdentifier: "org-id identifier"
        case .email: "email address"
        case .url: "web address"
        case .timeZone: "time zone"
        case .reference(let type): type.displayName
        case .references(let type): "list of \(type.displayName)"
        case .anyReference: "record"
        }
    }

    /// `value` checked and normalised for a field named `field` of a `record`.
    public func normalise(_ value: FieldValue, field: String, record: String, timeZone: TimeZone = .gmt)
        throws(DomainError) -> FieldValue
    {
        func mismatch() -> DomainError {
            // A link to any type cannot be told by id alone: say what to give instead.
            let hint = self == .anyReference ? " (give the record itself, such as grants.get(1))" : ""
            return DomainError(.invalidValue, field: field,
                               "\(record) field '\(field)' must be \(article)\(self), got \(value.kindName) '\(value)'\(hint)")
        }
        switch (self, value) {
        case (.string, .string(let s)):
            return .string(s)
        case (.string, .integer(let i)):
            return .string(String(i))
        case (.integer, .integer):
            return value
        case (.integer, .string(let s)):
            guard let i = Int64(s.trimmingBlanks()) else { throw mismatch() }
            return .integer(i)
        case (.decimal, .integer(let i)):
            return .decimal(String(i))
        case (.decimal, .decimal(let s)), (.decimal, .string(let s)):
            let trimmed = s.trimmingBlanks()
            guard trimmed.range(of: #"^-?\d+(\.\d+)?$"#, options: .regularExpression) != nil else { throw mismatch() }
            return .decimal(trimmed)
        case (.boolean, .boolean):
            return value
        case (.boolean, .string(let s)):
            switch s.lowercased() {
            case "true", "yes", "1": return .boolean(true)
            case "false", "no", "0": return .boolean(false)
            default: throw mismatch()
            }
        case (.date, .date):
            return value
        case (.date, .string(let s)):
            return .date(try CalendarDate(parsing: s, field: field))
        case (.date, .time(let t)):
            return .date(try CalendarDate(parsing: String(t.formatted(in: timeZone).prefix(10)), field: field))
        case (.time, .time):
            return value
        case (.time, .string(let s)):
            return .time(try Timestamp(parsing: s, in: timeZone, field: field))
        case (.money, .money):
            return value
        case (.money, .string(let s)):
            guard let space = s.trimmingBlanks().lastIndex(of: " ") else {
                throw DomainError(.invalidValue, field: field,
                                  "\(record) field '\(field)' must be Money with its currency, such as '1300000.00 RUB', got '\(s)'")
            }
            let trimmed = s.trimmingBlanks()
            let currency = try Currency(String(trimmed[trimmed.index(after: space)...]))
            return .money(try Money(String(trimmed[..<space]), currency: currency, field: field))
        case (.choice(let allowed), .string(let s)):
            let normalised = ChoiceName.normalised(s)
            guard allowed.contains(normalised) else {
                throw DomainError(.invalidValue, field: field,
                                  "invalid \(field) '\(s)' for \(record) (allowed: \(allowed.joined(separator: ", ")))")
            }
            return .string(normalised)
        case (.strings, .strings(let list)):
            return .strings(list)
        case (.strings, .string(let s)):
            // A CSV cell: values separated by ';' (commas appear inside values).
            return .strings(s.split(separator: ";").map { $0.trimmingBlanks() }.filter { !$0.isEmpty })
        case (.country, .string(let s)):
            return .string(try CountryCode(s, field: field).code)
        case (.organisationKind, .string(let s)):
            return .string(try OrganisationKind(s, field: field).name)
        case (.organisationKind, .integer(let code)):
            return .string(try OrganisationKind(String(code), field: field).name)
        case (.orgIdentifier, .string(let s)):
            return .string(try OrgIdentifier(s, field: field).description)
        case (.email, .string(let s)):
            let trimmed = s.trimmingBlanks()
            guard EmailAddress.isValid(trimmed) else {
                throw DomainError(.invalidValue, field: field, "invalid \(field) '\(s)' (expected an address such as info@asi.ru)")
            }
            return .string(trimmed)
        case (.url, .string(let s)):
            let trimmed = s.trimmingBlanks()
            guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                  url.host != nil
            else {
                throw DomainError(.invalidValue, field: field, "invalid \(field) '\(s)' (expected http:// or https:// and a host)")
            }
            return .string(trimmed)
        case (.timeZone, .string(let s)):
            guard TimeZone(identifier: s) != nil else {
                throw DomainError(.invalidValue, field: field, "invalid \(field) '\(s)' (expected a zone such as Europe/Moscow or UTC)")
            }
            return .string(s)
        case (.reference(let type), .reference(let r)):
            guard r.type == type else { throw mismatch() }
            return value
        case (.references(let type), .references(let list)):
            guard list.allSatisfy({ $0.type == type }) else { throw mismatch() }
            return value
        case (.references(let type), .reference(let r)) where r.type == type:
            return .references([r])
        case (.anyReference, .reference):
            return value
        default:
            throw mismatch()
        }
    }

    private var article: String {
        switch self {
        case .choice, .strings, .references, .money: ""
        case .integer, .email, .orgIdentifier, .organisationKind: "an "
        case .reference(let type): "aeiou".contains(type.rawValue.prefix(1)) ? "an " : "a "
        default: "a "
        }
    }
}
