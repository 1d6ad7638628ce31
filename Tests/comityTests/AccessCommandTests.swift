import Foundation
import Testing

/// `comity access`, and `--as` on run, repl, report and export, as child processes on a
/// real workspace: what a person sees, what they may not change, and bad input named.
@Suite struct AccessCommandTests {
    static let world = """
        local asi = orgs.create { name = "Agency for Social Information", country = "RU" }
        local td = orgs.create { name = "Tetradka Druzhby", country = "RU" }
        local pgf = orgs.create { name = "Presidential Grants Foundation", country = "RU", kind = "foundation" }
        people.create { name = "Elena Topoleva", email = "elena@asi.example", organisation = asi }
        people.create { name = "Anton Dolgov", email = "anton@pgf.example", organisation = pgf }
        grants.create { title = "Civic media", funder = pgf, recipient = asi, programme = "civil", amount_awarded = money("1000.00 RUB"), applied_on = "2021-01-10", decided_on = "2021-02-01" }
        grants.create { title = "Friendship", funder = pgf, recipient = td, programme = "culture", amount_awarded = money("2000.00 RUB"), applied_on = "2021-01-10", decided_on = "2021-02-01" }
        grants.create { title = "Own", funder = asi, recipient = td, programme = "civil", amount_awarded = money("300.00 RUB"), applied_on = "2021-01-10", decided_on = "2021-02-01" }
        """

    static let probe = """
        print(grants.count{}, tostring(grants.sum{ "amount_awarded" }[1].total))
        local names = {}
        for g in grants.find{ order_by = "title" } do names[#names + 1] = g.title end
        print(table.concat(names, ", "))
        local civic = grants.find{ title = "Civic media" }()
        local ok, err = pcall(grants.update, civic, { title = "Renamed" })
        print(ok, err)
        print(orgs.find{ name = "Tetradka Druzhby" }() ~= nil)
        """

    func seeded() throws -> URL {
        let folder = try workspace(["world.lua": Self.world, "probe.lua": Self.probe])
        let seeded = try Comity.run(["run", "world.lua"], in: folder)
        try #require(seeded.status == 0, "\(seeded.stderr)")
        return folder
    }

