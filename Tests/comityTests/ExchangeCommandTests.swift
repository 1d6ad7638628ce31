import Foundation
import Testing

/// `comity import` and `comity export` through the real command, on the files in
/// Tests/Fixtures/exchange.
@Suite struct ExchangeCommandTests {
    /// A workspace with the fixture files copied in.
    func workspaceWithFixtures() throws -> URL {
        let folder = try workspace(["comity.lua": "return { time_zone = 'Europe/Moscow' }"])
        let fixtures = Comity.packageRoot.appendingPathComponent("Tests/Fixtures/exchange")
        for name in try FileManager.default.contentsOfDirectory(atPath: fixtures.path) {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return folder
    }

    @Test func importingReportsRejectsKeepsTheRestAndChangesNothingTheSecondTime() throws {
        let folder = try workspaceWithFixtures()
        let first = try Comity.run(["import", "orgs", "organisations.csv"], in: folder)
        #expect(first.status == 1)
        #expect(first.stdout.contains("organisations.csv: 3 created, 0 updated, 0 unchanged, 2 rejected"))
        // Line numbers count the line break inside the quoted name on lines 4-5.
        #expect(first.stderr.contains("organisations.csv:6: invalid country 'SU'"), "\(first.stderr)")
        #expect(first.stderr.contains("organisations.csv:7: invalid identifier 'ZZ-1'"))
        let rejects = try String(contentsOf: folder.appendingPathComponent("organisations.csv.rejects.csv"), encoding: .utf8)
        #expect(rejects.hasPrefix("name,kind,country,identifier,website,tags,line,reason\n"))
        #expect(rejects.contains("Bad Org,national_ngo,SU,,,,6,invalid country 'SU'"))

        let again = try Comity.run(["import", "orgs", "organisations.csv"], in: folder)
        #expect(again.stdout.contains("0 created, 0 updated, 3 unchanged, 2 rejected"))

        let grants = try Comity.run(["import", "grants", "grants.csv"], in: folder)
        #expect(grants.stdout.contains("grants.csv: 2 created, 0 updated, 0 unchanged, 2 rejected"), "\(grants.stdout)\(grants.stderr)")
        #expect(grants.stderr.contains("grants.csv:5: recipient 'Nobody Ltd': no organisation with that identifier or name or id"))
        #expect(grants.stderr.contains("grants.csv:6: Grant field 'amount_awarded' must be Money with its currency"))
        #expect(try Comity.run(["import", "grants", "grants.csv"], in: folder).stdout.contains("0 created, 0 updated, 2 unchanged"))

        // Statuses were reached through the lifecycle, with its events; references by name or identifier.
        let check = try Comity.run(["run", "check.lua"], in: try write("check.lua", """
            local g = grants.get("360G-pgf-0001")
            print(g.status, g.amount_awarded, g.recipient.name, g.funder.name, g.decided_on)
            print(grants.get("360G-pgf-0002").status, grants.get("360G-pgf-0002").recipient.kind)
            """, in: folder))
        #expect(check.stdout == "awarded\t3,523,035.23 RUB\tAgency for Social Information\tPresidential Grants Foundation\t2021-02-01\nsubmitted\tnational_ngo\n", "\(check.stderr)")

        // The import is a run in the history, its changes under its id.
        let runs = try Comity.run(["runs", "--json"], in: folder)
        #expect(runs.stdout.contains("\"file\" : \"grants.csv\""))
    }

    @Test func strictImportsNothingWhenARowIsRejected() throws {
        let folder = try workspaceWithFixtures()
        let strict = try Comity.run(["import", "organisations", "organisations.csv", "--strict"], in: folder)
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("0 created, 0 updated, 0 unchanged, 2 rejected (--strict: nothing imported)"))
        let export = try Comity.run(["export", "orgs"], in: folder)
        #expect(export.stdout == "id,name,kind,country,identifier,website,email,description,tags\n")
    }

