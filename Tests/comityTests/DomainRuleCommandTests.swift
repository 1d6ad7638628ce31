import Foundation
import Testing

/// The domain's rules over whole records, met by `comity import`: a row that breaks one
/// is rejected with its line and the field named, and the rows around it are kept.
@Suite struct DomainRuleCommandTests {
    /// Every declared value of a choice can be stored, however it was written (found:
    /// `"In progress"` was declared, and no value, not even itself, was accepted).
    @Test func choiceValuesWithCapitalsSpacesAndHyphensCanBeStored() throws {
        let folder = try workspace([
            "comity.lua": """
                return { custom_fields = { organisation = {
                  stage = { type = "choice", values = { "In progress", "Follow-up needed", "done" } } } } }
                """,
            "make.lua": """
                orgs.create { name = "ASI", stage = "In progress" }
                orgs.create { name = "PGF", stage = "follow_up_needed" }
                orgs.create { name = "Network", stage = "Done" }
                for org in orgs.find { order_by = "name" } do print(org.name, org.stage) end
                print(orgs.count { stage = "in progress" })
                """,
            "later.lua": "orgs.create { name = 'X', stage = 'later' }",
        ])
        let made = try Comity.run(["run", "make.lua"], in: folder)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout == "ASI\tin_progress\nNetwork\tdone\nPGF\tfollow_up_needed\n1\n", "\(made.stdout)")
        let refused = try Comity.run(["run", "later.lua"], in: folder)
        #expect(refused.stderr.contains("allowed: in_progress, follow_up_needed, done"), "\(refused.stderr)")
    }

    @Test func choiceValuesThatAreTheSameOrNotTextAreRefusedInComityLua() throws {
        for (values, problem) in [("{ \"In progress\", \"in_progress\" }", "values[2] 'in_progress' is the same choice as values[1] (both are 'in_progress')"),
                                  ("{ \"low\", 2 }", "values[2] must be a text")] {
            let folder = try workspace([
                "comity.lua": "return { custom_fields = { grant = { risk = { type = \"choice\", values = \(values) } } } }",
                "x.lua": "print(1)",
            ])
            let result = try Comity.run(["run", "x.lua"], in: folder)
            #expect(result.status != 0 && result.stderr.contains("comity.lua") && result.stderr.contains(problem), "\(result.stderr)")
        }
    }

    @Test func importRejectsRowsThatBreakARuleWithTheirLine() throws {
        let folder = try workspace([
            "orgs.csv": """
                name,country,identifier
                Agency for Social Information,RU,RU-INN-7707083893
                Presidential Grants Foundation,RU,
                """,
            "grants.csv": """
                identifier,title,funder,recipient,amount_requested,starts_on,ends_on
                g-1,Camps,Presidential Grants Foundation,RU-INN-7707083893,100.00 RUB,2021-03-01,2021-12-31
                g-2,Negative,Presidential Grants Foundation,RU-INN-7707083893,-100.00 RUB,,
                g-3,To itself,RU-INN-7707083893,RU-INN-7707083893,,,
                g-4,Backwards,Presidential Grants Foundation,RU-INN-7707083893,,2021-12-31,2021-03-01
                """,
            "events.csv": """
                title,starts_at,ends_at
                Round table,2021-01-26T11:00:00Z,2021-01-26T13:00:00Z
                Backwards,2021-01-26T11:00:00Z,2021-01-26T09:00:00Z
                """,
            "check.lua": """
                print(grants.count(), events.count(), grants.count { recipient = "RU-INN-7707083893", title_contains = "CAMP" })
                """,
        ])
        #expect(try Comity.run(["import", "orgs", "orgs.csv"], in: folder).status == 0)
        let grants = try Comity.run(["import", "grants", "grants.csv"], in: folder)
        #expect(grants.stdout.contains("1 created, 0 updated, 0 unchanged, 3 rejected"), "\(grants.stdout)\(grants.stderr)")
        #expect(grants.stderr.contains("grants.csv:3: Grant field 'amount_requested' cannot be negative, got -100.00 RUB"), "\(grants.stderr)")
        #expect(grants.stderr.contains("grants.csv:4: Grant field 'recipient' is the same record as 'funder'"))
        #expect(grants.stderr.contains("grants.csv:5: Grant field 'ends_on' (2021-03-01) is before 'starts_on' (2021-12-31)"))
        let events = try Comity.run(["import", "events", "events.csv"], in: folder)
        #expect(events.stderr.contains("events.csv:3: Event field 'ends_at' (2021-01-26T09:00:00Z) is before 'starts_at'"), "\(events.stderr)")
        let check = try Comity.run(["run", "check.lua"], in: folder)
        #expect(check.stdout == "1\t1\t1\n", "\(check.stderr)")
    }
}
