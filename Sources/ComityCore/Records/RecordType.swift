import Foundation
import HumanReadable

/// The kinds of record Comity keeps.
public enum RecordType: String, CaseIterable, Sendable, Hashable, CustomStringConvertible, Codable {
    case organisation, person, grant, partnership, event, application, task

    /// Hashed by case, not by its raw value: the store and the bindings look record
    /// types up in dictionaries on every create, and hashing the name cost a tenth as
    /// much as validating the record.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(ordinal)
    }

    /// The case's place in `allCases`, for bit sets and tables indexed by type.
    public var ordinal: Int {
        switch self {
        case .organisation: 0
        case .person: 1
        case .grant: 2
        case .partnership: 3
        case .event: 4
        case .application: 5
        case .task: 6
        }
    }

    /// The name in messages and in the LuaLS classes: `Organisation`.
    public var displayName: String {
        // Spelt out: every checked value names its record type.
        switch self {
        case .organisation: "Organisation"
        case .person: "Person"
        case .grant: "Grant"
        case .partnership: "Partnership"
        case .event: "Event"
        case .application: "Application"
        case .task: "Task"
        }
    }

    /// The collection scripts use: `orgs`, `people`, `grants`, ...
    public var collection: String {
        switch self {
        case .organisation: "orgs"
        case .person: "people"
        case .grant: "grants"
        case .partnership: "partnerships"
        case .event: "events"
        case .application: "applications"
        case .task: "tasks"
        }
    }

    public var description: String { rawValue }
}

/// A record of some type, by its stable id.
public struct RecordReference: Hashable, Sendable, CustomStringConvertible, Codable {
    public let type: RecordType
    public let id: Int64

    public init(_ type: RecordType, _ id: Int64) {
        self.type = type
        self.id = id
    }

    /// `grant#12`
    public var description: String { "\(type.rawValue)#\(id)" }
}

/// A day in the calendar, without a time or a zone: `2021-01-26`.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(parsing text: String, field: String = "date") throws(DomainError) {
        let parts = text.trimmingBlanks().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...Self.days(in: month, of: year)).contains(day)
        else {
            throw DomainError(.invalidValue, field: field, "invalid \(field) '\(text)' (expected a date such as 2021-01-26)")
        }
        guard year >= 1 else { throw DomainError(.invalidValue, field: field, Timestamp.yearZero(field, text)) }
        self.year = year
        self.month = month
        self.day = day
    }

    private static func days(in month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }
}

extension RecordType {
    /// `a` or `an` before the type's name, for sentences about one record ("an organisation").
    public var article: String { "aeiou".contains(rawValue.prefix(1)) ? "an" : "a" }
}
