import ComityCore

/// Where the SQL of two databases differs in what the query compiler writes. Both
/// stores keep the same columns (`StorageLayout`), values the same way (`ColumnValues`),
/// and take `?` placeholders in the compiler's output (PostgreSQL's store numbers them).
public protocol SQLDialect: Sendable {
    /// A custom field's value (a member of the JSON column `custom` of the row aliased
    /// `alias`) as a scalar that compares with `ColumnValues.scalar` of a value of `type`.
    func customField(_ alias: String, _ name: String, _ type: FieldType) -> String
    /// A part (`minor` or `currency`) of a custom Money field.
    func customMoney(_ alias: String, _ name: String, part: MoneyPart) -> String
    /// A condition true when some element of the JSON array of text `list` meets
    /// `condition`, which is given the element's expression.
    func anyElement(of list: String, _ condition: (String) -> String) -> String
    /// The condition that the folded `column` matches a `LikePattern` argument.
    func likeFolded(_ column: String) -> String
    /// A term of ORDER BY: NULL sorts before every value, as SQLite sorts it.
    func orderTerm(_ expression: String, descending: Bool) -> String
}

public enum MoneyPart: String, Sendable {
    case minor, currency
}
