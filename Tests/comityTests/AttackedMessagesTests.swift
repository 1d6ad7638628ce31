import Foundation
import Testing

/// Messages and quirks a tester found by attacking the CLI from the README: each says
/// what is wrong in the words the rest of Comity uses.
@Suite struct AttackedMessagesTests {
    @Test func checkNamesAMissingFileAndAFractionAsTheRuntimeDoes() throws {
        let folder = try workspace(["Scripts/days.lua": "print(time.days(2.5))\n"])
        let missing = try Comity.run(["check", "nosuch.lua"], in: folder)
        #expect(missing.status == 1)
        #expect(missing.stdout == "nosuch.lua: no such file\n", "\(missing.stdout)")
        let checked = try Comity.run(["check", "Scripts/days.lua"], in: folder)
        #expect(checked.stdout.contains("Scripts/days.lua:1: bad argument #1 to 'time.days' (integer expected, got number (2.5))"), "\(checked.stdout)")
        let ran = try Comity.run(["run", "Scripts/days.lua"], in: folder)
        #expect(ran.stderr.contains("integer expected, got number (2.5)"), "\(ran.stderr)")
    }

    @Test func anUnknownExportFormatListsTheBuiltInOnes() throws {
        let folder = try workspace([:])
        let exported = try Comity.run(["export", "grants", "--format", "xml"], in: folder)
        #expect(exported.status != 0)
        #expect(exported.stderr.contains("unknown format 'xml' (formats: csv, json, 360giving; no plugin provides one)"), "\(exported.stderr)")
    }

    @Test func aParameterTheReportLacksIsAnError() throws {
        let parent = try workspace([:], configured: false)
        #expect(try Comity.run(["init", "network"], in: parent).status == 0)
        let folder = parent.appendingPathComponent("network")
        let report = try Comity.run(["report", "grants-by-funder", "--param", "fromm=2020-01-01"], in: folder)
        #expect(report.status == 1)
        #expect(report.stderr.hasPrefix("error: workflow 'report-grants-by-funder' has no parameter 'fromm' (did you mean 'from'?)"), "\(report.stderr)")
    }

    @Test func aPipedReplNamesTheInputLineOfAFailingStatement() throws {
        let folder = try workspace([:])
        let repl = try Comity.run(["repl"], in: folder, input: "x = 1\n\nfor i = 1, 2 do\n  y = i\nend\ngrants.awrd()\n")
        #expect(repl.status == 1)
        #expect(repl.stderr.contains("error: repl:6: grants has no function 'awrd'"), "\(repl.stderr)")
    }

    @Test func derivedFiltersTakeOnlyBooleansAndCountTakesNoLimit() throws {
        let folder = try workspace([
            "yes.lua": "print(tasks.count { overdue = 'yes' })",
            "zero.lua": "print(tasks.count { overdue = 0 })",
            "true.lua": "print(tasks.count { overdue = true })",
            "limit.lua": "print(orgs.count { limit = 2 })",
        ])
        for name in ["yes.lua", "zero.lua"] {
            let ran = try Comity.run(["run", name], in: folder)
            #expect(ran.status == 1, "\(name): \(ran.stdout)")
            #expect(ran.stderr.contains("is derived: filter it with overdue = true or overdue = false"), "\(name): \(ran.stderr)")
        }
        #expect(try Comity.run(["run", "true.lua"], in: folder).stdout == "0\n")
        let limited = try Comity.run(["run", "limit.lua"], in: folder)
        #expect(limited.status == 1)
        #expect(limited.stderr.contains("limit.lua:1: orgs.count takes no limit (it counts every match)"), "\(limited.stderr)")
    }

    /// A link given by id, as filters and imports take it: checked to exist.
    @Test func linksMayBeGivenByIdAndAnIdThatIsNoRecordIsNamed() throws {
        let folder = try workspace(["ids.lua": """
            local a = orgs.create { name = "A", country = "RU" }
            local b = orgs.create { name = "B", country = "DE" }
            local p = partnerships.create { members = { a.id, b } }
            print(#p.members, p.members[2].name)
            local g = grants.create { title = "G", funder = a.id, recipient = b.id }
            print(g.funder.name, g.recipient.name)
            print(pcall(grants.create, { title = "H", funder = 999, recipient = b }))
            print(pcall(tasks.count, { about = "grant#1" }))
            """])
        let ran = try Comity.run(["run", "ids.lua"], in: folder)
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(ran.stdout == """
            2\tB
            A\tB
            false\tGrant field 'funder': Organisation 999 does not exist
            false\tTask field 'about' must be a record, got string 'grant#1' (give the record itself, such as grants.get(1))

            """, "\(ran.stdout)")
    }

    /// Keys of literal tables check does not need to run the script to know: filters
    /// (through links too, and order_by's field), derived fields set, modules required.
    @Test func checkReadsFilterKeysDerivedFieldsAndRequiredModules() throws {
        let script = """
            for g in grants.find { statuss = "awarded" } do end
            print(grants.count { funder = { contry = "DE" } })
            for g in grants.find { status = "awarded", order_by = "-amount_awarde" } do end
            tasks.create { title = "t", overdue = true }
            local m = require "nosuchmodule"
            print(orgs.count { limit = 2 })
            for g in grants.find { funder = { country = "DE" }, amount_awarded_min = money("1.00 RUB"), order_by = "-decided_on", limit = 2 } do end
            print(orgs.count { by = { "kind" }, name_contains = "a", archived = true }, tasks.count { overdue = true })
            local f = require "format"
            print(grants.sum { "amount_awarded", by = { "funder" }, where = { statsu = "awarded" } })
            mail.send { to = "a@b.org", subjet = "s", body = "b" }
            mail.send { to = "a@b.org", cc = { "c@d.org" }, subject = "s", body = "b", attach = { { file = "x.txt" } } }
            """
        let folder = try workspace(["Scripts/keys.lua": script, "Scripts/format.lua": "return { x = 1 }\n"])
        let checked = try Comity.run(["check", "Scripts/keys.lua"], in: folder)
        #expect(checked.status == 1)
        #expect(checked.stdout == """
            Scripts/keys.lua:1: Grant has no field 'statuss' (did you mean 'status'?)
            Scripts/keys.lua:2: Organisation has no field 'contry' (did you mean 'country'?)
            Scripts/keys.lua:3: Grant has no field 'amount_awarde' (did you mean 'amount_awarded'?)
            Scripts/keys.lua:4: Task field 'overdue' is derived (worked out from other fields); it cannot be set
            Scripts/keys.lua:5: module 'nosuchmodule' not found: no Scripts/nosuchmodule.lua and no plugin of that name
            Scripts/keys.lua:6: orgs.count takes no limit (it counts every match); use orgs.find { ..., limit = n } to read only n records
            Scripts/keys.lua:10: Grant has no field 'statsu' (did you mean 'status'?)
            Scripts/keys.lua:11: mail.send: unknown field 'subjet' (did you mean 'subject'?); fields: to, cc, bcc, reply_to, subject, body, html, attach, about

            """, "\(checked.stdout)")
    }
}
