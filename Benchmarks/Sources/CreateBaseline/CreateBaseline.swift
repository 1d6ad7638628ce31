import GRDB

/// The baseline of the `create:` benchmarks and of CreateProbe, one function so that
/// both measure against the same work: `count` organisation rows (and, with
/// `withAudit`, an audit row each, one statement per row) inserted through GRDB from
/// Swift in one transaction, into a database that already has Comity's schema.
public func insertOrganisationRows(path: String, count: Int, withAudit: Bool) throws {
    let at = 1_611_648_000
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        let insert = try db.makeStatement(sql: """
            INSERT INTO organisations (name, kind, country, custom, created_at, updated_at)
            VALUES (?, ?, ?, '{}', ?, ?)
            """)
        let audit = try db.makeStatement(sql: """
            INSERT INTO audit (run, at, record_type, record_id, action, field, old_value, new_value)
            VALUES ('baseline', ?, 'organisation', ?, 'create', NULL, NULL, ?)
            """)
        for i in 0..<count {
            try insert.execute(arguments: ["Organisation \(i + 1)", "national_ngo", "RU", at, at])
            if withAudit {
                try audit.execute(arguments: [at, db.lastInsertedRowID,
                                              "{\"name\":\"Organisation \(i + 1)\",\"kind\":\"national_ngo\",\"country\":\"RU\"}"])
            }
        }
    }
}