    @Test func membersNetworksAndSharesAreKeptListedAndShowWhatAPersonSees() throws {
        let folder = try seeded()
        func comity(_ arguments: [String]) throws -> Comity.Result {
            let result = try Comity.run(arguments, in: folder)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        #expect(try comity(["access", "add-member", "Elena Topoleva", "Agency for Social Information", "--role", "editor"]).stdout
            == "Elena Topoleva is an editor of Agency for Social Information\n")
        #expect(try comity(["access", "add-to-network", "round-table", "1", "2"]).stdout
            == "added to round-table: Agency for Social Information; Tetradka Druzhby\n")
        #expect(try comity(["access", "show", "elena@asi.example"]).stdout.contains("grants        2     1        3"))
        #expect(try comity(["access", "share", "Presidential Grants Foundation", "grants", "--network", "round-table", "--where", "programme=culture"]).stdout
            == "share 1: Presidential Grants Foundation's grants with network round-table, read\n")
        let shown = try comity(["access", "show", "Elena Topoleva"]).stdout
        #expect(shown.hasPrefix("Elena Topoleva (editor, Agency for Social Information)\n"), "\(shown)")
        #expect(shown.contains("grants        3     1        3"), "\(shown)")
        let members = try comity(["access", "members"]).stdout
        #expect(members.hasPrefix("ID  PERSON          ID  ORGANISATION                   ROLE\n1   Elena Topoleva  1   Agency for Social Information  editor\n"),
                "\(members)")
        #expect(try comity(["access", "networks"]).stdout == "round-table: Agency for Social Information; Tetradka Druzhby\n")
        // A network's name mistyped is met with the one it is near.
        let typo = try Comity.run(["access", "share", "1", "grants", "--network", "round-tabel"], in: folder)
        #expect(typo.status == 1 && typo.stderr.contains("no network named 'round-tabel' (did you mean 'round-table'?)"), "\(typo.stderr)")
        let typoOut = try Comity.run(["access", "remove-from-network", "round_table", "1"], in: folder)
        #expect(typoOut.status == 1 && typoOut.stderr.contains("(did you mean 'round-table'?)"), "\(typoOut.stderr)")
        #expect(try comity(["access", "shares"]).stdout.contains("programme = culture  network round-table  read"))
        #expect(try comity(["access", "unshare", "1"]).stdout == "share 1 ended\n")
        #expect(try comity(["access", "shares"]).stdout.hasPrefix("no shares"))
        try comity(["access", "remove-member", "Elena Topoleva", "1"])
        #expect(try comity(["access", "members"]).stdout.hasPrefix("no members"))
    }

    @Test func aRunAsAPersonSeesAndChangesOnlyWhatTheyMay() throws {
        let folder = try seeded()
        _ = try Comity.run(["access", "add-member", "Elena Topoleva", "1", "--role", "editor"], in: folder)
        let workspace = try Comity.run(["run", "probe.lua", "--dry-run"], in: folder)
        #expect(workspace.stdout.hasPrefix("3\t3,300.00 RUB\nCivic media, Friendship, Own\ntrue\tGrant #1 (Renamed)\ntrue\n"), "\(workspace.stdout)\(workspace.stderr)")
        let elena = try Comity.run(["run", "probe.lua", "--as", "Elena Topoleva", "--dry-run"], in: folder)
        #expect(elena.status == 0, "\(elena.stderr)")
        #expect(elena.stdout.hasPrefix("""
            2\t1,300.00 RUB
            Civic media, Own
            false\tgrants.update: Elena Topoleva (editor, Agency for Social Information) may not change grants of another organisation
            false
            """), "\(elena.stdout)")
        // The repl and a report see the same.
        let repl = try Comity.run(["repl", "--as", "1"], in: folder, input: "grants.count()\n")
        #expect(repl.stdout == "2\n", "\(repl.stdout)\(repl.stderr)")
        // The shipped report, as she sees it: the foundation's grants under a funder not shown.
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/reports/grants-by-funder.lua")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Scripts/reports"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: shipped, to: folder.appendingPathComponent("Scripts/reports/grants-by-funder.lua"))
        let report = try Comity.run(["report", "grants-by-funder", "--as", "Elena Topoleva", "--param", "from=2000-01-01"], in: folder)
        #expect(report.status == 0 && report.stdout.contains("(a funder not shown)") && !report.stdout.contains("Presidential"),
                "\(report.stdout)\(report.stderr)")
        let export = try Comity.run(["export", "grants", "--as", "elena@asi.example"], in: folder)
        #expect(export.status == 0 && export.stdout.contains("Civic media") && !export.stdout.contains("Friendship"), "\(export.stdout)\(export.stderr)")
        // The foundation she does not see is no funder's name or id in her export.
        #expect(export.stdout.contains("1,Civic media,,Agency for Social Information,civil"), "\(export.stdout)")
        // A token made as her says whom it acts as by name.
        #expect(try Comity.run(["tokens", "create", "elena-laptop", "--as", "elena@asi.example"], in: folder).status == 0)
        #expect(try Comity.run(["tokens", "create", "cron"], in: folder).status == 0)
        let tokens = try Comity.run(["tokens", "list"], in: folder).stdout
        #expect(tokens.split(separator: "\n").contains { $0.hasPrefix("elena-laptop") && $0.contains("Elena Topoleva") }, "\(tokens)")
        #expect(tokens.split(separator: "\n").contains { $0.hasPrefix("cron") && $0.contains("workspace") }, "\(tokens)")
    }

    @Test func aWorkflowRunsAsItsPersonAndNoOneActsForAnother() throws {
        let folder = try seeded()
        _ = try Comity.run(["access", "add-member", "Elena Topoleva", "1", "--role", "editor"], in: folder)
        _ = try Comity.run(["access", "add-member", "Anton Dolgov", "3", "--role", "editor"], in: folder)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Scripts"), withIntermediateDirectories: true)
        try """
            return workflow { name = "count", run_as = "Elena Topoleva", run = function() print(grants.count{}) end }
            """.write(to: folder.appendingPathComponent("Scripts/count.lua"), atomically: true, encoding: .utf8)
        let asWorkspace = try Comity.run(["run", "Scripts/count.lua"], in: folder)
        #expect(asWorkspace.status == 0 && asWorkspace.stdout == "2\n", "\(asWorkspace.stdout)\(asWorkspace.stderr)")
        let asElena = try Comity.run(["run", "Scripts/count.lua", "--as", "1"], in: folder)
        #expect(asElena.status == 0 && asElena.stdout == "2\n", "\(asElena.stdout)\(asElena.stderr)")
        let asAnton = try Comity.run(["run", "Scripts/count.lua", "--as", "Anton Dolgov"], in: folder)
        #expect(asAnton.status == 1 && asAnton.stdout.isEmpty)
        #expect(asAnton.stderr.contains("not run: workflow 'count' runs as 'Elena Topoleva', and Anton Dolgov (editor, Presidential Grants Foundation) may not act for anyone else"),
                "\(asAnton.stderr)")
        // The history says whom each run acted as: the workflow's person, or no one for the workspace's.
        let runs = try Comity.run(["runs", "list", "--json"], in: folder)
        let listed = (try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8))) as? [[String: Any]] ?? []
        let counted = try #require(listed.first { $0["workflow"] as? String == "count" && $0["outcome"] as? String == "succeeded" }, "\(runs.stdout)")
        #expect(counted["acting_as"] as? String == "Elena Topoleva (editor, Agency for Social Information)", "\(counted)")
        let shown = try Comity.run(["runs", "show", "\(counted["id"] ?? "")"], in: folder)
        #expect(shown.stdout.contains("  acting as: Elena Topoleva (editor, Agency for Social Information)\n"), "\(shown.stdout)\(shown.stderr)")
        let world = try #require(listed.first { ($0["file"] as? String)?.hasSuffix("world.lua") == true }, "\(runs.stdout)")
        #expect(try Comity.run(["runs", "show", "\(world["id"] ?? "")"], in: folder).stdout.contains("acting as") == false)
    }

    @Test func badInputNamesWhatIsWrong() throws {
        let folder = try seeded()
        let cases: [([String], Int32, String)] = [
            (["access", "add-member", "Nobody", "1"], 1, "error: no person whose name is 'Nobody' (give a person's id, email or name)"),
            (["access", "add-member", "1", "Nowhere"], 1, "error: no organisation with the id, identifier or name 'Nowhere'"),
            (["access", "add-member", "1", "1", "--role", "boss"], 64, "invalid role 'boss' (allowed: viewer, editor, coordinator, admin)"),
            (["access", "share", "1", "grants", "--with", "2", "--where", "programm=civil"], 64, "--where programm=civil: Grant has no field 'programm'"),
            (["access", "share", "1", "grants", "--with", "1"], 64, "--with names Agency for Social Information itself"),
            (["access", "share", "1", "grants", "--with", "2", "--until", "2020-01-01"], 64, "--until 2020-01-01 is past"),
            (["access", "share", "1", "grants", "--with", "2", "--where", "=civil"], 64, "--where takes field=value"),
            (["access", "share", "1", "grants", "--with", "2", "--until", "2027-13-01"], 64, "invalid --until '2027-13-01'"),
            (["access", "share", "1", "grants", "--network", "nowhere"], 1, "no network named 'nowhere'"),
            (["access", "share", "1", "grants"], 64, "give --with ORGANISATION or --network NAME"),
            (["access", "add-to-network", "round table", "1"], 1, "invalid network name 'round table'"),
            (["access", "unshare", "7"], 1, "no share with id 7"),
            (["access", "show", "ELENA@ASI.EXAMPLE"], 0, ""),
            (["export", "grants", "--format", "360giving", "--as", "1"], 64, "--as works with csv and json"),
            (["run", "probe.lua", "--as", "ghost@example.org"], 1, "not run: acting as 'ghost@example.org': no person whose email is 'ghost@example.org'"),
            (["repl", "--as", "99"], 1, "--as 99: no person with id 99"),
        ]
        for (arguments, status, message) in cases {
            let result = try Comity.run(arguments, in: folder)
            #expect(result.status == status, "\(arguments): \(result.status) \(result.stderr)")
            #expect(message.isEmpty || result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // Nothing was kept by the refusals.
        #expect(try Comity.run(["access", "members"], in: folder).stdout.hasPrefix("no members"))
        #expect(try Comity.run(["access", "shares"], in: folder).stdout.hasPrefix("no shares"))
    }

    /// A custom field declared `personal = true` is hidden as a person's email is: from a
    /// colleague who only views, not from an editor of the organisation or the person.
    @Test func aCustomFieldDeclaredPersonalShowsOnlyToWhoChangesTheRecord() throws {
        let folder = try workspace([
            "comity.lua": #"return { custom_fields = { person = { phone = { type = "string", personal = true } } } }"#,
            "world.lua": """
                local asi = orgs.create { name = "Agency for Social Information", country = "RU" }
                people.create { name = "Elena Topoleva", phone = "+7 495 000", organisation = asi }
                people.create { name = "Vic Viewer", organisation = asi }
                people.create { name = "Ed Editor", organisation = asi }
                """,
            "phone.lua": "local p = people.find{ name = 'Elena Topoleva' }() print(p.phone, people.count{ phone = '+7 495 000' })",
        ])
        try #require(try Comity.run(["run", "world.lua"], in: folder).status == 0)
        _ = try Comity.run(["access", "add-member", "Vic Viewer", "1", "--role", "viewer"], in: folder)
        _ = try Comity.run(["access", "add-member", "Ed Editor", "1", "--role", "editor"], in: folder)
        _ = try Comity.run(["access", "add-member", "Elena Topoleva", "1", "--role", "viewer"], in: folder)
        #expect(try Comity.run(["run", "phone.lua", "--as", "Vic Viewer"], in: folder).stdout == "nil\t0\n")
        #expect(try Comity.run(["run", "phone.lua", "--as", "Ed Editor"], in: folder).stdout == "+7 495 000\t1\n")
        #expect(try Comity.run(["run", "phone.lua", "--as", "Elena Topoleva"], in: folder).stdout == "+7 495 000\t1\n")
        let refused = try workspace(["comity.lua": #"return { custom_fields = { person = { phone = { type = "string", personal = "yes" } } } }"#])
        let run = try Comity.run(["access", "members"], in: refused)
        #expect(run.status == 1 && run.stderr.contains("custom_fields.person.phone: personal must be true or false (got string)"), "\(run.stderr)")
    }

    /// A message about a record goes to no person who may not see it, whoever sends it.
    @Test func mailAboutARecordGoesToNoOneWhoMayNotSeeIt() throws {
        let folder = try seeded()
        _ = try Comity.run(["access", "add-member", "Elena Topoleva", "1", "--role", "editor"], in: folder)
        try """
            local function send(title)
              local g = grants.find{ title = title }()
              return pcall(mail.send, { to = "Elena <ELENA@asi.example>", cc = "board@example.org", subject = "About " .. title, body = "See it", about = g })
            end
            print(send("Friendship"))
            print(send("Civic media"))
            """.write(to: folder.appendingPathComponent("mail.lua"), atomically: true, encoding: .utf8)
        let run = try Comity.run(["run", "mail.lua"], in: folder)
        #expect(run.stdout.hasPrefix("""
            false	mail.send: the message is about grant#2, which Elena Topoleva (editor, Agency for Social Information) may not see; send it to those who may, or about a record they see
            true	1
            """), "\(run.stdout)\(run.stderr)")
    }

    /// `comity people export`: everything held about a person, personal fields included, as
    /// JSON; `comity people forget`: their personal fields erased.
    @Test func aPersonsDataIsExportedWhole() throws {
        let folder = try seeded()
        _ = try Comity.run(["access", "add-member", "Elena Topoleva", "1", "--role", "editor"], in: folder)
        let exported = try Comity.run(["people", "export", "elena@asi.example"], in: folder)
        #expect(exported.status == 0, "\(exported.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any]
        let person = json?["person"] as? [String: Any]
        #expect((person?["fields"] as? [String: Any])?["email"] as? String == "elena@asi.example")
        #expect((json?["memberships"] as? [[String: Any]])?.first?["role"] as? String == "editor")
        #expect((json?["audit"] as? [[String: Any]])?.first?["action"] as? String == "create")
        // Forgotten: the email is gone from the record and its audit; the name stays.
        let forgotten = try Comity.run(["people", "forget", "Elena Topoleva"], in: folder)
        #expect(forgotten.status == 0 && forgotten.stdout.hasPrefix("erased from Elena Topoleva: email; 1 audit entries"), "\(forgotten.stdout)\(forgotten.stderr)")
        let after = try Comity.run(["people", "export", "Elena Topoleva"], in: folder)
        #expect(after.status == 0 && !after.stdout.contains("elena@asi.example") && after.stdout.contains("personal data erased: email"), "\(after.stdout)")
        let missing = try Comity.run(["people", "export", "nobody@example.org"], in: folder)
        #expect(missing.status == 1 && missing.stderr.contains("no person whose email is 'nobody@example.org'"), "\(missing.stderr)")
    }
}
