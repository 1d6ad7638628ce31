import ComityCore
import Foundation
import HumanReadable

/// Rows of text into records, for `comity import`: each row checked like a script's
/// values, matched to an existing record by its identifier (an organisation also by
/// name and country) so that importing a file twice changes nothing, and written in a
/// savepoint of its own: a bad row is rejected with its line and reason, and the rest
/// is kept (or, `strict`, nothing). The import is recorded in the run history; its
/// changes carry the run's id in the audit.
public struct RecordImport {
    public let store: any Store
    public let timeZone: TimeZone
    public let now: Timestamp
    /// The workflows the import's events start are queued with its commit; nil queues
    /// nothing (a store without a workspace).
    public var triggers: (any EventTriggers)?
    /// Where the import's record goes when the database cannot take it (locked, full).
    public var spool: RunRecordSpool?
    /// A row's `status` is a floor, not a goal: a record already past it (reached from
    /// it through the lifecycle) is left where it is. 360Giving knows only awarded
    /// grants, so a re-import of an export must not try to take an active grant back.
    public var statusIsFloor = false
    /// What becomes of a second row for a record an earlier row of the file made or
    /// matched (one identifier twice): by default rejected when it would change what
    /// the earlier row wrote (it would overwrite it without a word), and unchanged when
    /// it says the same.
    public var secondRow = SecondRow.refusedWhenItChanges

    public enum SecondRow: Sendable {
        /// Taken like any other row: a 360Giving package names an organisation on each
        /// of its grants, some by org-id, some by name, and those rows may meet in one record.
        case allowed
        case refusedWhenItChanges
        /// Rejected even when it says the same: a 360Giving package's `id` is unique.
        case refused
    }

    public init(store: any Store, timeZone: TimeZone = .gmt, now: Timestamp = Timestamp(Date()), triggers: (any EventTriggers)? = nil) {
        self.store = store
        self.timeZone = timeZone
        self.now = now
        self.triggers = triggers
    }

    /// One row of the input.
    public struct Row: Sendable {
        /// Where the row starts in its file (1 is the header).
        public var line: Int
        public var cells: [String]
        /// The items of cells that were lists in the file (a JSON array), by column
        /// index: taken as they are, where a cell's text would be split at `;`.
        public var lists: [Int: [String]]
        /// Why a cell cannot be a value (a JSON object), by column index: the row is
        /// rejected, naming the field.
        public var refused: [Int: String] = [:]
        /// The columns the row itself names (a JSON object's keys, null ones too); nil
        /// for a CSV row, whose header was checked. A key that is no field rejects the row.
        public var named: Set<Int>?

        public init(line: Int, cells: [String], lists: [Int: [String]] = [:]) {
            self.line = line
            self.cells = cells
            self.lists = lists
        }
    }

    public struct Rejected: Sendable, Equatable {
        public var line: Int
        public var reason: String
        public var cells: [String]
    }

    public struct Summary: Sendable {
        public var run: String
        public var created = 0
        public var updated = 0
        public var unchanged = 0
        public var rejected: [Rejected] = []
        /// False when `strict` and a row was rejected: nothing was kept.
        public var kept = true
        /// The record each row made or matched, in the rows' order (nil for a rejected row).
        public var records: [RecordReference?] = []
        /// Runs of workflows its events queued (`grant.awarded` of an imported awarded grant).
        public var queued = 0
    }