    @Test func exportImportsBackAsItWas() throws {
        let folder = try workspaceWithFixtures()
        _ = try Comity.run(["import", "orgs", "organisations.csv"], in: folder)
        _ = try Comity.run(["import", "grants", "grants.csv"], in: folder)
        let csv = try Comity.run(["export", "grants", "--out", "grants-out.csv"], in: folder)
        #expect(csv.status == 0, "\(csv.stderr)")
        let text = try String(contentsOf: folder.appendingPathComponent("grants-out.csv"), encoding: .utf8)
        // References by identifier where there is one, an organisation's name else.
        #expect(text.contains("1,Public diplomacy school,Presidential Grants Foundation,RU-INN-7707083893,public diplomacy,,3523035.23 RUB,,2021-02-01,,,,360G-pgf-0001,awarded\n"))
        let json = try Comity.run(["export", "grants", "--format", "json"], in: folder)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(objects.count == 2 && objects.first?["status"] as? String == "awarded")

        // Into a second workspace: the same records, and importing again changes nothing.
        let other = try workspace(["comity.lua": "return { time_zone = 'Europe/Moscow' }"])
        let orgs = try Comity.run(["export", "orgs", "--out", other.appendingPathComponent("orgs.json").path], in: folder)
        #expect(orgs.status == 0)
        try FileManager.default.copyItem(at: folder.appendingPathComponent("grants-out.csv"), to: other.appendingPathComponent("grants.csv"))
        #expect(try Comity.run(["import", "orgs", "orgs.json"], in: other).stdout.contains("3 created"))
        #expect(try Comity.run(["import", "grants", "grants.csv"], in: other).stdout.contains("2 created, 0 updated, 0 unchanged, 0 rejected"))
        #expect(try Comity.run(["export", "grants"], in: other).stdout == (try Comity.run(["export", "grants"], in: folder)).stdout)
        #expect(try Comity.run(["import", "grants", "grants.csv"], in: other).stdout.contains("0 created, 0 updated, 2 unchanged"))
    }

    @Test func jsonRowsAreNamedByTheirPlace() throws {
        let folder = try workspaceWithFixtures()
        _ = try Comity.run(["import", "orgs", "organisations.csv"], in: folder)
        let result = try Comity.run(["import", "applications", "applications.json"], in: folder)
        #expect(result.stdout.contains("1 created, 0 updated, 0 unchanged, 1 rejected"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("applications.json:2: Application has no field 'unknown_field'"))
        let bad = try Comity.run(["import", "tasks", "nowhere.csv"], in: folder)
        #expect(bad.status == 1 && bad.stderr.contains("cannot read"))
        let kind = try Comity.run(["import", "invoices", "x.csv"], in: folder)
        #expect(kind.status == 64 && kind.stderr.contains("invoices"))
    }

    private func write(_ name: String, _ text: String, in folder: URL) throws -> URL {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return folder
    }
}

/// Grants in the 360Giving Data Standard: the seed's 369 grants exported as a package
/// that validates against the standard's JSON Schemas (jsonschema, in a child process),
/// as the flattened CSV with its column titles, and imported back.
@Suite struct Giving360CommandTests {
    @Test func theSeedsGrantsRoundTripThrough360Giving() throws {
        let folder = try workspace(["comity.lua": "return {}"])
        for name in ["seed-world.lua", "lib/format.lua"] {
            let target = folder.appendingPathComponent("Scripts/\(name)")
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Comity.packageRoot.appendingPathComponent("Scripts/\(name)"), to: target)
        }
        #expect(try Comity.run(["run", "Scripts/seed-world.lua"], in: folder).status == 0)

        let json = try Comity.run(["export", "grants", "--format", "360giving", "--out", "grants-360.json"], in: folder)
        #expect(json.status == 0, "\(json.stderr)")
        let package = folder.appendingPathComponent("grants-360.json")
        let validation = try Python.run(["Tests/Fixtures/validate-360giving.py", package.path])
        #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
        #expect(validation.stdout == "valid\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: package)) as? [String: Any])
        #expect((object["grants"] as? [Any])?.count == 369)

        // A package the schema refuses is refused by the same check: it can fail.
        var broken = object
        if var grants = broken["grants"] as? [[String: Any]] {
            grants[0]["awardDate"] = "yesterday"
            broken["grants"] = grants
        }
        let brokenFile = folder.appendingPathComponent("broken.json")
        try JSONSerialization.data(withJSONObject: broken).write(to: brokenFile)
        #expect(try Python.run(["Tests/Fixtures/validate-360giving.py", brokenFile.path]).status == 1)

        let csv = try Comity.run(["export", "grants", "--format", "360giving", "--out", "grants-360.csv"], in: folder)
        #expect(csv.status == 0)
        let flat = try String(contentsOf: folder.appendingPathComponent("grants-360.csv"), encoding: .utf8)
        #expect(flat.hasPrefix("Identifier,Title,Description,Currency,Amount Applied For,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,"))
        #expect(flat.split(separator: "\n").count == 370)

