import ComityCore
import ComitySQL

/// `comity people forget`'s rows (see `PersonalDataStorage`): the audit's values and an
/// event's data rewritten in place, JSON members removed with jsonb's `-` (and `jsonb_exists_any`, as `?|` would read as a placeholder).
extension PostgresTransaction: PersonalDataStorage {
    func eraseAudit(of record: RecordReference, fields: [String], replacement: String) throws -> Int {
        guard !fields.isEmpty else { return 0 }
        try writePendingAudit()
        let list = fields.map { _ in "?" }.joined(separator: ", ")
        var changed = try session.execute("""
            UPDATE audit SET old_value = CASE WHEN old_value IS NULL THEN NULL ELSE ? END,
                             new_value = CASE WHEN new_value IS NULL THEN NULL ELSE ? END
            WHERE record_type = ? AND record_id = ? AND field IN (\(list))
            """, [.text(replacement), .text(replacement), .text(record.type.rawValue), .integer(record.id)] + fields.map { .text($0) })
        // A creation's values are one JSON object (kept as text): its personal members go.
        changed += try session.execute("""
            UPDATE audit SET new_value = (new_value::jsonb - ?::text[])::text
            WHERE record_type = ? AND record_id = ? AND action = 'create' AND field IS NULL AND jsonb_exists_any(new_value::jsonb, ?::text[])
            """, [.text(Self.textArray(fields)), .text(record.type.rawValue), .integer(record.id), .text(Self.textArray(fields))])
        return changed
    }

    func eraseEventData(of record: RecordReference, fields: [String]) throws -> Int {
        guard !fields.isEmpty else { return 0 }
        let array = SQLValue.text(Self.textArray(fields))
        return try session.execute("""
            UPDATE domain_events SET fields = fields - ?::text[], changes = changes - ?::text[]
            WHERE record_type = ? AND record_id = ? AND (jsonb_exists_any(fields, ?::text[]) OR jsonb_exists_any(changes, ?::text[]))
            """, [array, array, .text(record.type.rawValue), .integer(record.id), array, array])
    }

    func eraseFromUnsentMessages(_ values: [String], replacement: String) throws -> Int {
        var changed = Set<Int64>()
        for value in values {
            let ids = try session.query("""
                SELECT id FROM outbox WHERE status IN ('queued', 'held')
                  AND (strpos(subject, ?) > 0 OR strpos(body, ?) > 0 OR strpos(COALESCE(html, ''), ?) > 0)
                """, [.text(value), .text(value), .text(value)]).compactMap { $0[0].integer }
            guard !ids.isEmpty else { continue }
            _ = try session.execute("""
                UPDATE outbox SET subject = replace(subject, ?, ?), body = replace(body, ?, ?), html = replace(html, ?, ?)
                WHERE status IN ('queued', 'held')
                """, [.text(value), .text(replacement), .text(value), .text(replacement), .text(value), .text(replacement)])
            changed.formUnion(ids)
        }
        return changed.count
    }
}
