/// A rule the domain sets on a record as a whole, over several of its fields or over
/// a value's sign: an event does not end before it starts, a grant does not go from
/// an organisation to itself. Checked on every create and on every change of a field it
/// names, whichever path writes (a script, an import, a lifecycle step's fields).
public struct RecordRule: Sendable {
    /// The fields it reads: a change of one of them checks it again.
    public let fields: [String]
    /// The refusal for a record's values, or nil when they keep the rule.
    public let refusal: @Sendable (_ values: [String: FieldValue], _ record: String) -> DomainError?

    public init(fields: [String], refusal: @escaping @Sendable ([String: FieldValue], String) -> DomainError?) {
        self.fields = fields
        self.refusal = refusal
    }

    /// `later` (an end) is not before `earlier` (a start), when both are given; dates
    /// with dates, times with times.
    public static func notBefore(_ later: String, _ earlier: String, _ why: String) -> RecordRule {
        RecordRule(fields: [later, earlier]) { values, record in
            let before: Bool
            switch (values[later], values[earlier]) {
            case (.time(let end)?, .time(let start)?): before = end < start
            case (.date(let end)?, .date(let start)?): before = end < start
            default: return nil
            }
            guard before, let end = values[later], let start = values[earlier] else { return nil }
            return DomainError(.invalidValue, field: later,
                               "\(record) field '\(later)' (\(end)) is before '\(earlier)' (\(start)): \(why)")
        }
    }

    /// A Money field is not negative.
    public static func notNegative(_ field: String) -> RecordRule {
        RecordRule(fields: [field]) { values, record in
            guard case .money(let amount)? = values[field], amount.minorUnits < 0 else { return nil }
            return DomainError(.invalidValue, field: field, "\(record) field '\(field)' cannot be negative, got \(amount)")
        }
    }

    /// Two links do not name the same record.
    public static func different(_ second: String, _ first: String, _ why: String) -> RecordRule {
        RecordRule(fields: [second, first]) { values, record in
            guard case .reference(let a)? = values[first], case .reference(let b)? = values[second], a == b else { return nil }
            return DomainError(.invalidValue, field: second,
                               "\(record) field '\(second)' is the same record as '\(first)' (\(a)): \(why)")
        }
    }

    /// A list of records names each at most once.
    public static func distinctItems(_ field: String, _ why: String) -> RecordRule {
        RecordRule(fields: [field]) { values, record in
            guard case .references(let list)? = values[field] else { return nil }
            var seen: Set<RecordReference> = []
            for item in list where !seen.insert(item).inserted {
                return DomainError(.invalidValue, field: field, "\(record) field '\(field)' lists \(item) twice: \(why)")
            }
            return nil
        }
    }
}
