import Foundation
import Testing

/// The domain's rules over whole records, met by `comity import`: a row that breaks one
/// is rejected with its line and the field named, and the rows around it are kept.
@Suite struct DomainRuleCommandTests {
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
