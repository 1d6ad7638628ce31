import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import Testing

/// The filters of `find` and `count` as the API documents them, on a real SQLite store:
/// lists (any of), text search, conditions through links, derived fields, ordering by
/// Money, and `get` of a text that is no identifier.
@Suite struct RecordQueryTests {
    /// Runs `source` after the shared world; returns the lines printed, or the error.
    func lines(_ source: String, world: String = RecordWorkspace.world) throws -> (lines: [String], error: String?) {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run(world + "\n" + source, lines: lines)
        return (lines.all, run.outcome.error?.message)
    }

    @Test func aListMeansAnyOfItsValuesEachCheckedAsOneWouldBe() throws {
        let result = try lines("""
            print(grants.count { status = { "awarded", "submitted" } }, grants.count { status = { "awarded" } },
                  grants.count { status = {} }, grants.count { id = { 1, 3, 99 } })
            local asi = orgs.get("RU-INN-7707083893")
            orgs.update(asi, { tags = { "media", "civil society" } })
            print(orgs.count { tags = { "education", "media" } }, orgs.count { tags = "civil society" },
                  orgs.count { kind = { "foundation", "multilateral" } }, orgs.count { country = { "DE" } })
            print(grants.count { amount_awarded = { money(2000000, "RUB"), money(3000000, "USD") } })
            print(pcall(grants.count, { status = { "awarded", "awrded" } }))
            print(pcall(grants.count, { amount_awarded_min = { money(1, "RUB") } }))
            """)
        #expect(result.error == nil, "\(result.error ?? "")")
        #expect(result.lines.count == 5)
        #expect(result.lines.prefix(3) == ["6\t3\t0\t2", "1\t1\t2\t0", "2"])
        // The element is named with the field, as the single value's error names it.
        #expect(result.lines[3].contains("invalid grant status 'awrded'"))
        #expect(result.lines[3].contains("item 2 of the list for 'status'"))
        #expect(result.lines[4].contains("a list of values (any of) goes with 'amount_awarded = { ... }'"))
    }

    static let names = """
        local asi = orgs.create { name = "Agency for Social Information", country = "RU", identifier = "RU-INN-7707083893" }
        orgs.create { name = "АГЕНТСТВО социальной информации", country = "RU" }
        orgs.create { name = "100% Charity_Fund", country = "GB", email = "info@charity.org.uk" }
        orgs.create { name = "O'Brien \\\\ Sons", country = "IE", tags = { "Family Business" } }
        orgs.create { name = "École des Agences", country = "FR" }
        """

