import ComityCore
import Foundation
import HumanReadable

/// Grants in the 360Giving Data Standard (schema 1.4): a JSON grant package
/// (`{"grants": [...]}`), and the flattened CSV with its column titles (`Identifier`,
/// `Amount Awarded`, `Recipient Org:Identifier`, ...). Export writes the grants that
/// were awarded (awarded, active, closed); import makes the organisations it names when they are
/// missing, then the grants, awarded, through `RecordImport`.
public enum Giving360 {
    /// The flattened CSV's columns, in the order the standard's templates use.
    public static let csvColumns = [
        "Identifier", "Title", "Description", "Currency", "Amount Applied For", "Amount Awarded", "Award Date",
        "Recipient Org:Identifier", "Recipient Org:Name", "Recipient Org:Country Code",
        "Funding Org:Identifier", "Funding Org:Name", "Funding Org:Country Code", "Grant Programme:Title",
        "Planned Dates:Start Date", "Planned Dates:End Date", "Last Modified",
    ]

    /// One grant as the standard sees it: its flattened columns' values.
    struct Grant {
        var values: [String: String] = [:]
        subscript(_ column: String) -> String? {
            get { values[column].flatMap { $0.isEmpty ? nil : $0 } }
            set { values[column] = newValue }
        }
    }

    /// The identifier an export gives an organisation that has none,
    /// `360G-comity-organisation-12`: only a name to match on import (an org-id it is not).
    public static func standIn(_ reference: RecordReference) -> String {
        "360G-comity-\(reference.type.rawValue)-\(reference.id)"
    }