        // Into an empty workspace, from each form; a second import changes nothing.
        for file in ["grants-360.json", "grants-360.csv"] {
            let other = try workspace(["comity.lua": "return {}"])
            try FileManager.default.copyItem(at: folder.appendingPathComponent(file), to: other.appendingPathComponent(file))
            let imported = try Comity.run(["import", "grants", file, "--format", "360giving"], in: other)
            #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
            #expect(imported.stdout.contains("369 created, 0 updated, 0 unchanged, 0 rejected"))
            try "local t = grants.sum { 'amount_awarded' } print(grants.count { status = 'awarded' }, t[1].total)"
                .write(to: other.appendingPathComponent("total.lua"), atomically: true, encoding: .utf8)
            #expect(try Comity.run(["run", "total.lua"], in: other).stdout == "369\t1,300,000,000.00 RUB\n")
            let again = try Comity.run(["import", "grants", file, "--format", "360giving"], in: other)
            #expect(again.stdout.contains("0 created, 0 updated, 369 unchanged, 0 rejected"), "\(again.stdout)")
        }
    }
}

/// python3 in a child process, from the package root.
enum Python {
    static func run(_ arguments: [String]) throws -> Comity.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = Comity.packageRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Comity.Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                             stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// What spreadsheets and other systems really send.
@Suite struct ImportBadInputTests {
    func importing(_ name: String, _ data: Data, kind: String = "orgs", extra: [String] = []) throws -> (Comity.Result, URL) {
        let folder = try workspace(["comity.lua": "return {}"])
        try data.write(to: folder.appendingPathComponent(name))
        return (try Comity.run(["import", kind, name] + extra, in: folder), folder)
    }

    @Test func semicolonsAByteOrderMarkBlankLinesAndQuotedNewlines() throws {
        let text = "\u{FEFF}name;country;description\r\n\r\n\"Agency; for Social Information\";RU;\"Two\r\nlines\"\r\n;;\r\nTetradka Druzhby;RU;x\r\n"
        let (result, folder) = try importing("semicolons.csv", Data(text.utf8))
        #expect(result.stdout.contains("2 created, 0 updated, 0 unchanged, 0 rejected"), "\(result.stdout)\(result.stderr)")
        let export = try Comity.run(["export", "orgs"], in: folder)
        // Written back with commas: a ';' needs no quotes there; the line break does.
        #expect(export.stdout.contains("1,Agency; for Social Information,,RU,,,,\"Two\r\nlines\","))
    }

    @Test func unknownAndMissingColumnsAreTheFilesMistakeAndNothingIsImported() throws {
        let (unknown, folder) = try importing("unknown.csv", Data("name,contry\nASI,RU\n".utf8))
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("unknown.csv:1: Organisation has no field 'contry' (did you mean 'country'?)"))
        let (missing, _) = try importing("missing.csv", Data("country,website\nRU,https://asi.org.ru\n".utf8))
        #expect(missing.stderr.contains("missing.csv:1: no column for the required field name"))
        #expect(try Comity.run(["export", "orgs"], in: folder).stdout == "id,name,kind,country,identifier,website,email,description,tags\n")
    }

    @Test func extraCellsInvalidValuesAndDuplicatesAreRowByRow() throws {
        let text = """
            name,kind,country
            ASI,national_ngo,RU,surplus
            Tetradka,national_ngo,RU
            Tetradka,national_ngo,RU
            Lampa,,RU
            Bad kind,charity,RU
            Short row
            """
        let (result, folder) = try importing("rows.csv", Data(text.utf8))
        #expect(result.stdout.contains("3 created, 0 updated, 1 unchanged, 2 rejected"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("rows.csv:2: the row has 4 cells for 3 columns"))
        #expect(result.stderr.contains("rows.csv:6: invalid kind 'charity'"))
        let grants = try Comity.run(["import", "grants", "g.csv"], in: try write("g.csv", """
            identifier,title,funder,recipient,amount_awarded,decided_on
            g-1,A,Tetradka,Lampa,12.345 RUB,2021-01-01
            g-2,B,Tetradka,Lampa,100.00 RUB,2021-02-30
            g-3,C,Tetradka,Lampa,100.00 XYZ,
            """, in: folder))
        #expect(grants.stdout.contains("0 created, 0 updated, 0 unchanged, 3 rejected"), "\(grants.stdout)\(grants.stderr)")
        #expect(grants.stderr.contains("g.csv:2: "))
        #expect(grants.stderr.contains("g.csv:3: invalid decided_on '2021-02-30'"))
        #expect(grants.stderr.contains("g.csv:4: invalid currency 'XYZ'"))
    }