    /// - Parameter checkColumns: refuse a header with unknown or missing columns before
    ///   importing anything (a CSV file's); JSON objects are checked row by row.
    public func run(_ type: RecordType, header: [String], rows: [Row], file: String, strict: Bool,
                    checkColumns: Bool = true) throws -> Summary {
        let table = RecordTable(type, schema: store.schema, timeZone: timeZone)
        if checkColumns { try Self.checkHeader(header, table: table, file: file) }
        var summary = Summary(run: RunRecord.newID())
        let context = ChangeContext(run: summary.run, at: now, timeZone: timeZone)
        let started = Timestamp(Date())
        var record = RunRecord(id: summary.run, workflow: nil, file: file, contentHash: "", trigger: RunTrigger(.fileImport),
                               parameters: ["kind": type.collection], clock: now, startedAt: started)
        struct StrictFailure: Error {}
        do {
            try store.write(commit: true) { transaction in
                // Creations and changes are events only when a workflow listens to them.
                transaction.recordEvents(triggers?.recording ?? .lifecycleOnly)
                // Each row is its own record: one matched or made by a row is not taken
                // by another's name (two organisations may share a name and country).
                var claimed = Set<Int64>()
                // The line of the row that made or matched each record: a second row for
                // the same record (one identifier twice) would overwrite the first
                // without a word, and is refused instead (`secondRow`), rolled back in its savepoint.
                var lineOf: [Int64: Int] = [:]
                for row in rows {
                    do {
                        let (result, reference) = try transaction.inSavepoint {
                            let imported = try importRow(row, header: header, table: table, claimed: claimed, transaction: transaction, context: context)
                            let second = secondRow == .refused || (secondRow == .refusedWhenItChanges && imported.0 != .unchanged)
                            if second, let earlier = lineOf[imported.1.id] {
                                throw DomainError(.invalidValue, "the row is for the same \(type.rawValue) as line \(earlier) (\(Self.sameness(row, header: header))): one row per record")
                            }
                            return imported
                        }
                        claimed.insert(reference.id)
                        lineOf[reference.id] = row.line
                        summary.records.append(reference)
                        switch result {
                        case .created: summary.created += 1
                        case .updated: summary.updated += 1
                        case .unchanged: summary.unchanged += 1
                        }
                    } catch {
                        summary.records.append(nil)
                        // Bytes that were not UTF-8 stay marked: FILE.rejects.csv writes them as they were.
                        let cells = row.cells
                        summary.rejected.append(Rejected(line: row.line, reason: Self.reason(error), cells: cells))
                    }
                }
                if strict && !summary.rejected.isEmpty { throw StrictFailure() }
                if let triggers {
                    summary.queued = try triggers.enqueue(transaction.events(byRun: summary.run), causedBy: summary.run,
                                                          depth: 0, in: transaction)
                }
                record.endedAt = Timestamp(Date())
                // Rows rejected while the others were kept: not a success that says nothing.
                record.outcome = summary.rejected.isEmpty ? .succeeded : .partial
                if !summary.rejected.isEmpty {
                    let first = summary.rejected.prefix(3).map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
                    record.error = "\(summary.rejected.count) row(s) rejected, the others kept: " + first
                        + (summary.rejected.count > 3 ? "; ..." : "")
                }
                (record.recordsCreated, record.recordsChanged) = try transaction.changeCounts(byRun: summary.run)
                // The first rejected rows, for `comity runs show`; all of them are in FILE.rejects.csv.
                record.log = [summary.text(file: file)] + summary.rejected.prefix(100).map { "\(file):\($0.line): \($0.reason)" }
                    + (summary.rejected.count > 100 ? ["... and \(summary.rejected.count - 100) more rejected row(s)"] : [])
                try transaction.saveRun(record)
            }
        } catch let error where !(error is StrictFailure) {
            // The import failed as a whole (the database locked past the wait, full):
            // nothing of it was kept, and its record says so, in the spool if need be.
            record.endedAt = Timestamp(Date())
            record.outcome = .failed
            record.error = "nothing was imported: \(error)"
            let failed = record
            do {
                try store.write(commit: true) { try $0.saveRun(failed) }
            } catch {
                try? spool?.keep(failed)
            }
            throw error
        } catch {
            summary.kept = false
            summary.created = 0
            summary.updated = 0
            summary.unchanged = 0
            record.endedAt = Timestamp(Date())
            record.outcome = .failed
            record.error = "\(summary.rejected.count) row(s) rejected with --strict: nothing was imported"
            try store.write(commit: true) { try $0.saveRun(record) }
        }
        return summary
    }

    enum RowResult { case created, updated, unchanged }

