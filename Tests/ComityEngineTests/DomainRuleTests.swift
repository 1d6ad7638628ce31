import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import Testing

/// The rules the domain sets over a whole record (an end not before its start, no
/// negative amount, no grant from an organisation to itself, no partner twice), on
/// create, on update and with a lifecycle step's fields, each naming its field.
@Suite struct DomainRuleTests {
    /// Each statement in its own pcall; prints the error of each, or `ok`.
    func refusals(_ statements: [String]) throws -> [String] {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let body = statements.map { "print(select(2, pcall(function() \($0) end)) or \"ok\")" }.joined(separator: "\n")
        let run = try workspace.run("""
            local asi = orgs.create { name = "Agency for Social Information", country = "RU" }
            local pgf = orgs.create { name = "Presidential Grants Foundation", country = "RU" }
            local g = grants.create { title = "Camps", funder = pgf, recipient = asi, amount_requested = money(100, "RUB") }
            grants.submit(g)
            local ev = events.create { title = "Round table", starts_at = "2021-01-26T11:00:00Z", ends_at = "2021-01-26T13:00:00Z" }
            local p = partnerships.create { members = { asi, pgf } }
            local app = applications.create { applicant = asi }
            \(body)
            print(g.amount_requested, ev.ends_at, g.status, #p.members)
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        return lines.all
    }

    @Test func rulesAreCheckedOnCreateUpdateAndSteps() throws {
        let lines = try refusals([
            #"events.create { title = "x", starts_at = "2021-01-26T11:00:00Z", ends_at = "2021-01-26T10:00:00Z" }"#,
            #"events.update(ev, { ends_at = "2021-01-26T10:59:59Z" })"#,
            #"events.update(ev, { starts_at = "2021-01-26T14:00:00Z" })"#,
            #"grants.create { title = "x", funder = pgf, recipient = asi, amount_requested = money(-1, "RUB") }"#,
            #"grants.update(g, { amount_requested = money(-100, "RUB") })"#,
            #"grants.award(g, { amount_awarded = money("-0.01", "RUB") })"#,
            #"grants.create { title = "x", funder = asi, recipient = asi }"#,
            #"grants.update(g, { recipient = pgf })"#,
            #"grants.update(g, { starts_on = "2021-03-01", ends_on = "2021-02-28" })"#,
            #"grants.update(g, { applied_on = "2021-03-01", decided_on = "2021-02-01" })"#,
            #"partnerships.create { members = { asi, asi } }"#,
            #"partnerships.update(p, { members = { asi, pgf, asi } })"#,
            #"applications.update(app, { requested = money(-5, "EUR") })"#,
            // What the rules allow: an event of no length, a zero amount, an end on its start's day.
            #"events.update(ev, { ends_at = "2021-01-26T11:00:00Z" }); grants.update(g, { amount_requested = money(0, "RUB"), starts_on = "2021-03-01", ends_on = "2021-03-01" })"#,
        ])
        #expect(lines.count == 15)
        let expected = [
            "Event field 'ends_at' (2021-01-26T10:00:00Z) is before 'starts_at' (2021-01-26T11:00:00Z): an event cannot end before it starts",
            "Event field 'ends_at' (2021-01-26T10:59:59Z) is before 'starts_at'",
            "Event field 'ends_at' (2021-01-26T13:00:00Z) is before 'starts_at' (2021-01-26T14:00:00Z)",
            "Grant field 'amount_requested' cannot be negative, got -1.00 RUB",
            "Grant field 'amount_requested' cannot be negative, got -100.00 RUB",
            "Grant field 'amount_awarded' cannot be negative, got -0.01 RUB",
            "Grant field 'recipient' is the same record as 'funder' (organisation#1): a grant goes from one organisation to another",
            "Grant field 'recipient' is the same record as 'funder' (organisation#2)",
            "Grant field 'ends_on' (2021-02-28) is before 'starts_on' (2021-03-01)",
            "Grant field 'decided_on' (2021-02-01) is before 'applied_on' (2021-03-01)",
            "Partnership field 'members' lists organisation#1 twice: a partnership is between different organisations",
            "Partnership field 'members' lists organisation#1 twice",
            "Application field 'requested' cannot be negative, got -5.00 EUR",
            "ok",
        ]
        for (line, wanted) in zip(lines, expected) { #expect(line.contains(wanted), "\(line)\n wanted: \(wanted)") }
        // Nothing refused was kept: the records hold what they held, and the award's
        // step was undone with its refused amount.
        #expect(lines.last == "0.00 RUB\t2021-01-26T11:00:00Z\tsubmitted\t2", "\(lines.last ?? "")")
    }

    /// A record stored before a rule existed is not refused for a change that does not
    /// touch the rule's fields: nothing already stored becomes unchangeable.
    @Test func aChangeChecksOnlyTheRulesOverWhatItChanges() throws {
        let workspace = try RecordWorkspace()
        let created = try workspace.run(#"events.create { title = "Old", starts_at = "2021-01-26T11:00:00Z" }"#)
        #expect(created.succeeded)
        let path = workspace.folder.appendingPathComponent(".comity/comity.db").path
        // 2021-01-26T10:00:00Z, an hour before it starts, written past the rules.
        _ = try SQLiteStore.rawExecute(path: path, sql: "UPDATE events SET ends_at = 1611655200")
        let lines = Lines()
        let run = try workspace.run("""
            local ev = events.get(1)
            events.update(ev, { title = "Old, renamed" })
            print(ev.title, select(2, pcall(events.update, ev, { ends_at = "2021-01-26T10:30:00Z" })))
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.hasPrefix("Old, renamed\t") == true)
        #expect(lines.all.first?.contains("Event field 'ends_at' (2021-01-26T10:30:00Z) is before 'starts_at'") == true, "\(lines.all)")
    }
}