    /// A new identifier for a grant exported without one: `360G-comity-` and 64 random
    /// bits in hex. The export stores it on the grant, so the grant keeps it in every
    /// later export, and no other grant (here or in another database) is given it: an
    /// identifier made from the grant's id (`360G-comity-grant-12`, as earlier versions
    /// wrote) names another grant in another database.
    static func mintedIdentifier() -> String {
        let hex = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        return "360G-comity-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The record id in a stand-in identifier of `type`, if `text` is one
    /// (`360G-comity-grant-12`, or `360G-comity-grant-12-2` when another grant holds the first).
    static func standInID(_ text: String?, _ type: RecordType) -> Int64? {
        let prefix = "360G-comity-\(type.rawValue)-"
        guard let text, text.hasPrefix(prefix) else { return nil }
        return text.dropFirst(prefix.count).split(separator: "-", maxSplits: 1).first.flatMap { Int64($0) }
    }

    // MARK: Export

    /// Every grant that was awarded (`awardedStatuses`: awarded, active, closed) with
    /// an amount awarded, as a package (`json`) or flattened CSV. A draft,
    /// rejected or withdrawn grant is no award, whatever amount it holds. A grant
    /// without an identifier is given one (`mintedIdentifier`), stored in the same
    /// transaction, at `now`.
    public static func export(store: any Store, format: ExchangeFormat, publisher: String = "Comity",
                              now: Timestamp = Timestamp(Date())) throws -> String {
        let grants = try exportedGrants(store, now: now)
        switch format {
        case .csv:
            return try ExchangeFile.csvText([csvColumns] + grants.map { grant in csvColumns.map { grant[$0] ?? "" } })
        case .json:
            let package: [String: Any] = [
                "version": "1.4",
                "grants": grants.map(jsonGrant),
            ]
            let data = try JSONSerialization.data(withJSONObject: package, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    /// The statuses of grants that were awarded: `awarded` and those only an awarded
    /// grant reaches (active, closed). A status also reached without an award
    /// (withdrawn, from a draft too) says nothing of one, and is left out.
    static func awardedStatuses(_ lifecycle: LifecycleDescription?) -> Set<String> {
        guard let lifecycle, lifecycle.statuses.contains("awarded") else { return ["awarded"] }
        func reachable(from start: String, avoiding: String?) -> Set<String> {
            var seen: Set<String> = [start]
            var frontier = [start]
            while let status = frontier.popLast() {
                for step in lifecycle.steps where step.from.contains(status) && step.to != avoiding && seen.insert(step.to).inserted {
                    frontier.append(step.to)
                }
            }
            return seen
        }
        return reachable(from: "awarded", avoiding: nil).subtracting(reachable(from: lifecycle.initial, avoiding: "awarded"))
    }

    private static func exportedGrants(_ store: any Store, now: Timestamp) throws -> [Grant] {
        let awardStatuses = awardedStatuses(store.schema[.grant].lifecycle)
        func wasAwarded(_ record: Record) -> Bool { record.status.map(awardStatuses.contains) ?? false }
        return try store.write(commit: true) { transaction in
            // Giving a grant its identifier is no change a workflow listens for.
            transaction.recordEvents(.lifecycleOnly)
            var unnamed: [RecordReference] = []
            try transaction.forEach(.grant, RecordQuery()) { record in
                if case .money? = record.fields["amount_awarded"], record.fields["identifier"] == nil,
                   wasAwarded(record) {
                    unnamed.append(record.reference)
                }
                return true
            }
            let context = ChangeContext(run: nil, at: now)
            for reference in unnamed {
                var identifier = mintedIdentifier()
                while try transaction.record(.grant, where: "identifier", is: .string(identifier)) != nil {
                    identifier = mintedIdentifier()
                }
                _ = try transaction.update(reference, ["identifier": .string(identifier)], context: context)
            }
            var organisations: [Int64: Record] = [:]
            func organisation(_ reference: RecordReference) throws -> Record? {
                if let known = organisations[reference.id] { return known }
                let found = try transaction.record(reference)
                organisations[reference.id] = found
                return found
            }
            var grants: [Grant] = []
            try transaction.forEach(.grant, RecordQuery()) { record in
                guard case .money(let awarded)? = record.fields["amount_awarded"], wasAwarded(record),
                      let identifier = record.fields["identifier"]?.description else { return true }
                var grant = Grant()
                grant["Identifier"] = identifier
                grant["Title"] = record.fields["title"]?.description
                // The standard asks for a description; grants have none of their own.
                grant["Description"] = record.fields["description"]?.description ?? record.fields["title"]?.description
                grant["Currency"] = awarded.currency.code
                grant["Amount Awarded"] = awarded.amountText
                if case .money(let requested)? = record.fields["amount_requested"], requested.currency == awarded.currency {
                    grant["Amount Applied For"] = requested.amountText
                }
                // A grant without a decision date has no award date: none is made up.
                grant["Award Date"] = record.fields["decided_on"]?.description
                for (role, field) in [("Recipient Org", "recipient"), ("Funding Org", "funder")] {
                    guard case .reference(let reference)? = record.fields[field], let org = try organisation(reference) else { continue }
                    grant["\(role):Identifier"] = org.fields["identifier"]?.description ?? standIn(org.reference)
                    grant["\(role):Name"] = org.fields["name"]?.description
                    grant["\(role):Country Code"] = org.fields["country"]?.description
                }
                grant["Grant Programme:Title"] = record.fields["programme"]?.description
                grant["Planned Dates:Start Date"] = record.fields["starts_on"]?.description
                grant["Planned Dates:End Date"] = record.fields["ends_on"]?.description
                grant["Last Modified"] = record.updatedAt.description
                grants.append(grant)
                return true
            }
            return grants
        }
    }

    private static func jsonGrant(_ grant: Grant) -> [String: Any] {
        var object: [String: Any] = [:]
        object["id"] = grant["Identifier"]
        object["title"] = grant["Title"]
        object["description"] = grant["Description"] ?? ""
        object["currency"] = grant["Currency"]
        object["amountAwarded"] = grant["Amount Awarded"].flatMap { Decimal(string: $0) }.map { NSDecimalNumber(decimal: $0) }
        object["amountAppliedFor"] = grant["Amount Applied For"].flatMap { Decimal(string: $0) }.map { NSDecimalNumber(decimal: $0) }
        object["awardDate"] = grant["Award Date"]
        object["dateModified"] = grant["Last Modified"]
        for (role, key) in [("Recipient Org", "recipientOrganization"), ("Funding Org", "fundingOrganization")] {
            guard let id = grant["\(role):Identifier"], let name = grant["\(role):Name"] else { continue }
            var org: [String: Any] = ["id": id, "name": name]
            if let country = grant["\(role):Country Code"] { org["addressCountry"] = country }
            object[key] = [org]
        }
        if let programme = grant["Grant Programme:Title"] { object["grantProgramme"] = [["title": programme]] }
        if let start = grant["Planned Dates:Start Date"] {
            var dates: [String: Any] = ["startDate": start]
            if let end = grant["Planned Dates:End Date"] { dates["endDate"] = end }
            object["plannedDates"] = [dates]
        }
        return object
    }

    // MARK: Import

    /// The grants of a package or flattened CSV, each with the line (CSV) or place
    /// (JSON) it comes from.
    static func read(_ path: String, format: ExchangeFormat) throws -> [(line: Int, grant: Grant)] {
        switch format {
        case .csv:
            let (header, rows) = try ExchangeFile.read(path, format: .csv)
            return rows.map { row in
                var grant = Grant()
                for (column, cell) in zip(header, row.cells) { grant[column] = cell.trimmingBlanks() }
                return (row.line, grant)
            }
        case .json:
            let data = ExchangeFile.markingLoneSurrogates(ExchangeFile.markingInvalidUTF8(try ExchangeFile.contents(path)))
            if let error = ExchangeFile.jsonDepthError(data, path: path) { throw error }
            guard let package = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let list = package["grants"] as? [[String: Any]] else {
                throw ExchangeFileError("\(path): not a 360Giving grant package (a JSON object with a \"grants\" array)\(ExchangeFile.jsonErrorPlace(data))")
            }
            return list.enumerated().map { offset, object in (offset + 1, flattened(object)) }
        }
    }

    private static func flattened(_ object: [String: Any]) -> Grant {
        func text(_ value: Any?) -> String? {
            switch value {
            case let s as String: s
            case let n as NSNumber: n.stringValue
            default: nil
            }
        }
        func first(_ key: String) -> [String: Any]? { (object[key] as? [[String: Any]])?.first }
        var grant = Grant()
        grant["Identifier"] = text(object["id"])
        grant["Title"] = text(object["title"])
        grant["Description"] = text(object["description"])
        grant["Currency"] = text(object["currency"])
        grant["Amount Awarded"] = text(object["amountAwarded"])
        grant["Amount Applied For"] = text(object["amountAppliedFor"])
        grant["Award Date"] = text(object["awardDate"])
        grant["Recipient Org:Identifier"] = text(first("recipientOrganization")?["id"])
        grant["Recipient Org:Name"] = text(first("recipientOrganization")?["name"])
        grant["Recipient Org:Country Code"] = text(first("recipientOrganization")?["addressCountry"])
        grant["Funding Org:Identifier"] = text(first("fundingOrganization")?["id"])
        grant["Funding Org:Name"] = text(first("fundingOrganization")?["name"])
        grant["Funding Org:Country Code"] = text(first("fundingOrganization")?["addressCountry"])
        grant["Grant Programme:Title"] = text(first("grantProgramme")?["title"])
        grant["Planned Dates:Start Date"] = text(first("plannedDates")?["startDate"])
        grant["Planned Dates:End Date"] = text(first("plannedDates")?["endDate"])
        return grant
    }

    /// Imports grants in the standard's form: the organisations first (matched by their
    /// org-id, else their name; made when missing), then the grants, as awarded.
    public static func importGrants(_ path: String, format: ExchangeFormat, into importer: RecordImport, strict: Bool) throws
        -> RecordImport.Summary
    {
        let grants = try read(path, format: format)
        // An org-id we know the prefix of is kept as the organisation's identifier; any
        // other (360G-...) is only a name to match.
        func orgIdentifier(_ text: String?) -> String? {
            guard let text, (try? OrgIdentifier(text)) != nil else { return nil }
            return text
        }
        // Each organisation once, named by the line of the first grant that names it,
        // and known by its identifier as the file gives it (two without an org-id may
        // share a name); an export's stand-in carries the organisation's id.
        var orgRows: [RecordImport.Row] = []
        var orgKeys: [String] = []
        var seen = Set<String>()
        func orgKey(_ grant: Grant, _ role: String) -> String? {
            guard let name = grant["\(role):Name"] else { return nil }
            return grant["\(role):Identifier"] ?? "name:" + name + "/" + (grant["\(role):Country Code"] ?? "")
        }
        for (line, grant) in grants {
            for role in ["Funding Org", "Recipient Org"] {
                guard let name = grant["\(role):Name"], let key = orgKey(grant, role), seen.insert(key).inserted else { continue }
                let identifier = orgIdentifier(grant["\(role):Identifier"]) ?? ""
                let id = standInID(grant["\(role):Identifier"], .organisation).map(String.init) ?? ""
                orgRows.append(RecordImport.Row(line: line, cells: [id, name, identifier, grant["\(role):Country Code"] ?? ""]))
                orgKeys.append(key)
            }
        }
        var orgImporter = importer
        orgImporter.secondRow = .allowed
        let orgSummary = try orgImporter.run(.organisation, header: ["id", "name", "identifier", "country"], rows: orgRows,
                                          file: path + " (organisations)", strict: strict)
        if !orgSummary.kept { return orgSummary }
        // Grants name their organisations by the records these rows made or found.
        var orgRecords: [String: RecordReference] = [:]
        for (key, reference) in zip(orgKeys, orgSummary.records) { orgRecords[key] = reference }

        let header = ["id", "identifier", "title", "funder", "recipient", "programme", "amount_requested", "amount_awarded",
                      "decided_on", "starts_on", "ends_on", "status"]
        let rows = grants.map { line, grant -> RecordImport.Row in
            func money(_ column: String) -> String {
                guard let amount = grant[column], let currency = grant["Currency"] else { return "" }
                return "\(amount) \(currency)"
            }
            func organisation(_ role: String) -> String {
                if let key = orgKey(grant, role), let reference = orgRecords[key] { return String(reference.id) }
                return orgIdentifier(grant["\(role):Identifier"]) ?? grant["\(role):Name"] ?? ""
            }
            func date(_ column: String) -> String { grant[column].map { String($0.prefix(10)) } ?? "" }
            return RecordImport.Row(line: line, cells: [
                standInID(grant["Identifier"], .grant).map(String.init) ?? "", grant["Identifier"] ?? "", grant["Title"] ?? "", organisation("Funding Org"), organisation("Recipient Org"),
                grant["Grant Programme:Title"] ?? "", money("Amount Applied For"), money("Amount Awarded"),
                date("Award Date"), date("Planned Dates:Start Date"), date("Planned Dates:End Date"), "awarded",
            ])
        }
        // The standard knows only awarded grants: one that has moved on stays where it is.
        var grantImporter = importer
        grantImporter.statusIsFloor = true
        grantImporter.secondRow = .refused
        var summary = try grantImporter.run(.grant, header: header, rows: rows, file: path, strict: strict)
        summary.rejected += orgSummary.rejected
        return summary
    }
}