    /// What ties a row to its record, for the error of a second row for it.
    static func sameness(_ row: Row, header: [String]) -> String {
        let cells = Dictionary(zip(header, row.cells), uniquingKeysWith: { first, _ in first })
        if let identifier = cells["identifier"].map(RecordTable.trimmed), !identifier.isEmpty { return "identifier '\(identifier)'" }
        if let id = cells["id"].map(RecordTable.trimmed), !id.isEmpty { return "id \(id)" }
        return "same name"
    }

    /// A column that is no field, or a required field without a column, is the file's
    /// mistake, not each row's: said once, before anything is imported.
    static func checkHeader(_ header: [String], table: RecordTable, file: String) throws {
        let known = Set(table.columns)
        let unknown = header.filter { !known.contains($0) }
        if !unknown.isEmpty {
            let hints = unknown.map { column in
                NameSuggestion.closest(to: column, among: table.columns).map { "'\(column)' (did you mean '\($0)'?)" } ?? "'\(column)'"
            }
            throw ExchangeFileError("\(file):1: \(table.type.displayName) has no field \(hints.joined(separator: ", ")) (columns: \(table.columns.joined(separator: ", ")))")
        }
        let missing = table.schema.fields.filter { $0.required && !header.contains($0.name) }.map(\.name)
        if !missing.isEmpty {
            throw ExchangeFileError("\(file):1: no column for the required field\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))")
        }
    }

    private func importRow(
        _ row: Row, header: [String], table: RecordTable, claimed: Set<Int64>, transaction: any StoreTransaction,
        context: ChangeContext
    ) throws -> (RowResult, RecordReference) {
        if row.cells.count > header.count {
            throw DomainError(.invalidValue, "the row has \(row.cells.count) cells for \(header.count) columns")
        }
        for index in (row.named ?? []).sorted() where index < header.count && !table.columns.contains(header[index]) {
            let column = header[index]
            let near = NameSuggestion.closest(to: column, among: table.columns).map { " (did you mean '\($0)'?)" } ?? ""
            throw DomainError(.invalidValue, field: column, "\(table.type.displayName) has no field '\(column)'\(near)")
        }
        for (index, reason) in row.refused.sorted(by: { $0.key < $1.key }) where index < header.count {
            throw DomainError(.invalidValue, field: header[index], "\(table.type.displayName) field '\(header[index])' \(reason)")
        }
        var cells: [String: String] = [:]
        for (column, cell) in zip(header, row.cells) {
            if cell.unicodeScalars.contains(ExchangeFile.loneSurrogateMark) {
                throw DomainError(.invalidValue, field: column,
                                  "\(table.type.displayName) field '\(column)' holds a lone surrogate escape (\\ud800 to \\udfff without its pair), which is no character")
            }
            // Bytes that were not UTF-8 in the file: the host's rule for text, row by row.
            if ExchangeFile.holdsInvalidBytes(cell) {
                do {
                    _ = try TextValidity.text(ExchangeFile.originalBytes(cell), field: column, record: table.type.displayName)
                } catch {
                    throw DomainError(.invalidValue, field: column, error.message + "; text must be UTF-8 without NUL bytes (save the file as UTF-8)")
                }
            }
            cells[column] = cell
        }
        var lists: [String: [String]] = [:]
        for (index, items) in row.lists where index < header.count { lists[header[index]] = items }
        var fields = try table.fields(cells, lists: lists) { target, text, field in
            try resolve(target, text, field: field, transaction: transaction)
        }
        let type = table.type
        var result = RowResult.created
        var current: Record
        let id = cells["id"].flatMap { Int64(RecordTable.trimmed($0)) }
        if let existing = try match(type, fields, id: id, claimed: claimed, table: table, transaction: transaction) {
            // The stand-in identifier an export gave a record without one is not its identifier.
            if existing.fields["identifier"] == nil, case .string(let given)? = fields["identifier"],
               Giving360.standInID(given, type) == existing.id {
                fields["identifier"] = nil
            }
            // A row that says what the record holds already is not written at all (the
            // second import of a file): checked here, without reading the record again.
            let given = try table.schema.validate(fields, creating: false, timeZone: timeZone)
            if given.allSatisfy({ existing.fields[$0.key] == $0.value }) {
                result = .unchanged
                current = existing
            } else {
                let changed = try transaction.update(existing.reference, fields.mapValues { $0 }, context: context)
                result = changed.fields == existing.fields ? .unchanged : .updated
                current = changed
            }
        } else {
            current = try transaction.create(type, fields, context: context)
        }
        // An event's participants: those the row names and the event lacks are added.
        if type == .event, let text = cells["participants"], !RecordTable.trimmed(text).isEmpty {
            let wanted = try table.participants(text, items: lists["participants"]) { target, name in
                try resolve(target, name, field: "participants", transaction: transaction)
            }
            let present = try transaction.participants(of: current.reference)
            for (participant, role) in wanted where !present.contains(where: { $0.participant == participant && $0.role == role }) {
                try transaction.addParticipant(current.reference, participant, role: role, context: context)
                if result == .unchanged { result = .updated }
            }
        }
        // A status is reached through the lifecycle's steps, each recorded as usual.
        if let wanted = cells["status"]?.trimmingBlanks(), !wanted.isEmpty,
           let lifecycle = table.schema.lifecycle, let status = current.status, status != wanted {
            guard lifecycle.statuses.contains(wanted) else {
                throw DomainError(.invalidValue, field: "status",
                                  "invalid status '\(wanted)' for \(type.article) \(type.rawValue) (statuses: \(lifecycle.statuses.joined(separator: ", ")))")
            }
            if statusIsFloor, Self.path(in: lifecycle, from: wanted, to: status) != nil {
                return (result, current.reference)
            }
            guard let path = Self.path(in: lifecycle, from: status, to: wanted) else {
                throw DomainError(.illegalStep, field: "status", "no steps lead \(type.article) \(type.rawValue) from '\(status)' to '\(wanted)'")
            }
            for verb in path { current = try transaction.step(current.reference, verb, [:], context: context) }
            if result == .unchanged { result = .updated }
        }
        return (result, current.reference)
    }

