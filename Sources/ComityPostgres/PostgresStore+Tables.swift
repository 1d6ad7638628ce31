import ComityCore
import ComitySQL

/// The PostgreSQL store's tables as rows (`comity store copy`).
extension PostgresStore: StoreTables {
    public func readTables(_ tables: [StorageLayout.Table], page: Int,
                           _ each: (StorageLayout.Table, [[SQLValue]]) throws -> Void) throws {
        try read { transaction in
            guard let transaction = transaction as? PostgresTransaction else { return }
            let session = transaction.session
            for table in tables {
                // JSON as its text, flags as 1 or 0: as SQLite keeps them.
                let columns = table.columns.map { column -> String in
                    switch column.type {
                    case .json: "\(column.name)::text"
                    case .boolean: "\(column.name)::int"
                    default: column.name
                    }
                }.joined(separator: ", ")
                let order = switch table.name {
                case "event_participants": "added"
                case "runs": "saved"
                default: table.primaryKey.joined(separator: ", ")
                }
                try session.execute("DECLARE comity_copy NO SCROLL CURSOR FOR SELECT \(columns) FROM \(table.name) ORDER BY \(order)")
                while true {
                    let rows = try session.query("FETCH \(page) FROM comity_copy")
                    if !rows.isEmpty { try each(table, rows.map(\.values)) }
                    if rows.count < page { break }
                }
                try session.execute("CLOSE comity_copy")
            }
        }
    }

    public func writeTables(_ fill: ((StorageLayout.Table, [[SQLValue]]) throws -> Void) throws -> Void) throws {
        try write(commit: true) { transaction in
            guard let transaction = transaction as? PostgresTransaction else { return }
            let session = transaction.session
            try fill { table, rows in
                guard !rows.isEmpty else { return }
                let placeholders = "(" + table.columns.map { column -> String in
                    switch column.type {
                    case .json: "?::jsonb"
                    case .boolean: "?::int::boolean"
                    default: "?"
                    }
                }.joined(separator: ", ") + ")"
                let columns = table.columns.map(\.name).joined(separator: ", ")
                // A few hundred rows a statement, under the protocol's 65,535 parameters.
                let perStatement = max(1, min(rows.count, 60_000 / max(table.columns.count, 1)))
                var start = 0
                while start < rows.count {
                    let chunk = rows[start..<min(start + perStatement, rows.count)]
                    try session.execute(
                        "INSERT INTO \(table.name) (\(columns)) VALUES " + Array(repeating: placeholders, count: chunk.count).joined(separator: ", "),
                        chunk.flatMap { $0 })
                    start += chunk.count
                }
            }
            // Identities go on after the largest id copied in.
            for table in StorageLayout(schema).tables where table.generatesIDs {
                try session.execute(
                    "SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), COALESCE((SELECT max(id) FROM \(table.name)), 0) + 1, false)")
            }
        }
    }

    public func rowCount(_ table: String) throws -> Int {
        try read { transaction in
            guard let transaction = transaction as? PostgresTransaction else { return 0 }
            return Int(try transaction.session.scalar("SELECT COUNT(*) FROM \(table)").integer ?? 0)
        }
    }
}