    @Test func textThatIsNotUTF8AndJSONThatIsNotAnArray() throws {
        let latin1 = Data([0x6E, 0x61, 0x6D, 0x65, 0x0A, 0x43, 0x61, 0x66, 0xE9, 0x0A]) // "name\nCafé" in Latin-1
        let (text, _) = try importing("latin1.csv", latin1)
        // The row is rejected with its line and field, as a script's value would be.
        #expect(text.status == 1 && text.stderr.contains("latin1.csv:2: Organisation field 'name' has an invalid byte sequence for UTF-8"), "\(text.stderr)")
        let (json, _) = try importing("object.json", Data(#"{"name": "ASI"}"#.utf8))
        #expect(json.status == 1 && json.stderr.contains("object.json: expected a JSON array of objects"))
    }

    /// A quote that never closes took the rest of the file into one cell ("1 created, 0
    /// rejected", rows B and C gone); an empty file, a pipe and a folder are named as such.
    @Test func anUnterminatedQuoteAnEmptyFileAPipeAndAFolderAreRefusedWithWhy() throws {
        let (quote, folder) = try importing("quote.csv", Data("name,country\nA,DE\n\"B,DE\nC,DE\n".utf8))
        #expect(quote.status == 1)
        #expect(quote.stderr.contains("quote.csv:3: unterminated CSV quoted field"), "\(quote.stderr)")
        #expect(try Comity.run(["export", "orgs"], in: folder).stdout.split(separator: "\n").count == 1) // nothing imported
        let (doubled, _) = try importing("doubled.csv", Data("name,country\n\"The \"\"Quoted\"\" Org\",DE\n".utf8))
        #expect(doubled.stdout.contains("1 created"), "\(doubled.stdout)\(doubled.stderr)")
        let (empty, _) = try importing("empty.csv", Data())
        #expect(empty.stderr.contains("empty.csv: empty, or no header row naming the columns"), "\(empty.stderr)")
        #expect(mkfifo(folder.appendingPathComponent("pipe.csv").path, 0o600) == 0)
        let pipe = try Comity.run(["import", "orgs", "pipe.csv"], in: folder)
        #expect(pipe.status == 1)
        #expect(pipe.stderr.contains("pipe.csv: it is not a regular file (a pipe or a device)"), "\(pipe.stderr)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("dir.csv"), withIntermediateDirectories: true)
        let dir = try Comity.run(["import", "orgs", "dir.csv"], in: folder)
        #expect(dir.stderr.contains("dir.csv: it is a folder, not a file"), "\(dir.stderr)")
    }

    /// Text after a closing quote took the rest of the file into one cell ("2 created, 0
    /// rejected", an organisation named `B",national_ngo,DE\nC,...`, rows C and D gone).
    @Test func textAfterAClosingQuoteOrAQuoteInsideAnUnquotedCellIsRefusedNamingTheLine() throws {
        let rows = "name,kind,country\nA,national_ngo,DE\n\"B\"x,national_ngo,DE\nC,national_ngo,DE\nD,national_ngo,DE\n"
        let (after, folder) = try importing("after.csv", Data(rows.utf8))
        #expect(after.status == 1)
        #expect(after.stderr.contains("after.csv:3: text after the closing quote of a CSV quoted field"), "\(after.stdout)\(after.stderr)")
        #expect(try Comity.run(["export", "orgs"], in: folder).stdout.split(separator: "\n").count == 1) // nothing imported
        let (inside, _) = try importing("inside.csv", Data("name,country\nA,DE\nB\"x\",DE\nC,DE\n".utf8))
        #expect(inside.status == 1)
        #expect(inside.stderr.contains("inside.csv:3: a quote inside a CSV cell that does not start with one"), "\(inside.stdout)\(inside.stderr)")
        // Well-formed quoting still reads: a quoted last cell at the end of the file, CRLF, a byte-order mark, ';'.
        let (good, _) = try importing("good.csv", Data("\u{FEFF}\"name\";country\r\n\"A \"\"x\"\"\";\"DE\"\r\n\"B\";\"DE\"".utf8))
        #expect(good.status == 0 && good.stdout.contains("2 created"), "\(good.stdout)\(good.stderr)")
    }

    @Test func aHundredThousandRows() throws {
        var text = "name,country,identifier\n"
        for i in 1...100_000 { text += "Organisation \(i),RU,\n" }
        let (result, folder) = try importing("many.csv", Data(text.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("100000 created, 0 updated, 0 unchanged, 0 rejected"))
        try "print(orgs.count())".write(to: folder.appendingPathComponent("count.lua"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["run", "count.lua"], in: folder).stdout == "100000\n")
    }

    private func write(_ name: String, _ text: String, in folder: URL) throws -> URL {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return folder
    }
}