    /// The existing record a row stands for: by identifier; else by the `id` an export
    /// carries, when that record agrees with the row (its name, title and identifier:
    /// another database's id names another record); else an organisation by its exact
    /// name (and country, when given): for a row with an id, the first not taken by an
    /// earlier row; for one without, the only one.
    private func match(_ type: RecordType, _ fields: [String: FieldValue], id: Int64?, claimed: Set<Int64>, table: RecordTable,
                       transaction: any StoreTransaction) throws -> Record? {
        if let identifier = fields["identifier"], let found = try transaction.record(type, where: "identifier", is: identifier) {
            return found
        }
        if let id, !claimed.contains(id), let found = try transaction.record(RecordReference(type, id)) {
            let given = (try? table.schema.validate(fields, creating: false, timeZone: timeZone)) ?? [:]
            // At least one of them on both sides, and none that differs: an id alone
            // (a partnership has neither) could name another database's record.
            let keys = ["name", "title", "identifier"].filter { given[$0] != nil && found.fields[$0] != nil }
            let agrees = !keys.isEmpty && ["name", "title"].allSatisfy { key in
                given[key] == nil || found.fields[key] == nil || given[key] == found.fields[key]
            }
            let identifierAgrees: Bool = {
                guard let mine = found.fields["identifier"] else { return true }
                return given["identifier"] == nil || given["identifier"] == mine
            }()
            if agrees && identifierAgrees { return found }
        }
        if fields["identifier"] != nil { return nil }
        guard type == .organisation, let name = fields["name"] else { return nil }
        // By name alone in SQL (its index; a filter on country too could make SQLite
        // scan every organisation of a country), then the country here.
        let country = fields["country"].flatMap { try? FieldType.country.normalise($0, field: "country", record: "Organisation") }
        var found: [Record] = []
        try transaction.forEach(type, RecordQuery(filters: [.init("name", .equal, name)], includeArchived: true)) { record in
            // A row from an export (it has an id) is one record: one an earlier row took is not it.
            if (country == nil || record.fields["country"] == country) && !(id != nil && claimed.contains(record.id)) {
                found.append(record)
            }
            return id != nil ? found.isEmpty : found.count < 2
        }
        // A row without an id matches a name only when one record has it.
        return id != nil || found.count == 1 ? found.first : nil
    }

