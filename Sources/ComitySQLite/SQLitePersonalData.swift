import ComityCore
import GRDB

/// `comity people forget`'s rows (see `PersonalDataStorage`): the audit's values and an
/// event's data rewritten in place, JSON members removed with SQLite's own functions.
extension SQLiteTransaction: PersonalDataStorage {
    func eraseAudit(of record: RecordReference, fields: [String], replacement: String) throws -> Int {
        guard !fields.isEmpty else { return 0 }
        try flushAudit()
        let list = fields.map { _ in "?" }.joined(separator: ", ")
        var arguments: StatementArguments = [replacement, replacement, record.type.rawValue, record.id]
        arguments += StatementArguments(fields)
        try db.execute(sql: """
            UPDATE audit SET old_value = CASE WHEN old_value IS NULL THEN NULL ELSE ? END,
                             new_value = CASE WHEN new_value IS NULL THEN NULL ELSE ? END
            WHERE record_type = ? AND record_id = ? AND field IN (\(list))
            """, arguments: arguments)
        var changed = db.changesCount
        // A creation's values are one JSON object: its personal members go (names of fields are plain words).
        let paths = fields.map { "'$.\($0)'" }.joined(separator: ", ")
        try db.execute(sql: """
            UPDATE audit SET new_value = json_remove(new_value, \(paths))
            WHERE record_type = ? AND record_id = ? AND action = 'create' AND field IS NULL AND json_valid(new_value)
              AND json_remove(new_value, \(paths)) <> new_value
            """, arguments: [record.type.rawValue, record.id])
        changed += db.changesCount
        return changed
    }

    func eraseEventData(of record: RecordReference, fields: [String]) throws -> Int {
        guard !fields.isEmpty else { return 0 }
        try flushEvents()
        let paths = fields.map { "'$.\($0)'" }.joined(separator: ", ")
        try db.execute(sql: """
            UPDATE domain_events SET fields = json_remove(fields, \(paths)), changes = json_remove(changes, \(paths))
            WHERE record_type = ? AND record_id = ?
              AND (json_remove(fields, \(paths)) IS NOT fields OR json_remove(changes, \(paths)) IS NOT changes)
            """, arguments: [record.type.rawValue, record.id])
        return db.changesCount
    }

    func eraseFromUnsentMessages(_ values: [String], replacement: String) throws -> Int {
        var changed = Set<Int64>()
        for value in values {
            let ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM outbox WHERE status IN ('queued', 'held')
                  AND (instr(subject, ?) > 0 OR instr(body, ?) > 0 OR instr(COALESCE(html, ''), ?) > 0)
                """, arguments: [value, value, value])
            guard !ids.isEmpty else { continue }
            try db.execute(sql: """
                UPDATE outbox SET subject = replace(subject, ?1, ?2), body = replace(body, ?1, ?2), html = replace(html, ?1, ?2)
                WHERE status IN ('queued', 'held')
                """, arguments: [value, replacement])
            changed.formUnion(ids)
        }
        return changed.count
    }
}
