import ComityCore

/// A store's tables as rows of values, in the columns `StorageLayout` gives them: what
/// `comity store copy` moves from one store (SQLite, PostgreSQL) to another.
public protocol StoreTables: Store {
    /// Calls `each` with pages of the rows of each of `tables`, in the order the store
    /// keeps them (ids ascending; participants and runs in the order they were added),
    /// all in one read transaction.
    func readTables(_ tables: [StorageLayout.Table], page: Int,
                    _ each: (StorageLayout.Table, [[SQLValue]]) throws -> Void) throws
    /// One write transaction in which `fill` writes pages of rows (`write(table, rows)`);
    /// afterwards, the ids a table hands out follow its largest. Rolled back whole if
    /// `fill` throws.
    func writeTables(_ fill: (_ write: (StorageLayout.Table, [[SQLValue]]) throws -> Void) throws -> Void) throws
    /// How many rows `table` has.
    func rowCount(_ table: String) throws -> Int
}

/// What a copy moved, table by table, and the money totals checked on both sides.
public struct StoreCopyReport: Sendable {
    public var rows: [(table: String, count: Int)] = []
    /// `grants.amount_awarded: 1,300,000,000.00 RUB`: each Money field's total per
    /// currency, equal in both stores.
    public var totals: [String] = []
}

/// Copies every table of one store into another that is empty, then checks that both
/// hold the same number of rows in each table and the same money totals.
public enum StoreCopy {
    public static func copy(from source: any StoreTables, to target: any StoreTables, schema: DomainSchema) throws -> StoreCopyReport {
        let layout = StorageLayout(schema)
        let occupied = try layout.tables.filter { try target.rowCount($0.name) > 0 }.map(\.name)
        guard occupied.isEmpty else {
            throw StoreError(.duplicate, "the target is not empty (rows in \(occupied.prefix(4).joined(separator: ", "))\(occupied.count > 4 ? ", ..." : "")); "
                + "copy into a new, empty database; nothing was changed")
        }
        try target.writeTables { write in
            try source.readTables(layout.tables, page: 500) { table, rows in try write(table, rows) }
        }
        var report = StoreCopyReport()
        for table in layout.tables {
            let (from, to) = (try source.rowCount(table.name), try target.rowCount(table.name))
            guard from == to else {
                throw StoreError(.database, "after the copy, \(table.name) has \(to) rows in the target and \(from) in the source")
            }
            report.rows.append((table.name, to))
        }
        for type in RecordType.allCases {
            for field in schema[type].fields {
                guard case .money = field.type else { continue }
                let query = RecordQuery(includeArchived: true)
                let before = try source.read { try $0.sum(type, field.name, by: [], query) }
                let after = try target.read { try $0.sum(type, field.name, by: [], query) }
                guard before == after else {
                    throw StoreError(.database, "after the copy, the totals of \(type.collection).\(field.name) differ: \(after.map(\.total)) against \(before.map(\.total))")
                }
                report.totals += after.map { "\(type.collection).\(field.name): \($0.total)" }
            }
        }
        return report
    }
}
