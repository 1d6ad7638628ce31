import ComityCore

/// The SQL that chooses a `MessageSelection` from `outbox o`, the same on both stores.
public enum MessageSelectionSQL {
    /// The WHERE (empty or starting `WHERE`), then ORDER BY and LIMIT, and the values of
    /// their placeholders (`?`) in that order.
    public static func clauses(_ selection: MessageSelection) -> (filter: String, order: String, values: [SQLValue]) {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let status = selection.status {
            conditions.append("o.status = ?")
            values.append(.text(status.rawValue))
        }
        if let past = selection.past {
            conditions.append(selection.newestFirst ? "o.id < ?" : "o.id > ?")
            values.append(.integer(past))
        }
        var order = "ORDER BY o.id" + (selection.newestFirst ? " DESC" : "")
        if let limit = selection.limit {
            order += " LIMIT ?"
            values.append(.integer(Int64(max(0, limit))))
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), order, values)
    }
}