    /// A referenced record from its cell: `grant#12` (any type), an id, an identifier,
    /// or an organisation's or person's exact name.
    private func resolve(_ target: RecordType?, _ text: String, field: String, transaction: any StoreTransaction) throws -> RecordReference {
        guard let target else {
            let parts = text.split(separator: "#")
            guard parts.count == 2, let type = RecordType(rawValue: String(parts[0])), let id = Int64(parts[1]) else {
                throw DomainError(.invalidValue, field: field, "\(field) '\(text)' must name a record as type#id, such as grant#12")
            }
            return RecordReference(type, id)
        }
        if let id = Int64(text) { return RecordReference(target, id) }
        // Text that cannot be an identifier (an organisation's name) is not one: look further.
        let byIdentifier: Record?
        do {
            byIdentifier = try transaction.record(target, where: "identifier", is: .string(text))
        } catch is DomainError {
            byIdentifier = nil
        }
        if let found = byIdentifier { return found.reference }
        // Organisations and people have names, which an export writes when no other has it.
        let named = target == .organisation || target == .person
        if named {
            var found: [Record] = []
            try transaction.forEach(target, RecordQuery(filters: [.init("name", .equal, .string(text))], limit: 2)) {
                found.append($0)
                return true
            }
            if found.count == 1 { return found[0].reference }
            if found.count > 1 {
                throw DomainError(.invalidValue, field: field,
                                  "\(field) '\(text)': several \(target == .person ? "people" : "organisations") have that name; give its identifier, or its id and name as an export writes them (12:\(text))")
            }
        }
        // `12:Neighbours`, an export's id with the name: record 12 only when it has that
        // name here (in another database, 12 is another record).
        if let colon = text.firstIndex(of: ":"), let id = Int64(text[..<colon]) {
            let name = String(text[text.index(after: colon)...])
            let found = try transaction.record(RecordReference(target, id))
            let actual = found.flatMap { $0.fields["name"] ?? $0.fields["title"] }
            if let found, actual == .string(name) { return found.reference }
            let here = actual.map { "is '\($0.description)'" } ?? "does not exist"
            throw DomainError(.invalidValue, field: field,
                              "\(field) '\(text)': \(target.rawValue) \(id) here \(here), not '\(name)' (an id from another database names another record); give its identifier, or a name no other has")
        }
        throw DomainError(.invalidValue, field: field, "\(field) '\(text)': no \(target.rawValue) with that identifier\(named ? " or name" : "") or id")
    }

    /// The shortest run of steps from one status to another.
    static func path(in lifecycle: LifecycleDescription, from start: String, to goal: String) -> [String]? {
        var paths: [String: [String]] = [start: []]
        var frontier = [start]
        while !frontier.isEmpty {
            var next: [String] = []
            for status in frontier {
                for step in lifecycle.steps where step.from.contains(status) && paths[step.to] == nil {
                    paths[step.to] = (paths[status] ?? []) + [step.verb]
                    if step.to == goal { return paths[goal] }
                    next.append(step.to)
                }
            }
            frontier = next
        }
        return nil
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as DomainError: error.message
        case let error as StoreError: error.message
        default: "\(error)"
        }
    }
}

extension RecordImport.Summary {
    /// `organisations.csv: 12 created, 3 updated, 40 unchanged, 2 rejected`.
    public func text(file: String) -> String {
        "\(file): \(created) created, \(updated) updated, \(unchanged) unchanged, \(rejected.count) rejected"
            + (kept ? "" : " (--strict: nothing imported)")
    }
}
