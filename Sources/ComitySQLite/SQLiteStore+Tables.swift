import ComityCore
import ComitySQL
import GRDB

/// The SQLite store's tables as rows (`comity store copy`).
extension SQLiteStore: StoreTables {
    public func readTables(_ tables: [StorageLayout.Table], page: Int,
                           _ each: (StorageLayout.Table, [[SQLValue]]) throws -> Void) throws {
        try rawRead { db in
            for table in tables {
                let columns = table.columns.map(\.name).joined(separator: ", ")
                let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM \(table.name) ORDER BY rowid")
                var batch: [[SQLValue]] = []
                while let row = try rows.next() {
                    batch.append((0..<table.columns.count).map { SQLValue(row[$0] as DatabaseValue) })
                    if batch.count == page {
                        try each(table, batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { try each(table, batch) }
            }
        }
    }

    public func writeTables(_ fill: ((StorageLayout.Table, [[SQLValue]]) throws -> Void) throws -> Void) throws {
        try rawWrite { db in
            try fill { table, rows in
                let columns = table.columns.map(\.name)
                let sql = "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
                let statement = try db.cachedStatement(sql: sql)
                for row in rows { try statement.execute(arguments: StatementArguments(row.map(\.databaseValue))) }
            }
            // AUTOINCREMENT follows the largest id inserted by itself.
        }
    }

    public func rowCount(_ table: String) throws -> Int {
        try rawRead { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }
}