    @Test func textSearchIgnoresCaseInUnicodeAndTakesWildcardsAndQuotesLiterally() throws {
        let result = try lines("""
            local function names(filter)
              local found = {}
              for o in orgs.find(filter) do found[#found + 1] = o.name end
              table.sort(found)
              return table.concat(found, "|")
            end
            print(names { name_contains = "agen", order_by = "name" })
            print(names { name_contains = "агентство" }, names { name_contains = "ÉCOLE" })
            print(names { name_contains = "%" }, names { name_contains = "_" }, names { name_contains = "'" })
            print(names { name_contains = "\\\\" }, names { name_contains = "%%" }, names { name_contains = "y_F" })
            print(names { name_prefix = "agency" }, names { name_prefix = "social" }, names { name_prefix = "%" })
            print(names { identifier_prefix = "ru-inn" }, names { email_contains = "CHARITY" }, names { tags_contains = "family" })
            print(names { name_contains = { "sons", "100" } }, orgs.count { name_contains = "' OR 1=1 --" })
            print(pcall(orgs.count, { created_at_contains = "x" }))
            """, world: Self.names)
        #expect(result.error == nil, "\(result.error ?? "")")
        #expect(result.lines.prefix(7) == [
            "Agency for Social Information|École des Agences",
            "АГЕНТСТВО социальной информации\tÉcole des Agences",
            "100% Charity_Fund\t100% Charity_Fund\tO'Brien \\ Sons",
            "O'Brien \\ Sons\t\t100% Charity_Fund",
            "Agency for Social Information\t\t",
            "Agency for Social Information\t100% Charity_Fund\tO'Brien \\ Sons",
            "100% Charity_Fund|O'Brien \\ Sons\t0",
        ])
        #expect(result.lines.last?.contains("text search works on text fields") == true)
    }

    @Test func textSearchOnAFieldThatIsNotTextIsRefusedNamingIt() throws {
        let result = try lines("grants.count { amount_awarded_contains = \"1\" }")
        #expect(result.error?.contains("amount_awarded_contains: text search works on text fields; Grant field 'amount_awarded' is Money") == true,
                "\(result.error ?? "")")
    }

    static let network = RecordWorkspace.world + """

        local gcf = orgs.create { name = "German Civic Fund", kind = "foundation", country = "DE", identifier = "DE-CR-HRB12345" }
        local asi = orgs.get("RU-INN-7707083893")
        local g = grants.create { title = "Exchange", funder = gcf, recipient = asi, amount_awarded = money(5000, "EUR") }
        local un = orgs.get(3)
        partnerships.create { members = { asi, gcf }, purpose = "exchange" }
        partnerships.create { members = { asi, un }, purpose = "study" }
        local elena = people.create { name = "Elena", organisation = asi }
        tasks.create { title = "Report", assignee = elena, about = g }
        """

    @Test func filtersThroughLinksTakeConditionsARecordAnIdOrAnIdentifier() throws {
        let result = try lines("""
            local asi = orgs.get("RU-INN-7707083893")
            print(grants.count { funder = { country = "DE" } }, grants.count { funder = { country = "RU", kind = "foundation" } },
                  grants.count { funder = { name_contains = "civic" }, recipient = { country = "RU" } })
            print(grants.count { recipient = "RU-INN-7707083893" }, grants.count { recipient = "ru-inn-7707083893" },
                  grants.count { recipient = asi.id }, grants.count { recipient = asi }, grants.count { recipient = tostring(asi.id) })
            print(grants.count { funder = "DE-CR-HRB12345" }, grants.count { funder = "GB-CHC-1090095" },
                  grants.count { funder = { "DE-CR-HRB12345", 2 } })
            print(partnerships.count { members = { country = "DE" } }, partnerships.count { members = { kind = "multilateral" } },
                  partnerships.count { members = "DE-CR-HRB12345" }, partnerships.count { members = { orgs.get(3), orgs.get(4) } })
            print(tasks.count { assignee = { organisation = { country = "RU" } } }, tasks.count { assignee = { organisation = { country = "DE" } } })
            print(pcall(grants.count, { funder = "Agency for Social Information" }))
            print(pcall(grants.count, { title = { country = "DE" } }))
            print(pcall(grants.count, { funder = { contry = "DE" } }))
            """, world: Self.network)
        #expect(result.error == nil, "\(result.error ?? "")")
        #expect(result.lines.prefix(5) == ["1\t6\t1", "7\t7\t7\t7\t7", "1\t0\t7", "1\t1\t1\t2", "1\t0"])
        #expect(result.lines[5].contains(#"to find by name, write funder = { name = "Agency for Social Information" }"#), "\(result.lines[5])")
        #expect(result.lines[6].contains("Grant field 'title' is string, not a link"))
        #expect(result.lines[7].contains("Organisation has no field 'contry' (did you mean 'country'?)"), "\(result.lines[7])")
    }

    @Test func moneyOrdersWithinOneCurrencyAndMixedCurrenciesAreNamed() throws {
        let result = try lines("""
            local found = {}
            for g in grants.find { order_by = "-amount_awarded", amount_awarded_currency = "RUB" } do
              found[#found + 1] = tostring(g.amount_awarded)
            end
            print(table.concat(found, "|"))
            for g in grants.find { order_by = "amount_awarded", amount_awarded_currency = { "USD" }, limit = 1 } do print(g.amount_awarded) end
            print(pcall(function() for g in grants.find { order_by = "-amount_awarded" } do end end))
            print(pcall(function() for p in partnerships.find { order_by = "members" } do end end))
            print(pcall(function() for t in tasks.find { order_by = "overdue" } do end end))
            print(pcall(grants.count, { amount_awarded_currency = "RUX" }))
            """)
        #expect(result.error == nil, "\(result.error ?? "")")
        #expect(result.lines.prefix(2) == ["5,000,000.00 RUB|4,000,000.00 RUB|2,000,000.00 RUB|1,000,000.00 RUB", "3,000,000.00 USD"])
        #expect(result.lines[2].contains("cannot order grants by 'amount_awarded': the records found hold amounts in RUB, USD"), "\(result.lines[2])")
        #expect(result.lines[2].contains(#"amount_awarded_currency = "RUB""#))
        #expect(result.lines[3].contains("cannot order partnerships by Partnership field 'members'"))
        #expect(result.lines[4].contains("cannot order tasks by 'overdue': it is derived"))
        // Ordering is never called grouping.
        #expect(!result.lines[2...4].contains { $0.contains("group") })
        #expect(result.lines[5].contains("invalid currency 'RUX'"))
    }

    @Test func derivedFieldsFilterAsTheyRead() throws {
        // The run's clock is 2021-01-26T08:00:00Z.
        let result = try lines("""
            tasks.create { title = "late", due = "2021-01-20T00:00:00Z" }
            tasks.create { title = "later", due = "2021-02-20T00:00:00Z" }
            tasks.create { title = "no due date" }
            tasks.complete(tasks.create { title = "done late", due = "2021-01-01T00:00:00Z" })
            local read = {}
            for t in tasks.find { order_by = "id" } do read[#read + 1] = t.title .. "=" .. tostring(t.overdue) end
            print(table.concat(read, " "))
            local function titles(filter)
              local found = {}
              for t in tasks.find(filter) do found[#found + 1] = t.title end
              return table.concat(found, "|")
            end
            print(tasks.count { overdue = true }, titles { overdue = true }, tasks.count { overdue = false }, titles { overdue = false })
            print(tasks.count { overdue = { true, false } }, tasks.count { overdue = true, title_contains = "late" })
            print(pcall(tasks.create, { title = "x", overdue = true }))
            print(pcall(tasks.count, { overdue = "maybe" }))
            """, world: "")
        #expect(result.error == nil, "\(result.error ?? "")")
        #expect(result.lines.prefix(3) == [
            "late=true later=false no due date=false done late=false",
            "1\tlate\t3\tlater|no due date|done late",
            "4\t1",
        ])
        #expect(result.lines[3].contains("Task field 'overdue' is derived"), "\(result.lines[3])")
        #expect(result.lines[4].contains("overdue"))
    }

    @Test func getOfATextThatIsNoIdentifierIsNilInEveryCollection() throws {
        let result = try lines("""
            print(orgs.get("Agency for Social Information"), orgs.get("ZZ-NOPE-1"), orgs.get("RU-INN-0000000000"))
            print(orgs.get("ru-inn-7707083893").name)
            local shown = {}
            for _, c in ipairs { people, grants, partnerships, events, applications, tasks } do
              shown[#shown + 1] = tostring(c.get("Agency for Social Information")) .. " " .. tostring(c.get(""))
            end
            print(table.concat(shown, " "))
            """)
        #expect(result.error == nil, "\(result.error ?? "")")
        #expect(result.lines == ["nil\tnil\tnil", "Agency for Social Information", Array(repeating: "nil nil", count: 6).joined(separator: " ")])
    }
}
