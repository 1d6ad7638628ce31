import Foundation
import Testing

/// What goes out through `comity export` comes back through `comity import` as it was:
/// 360Giving packages after grants moved on, grants and organisations without an
/// identifier, event participants, lists; and what cannot be read is said with its place.
@Suite struct ExchangeRoundTripTests {
    /// Two organisations with one name and country and no identifier, a grant that moved
    /// on past awarded, one without an identifier, one without a decision date.
    static let world = """
        local fund = orgs.create { name = "Civic Fund", country = "DE" }
        local a = orgs.create { name = "Neighbours", country = "RU", tags = { "youth", "sport; games" } }
        local b = orgs.create { name = "Neighbours", country = "RU" }
        local function awarded(title, recipient, identifier, decided)
          local g = grants.create { title = title, funder = fund, recipient = recipient, identifier = identifier }
          grants.submit(g)
          grants.award(g, { amount_awarded = money("1000.00 EUR"), decided_on = decided })
          return g
        end
        grants.activate(awarded("Moved on", a, "360G-fund-1", "2021-02-01"))
        awarded("No identifier", b, nil, "2021-03-01")
        awarded("No date", a, "360G-fund-3", nil)
        local ev = events.create { title = "Round table", starts_at = "2021-01-26T10:00:00Z" }
        events.add_participant(ev, fund, "organiser")
        events.add_participant(ev, b, "speaker")
        """

    func seeded() throws -> URL {
        let folder = try workspace(["comity.lua": "return {}", "world.lua": Self.world])
        let run = try Comity.run(["run", "world.lua"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        return folder
    }

    @Test func a360GivingExportReimportsWithNoChangeAndExportsAgainTheSame() throws {
        let folder = try seeded()
        for file in ["grants-360.json", "grants-360.csv"] {
            let first = try Comity.run(["export", "grants", "--format", "360giving", "--out", file], in: folder)
            #expect(first.status == 0, "\(first.stderr)")
            let exported = try Data(contentsOf: folder.appendingPathComponent(file))
            let again = try Comity.run(["import", "grants", file, "--format", "360giving"], in: folder)
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            #expect(again.stdout.contains("0 created, 0 updated, 3 unchanged, 0 rejected"), "\(again.stdout)\(again.stderr)")
            let second = try Comity.run(["export", "grants", "--format", "360giving", "--out", file], in: folder)
            #expect(second.status == 0)
            #expect(try Data(contentsOf: folder.appendingPathComponent(file)) == exported, "\(file) changed")
        }
        let package = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("grants-360.json"))) as? [String: Any])
        let grants = try #require(package["grants"] as? [[String: Any]])
        // Stand-in identifiers are unique; a missing date is left out, not invented.
        #expect(Set(grants.compactMap { $0["id"] as? String }).count == 3)
        // The grant without one was given an identifier of its own, kept on it.
        let minted = try #require(grants.first { $0["title"] as? String == "No identifier" }?["id"] as? String)
        #expect(minted.hasPrefix("360G-comity-") && !minted.hasPrefix("360G-comity-grant-"), "\(minted)")
        let undated = try #require(grants.first { $0["title"] as? String == "No date" })
        #expect(undated["awardDate"] == nil)
        // The funder's country is kept.
        let funder = try #require((undated["fundingOrganization"] as? [[String: Any]])?.first)
        #expect(funder["addressCountry"] as? String == "DE")

        // Into another workspace and back again: the same grants, two organisations named alike.
        let other = try workspace(["comity.lua": "return {}"])
        try FileManager.default.copyItem(at: folder.appendingPathComponent("grants-360.json"), to: other.appendingPathComponent("in.json"))
        let imported = try Comity.run(["import", "grants", "in.json", "--format", "360giving"], in: other)
        #expect(imported.stdout.contains("3 created, 0 updated, 0 unchanged, 0 rejected"), "\(imported.stdout)\(imported.stderr)")
        #expect(try Comity.run(["import", "grants", "in.json", "--format", "360giving"], in: other).stdout
            .contains("0 created, 0 updated, 3 unchanged, 0 rejected"))
        try "print(orgs.count { name = 'Neighbours' }, grants.count())".write(to: other.appendingPathComponent("count.lua"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["run", "count.lua"], in: other).stdout == "2\t3\n")
        // A database whose own grants have no identifier, into which another's came: its
        // export gives every grant its own id, and importing it back changes nothing.
        let third = try workspace(["comity.lua": "return {}", "own.lua": """
            local f = orgs.create { name = "Own Fund", country = "DE" }
            local r = orgs.create { name = "Own Recipient", country = "DE" }
            for _, title in ipairs { "Own one", "Own two" } do
              local g = grants.create { title = title, funder = f, recipient = r }
              grants.submit(g)
              grants.award(g, { amount_awarded = money("5.00 EUR"), decided_on = "2022-01-01" })
            end
            """])
        #expect(try Comity.run(["run", "own.lua"], in: third).status == 0)
        try FileManager.default.copyItem(at: folder.appendingPathComponent("grants-360.json"), to: third.appendingPathComponent("in.json"))
        #expect(try Comity.run(["import", "grants", "in.json", "--format", "360giving"], in: third).stdout.contains("3 created"))
        #expect(try Comity.run(["export", "grants", "--format", "360giving", "--out", "out.json"], in: third).status == 0)
        let mixed = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: third.appendingPathComponent("out.json"))) as? [String: Any])
        let ids = ((mixed["grants"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
        #expect(ids.count == 5 && Set(ids).count == 5, "\(ids)")
        #expect(ids.contains(minted), "\(ids)")
        let back = try Comity.run(["import", "grants", "out.json", "--format", "360giving"], in: third)
        #expect(back.stdout.contains("0 created, 0 updated, 5 unchanged, 0 rejected"), "\(back.stdout)\(back.stderr)")
    }

    /// One grant, awarded, without an identifier, in a workspace of its own.
    func oneUnnamedAwardedGrant() throws -> URL {
        let folder = try workspace(["comity.lua": "return {}", "one.lua": """
            local f = orgs.create { name = "Fund", country = "DE" }
            local r = orgs.create { name = "Recipient", country = "DE" }
            local g = grants.create { title = "Grant", funder = f, recipient = r }
            grants.submit(g)
            grants.award(g, { amount_awarded = money("5.00 EUR"), decided_on = "2022-01-01" })
            """])
        let run = try Comity.run(["run", "one.lua"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        return folder
    }

    func grantIDs(_ file: URL) throws -> [String] {
        let package = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        return ((package["grants"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
    }

    @Test func aGrantsIdentifierInA360GivingExportNeverChangesAndNoOtherGrantIsGivenIt() throws {
        let a = try oneUnnamedAwardedGrant(), b = try oneUnnamedAwardedGrant()
        #expect(try Comity.run(["export", "grants", "--format", "360giving", "--out", "A1.json"], in: a).status == 0)
        #expect(try Comity.run(["export", "grants", "--format", "360giving", "--out", "B.json"], in: b).status == 0)
        let a1 = try grantIDs(a.appendingPathComponent("A1.json")), bIDs = try grantIDs(b.appendingPathComponent("B.json"))
        #expect(a1.count == 1 && bIDs.count == 1 && a1 != bIDs, "\(a1) \(bIDs)")
        try FileManager.default.copyItem(at: b.appendingPathComponent("B.json"), to: a.appendingPathComponent("B.json"))
        let fromB = try Comity.run(["import", "grants", "B.json", "--format", "360giving"], in: a)
        #expect(fromB.stdout.contains("1 created, 0 updated, 0 unchanged"), "\(fromB.stdout)\(fromB.stderr)")
        #expect(try Comity.run(["export", "grants", "--format", "360giving", "--out", "A2.json"], in: a).status == 0)
        let a2 = try grantIDs(a.appendingPathComponent("A2.json"))
        #expect(Set(a2) == Set(a1 + bIDs), "\(a2)")
        // A third workspace takes A's first export, then its second: B's grant is added,
        // A's is not replaced by it.
        let c = try workspace(["comity.lua": "return {}"])
        for name in ["A1.json", "A2.json"] {
            try FileManager.default.copyItem(at: a.appendingPathComponent(name), to: c.appendingPathComponent(name))
        }
        #expect(try Comity.run(["import", "grants", "A1.json", "--format", "360giving"], in: c).stdout.contains("1 created, 0 updated"))
        let second = try Comity.run(["import", "grants", "A2.json", "--format", "360giving"], in: c)
        #expect(second.stdout.contains("1 created, 0 updated, 1 unchanged, 0 rejected"), "\(second.stdout)\(second.stderr)")
        // Exporting again gives A's grant the identifier it was given the first time.
        #expect(try Comity.run(["export", "grants", "--format", "360giving", "--out", "A3.json"], in: a).status == 0)
        #expect(try grantIDs(a.appendingPathComponent("A3.json")) == a2)
    }

    @Test func a360GivingExportHoldsOnlyAwardedGrantsAndItsRoundTripChangesNothing() throws {
        let folder = try workspace(["comity.lua": "return {}", "mixed.lua": """
            local f = orgs.create { name = "Fund", country = "DE" }
            local r = orgs.create { name = "Recipient", country = "DE" }
            local function make(title) return grants.create { title = title, funder = f, recipient = r, amount_awarded = money("5.00 EUR") } end
            make("Draft")
            local rejected = make("Rejected"); grants.submit(rejected); grants.reject(rejected)
            local closed = make("Closed"); grants.submit(closed); grants.award(closed); grants.activate(closed); grants.close(closed)
            local awarded = make("Awarded"); grants.submit(awarded); grants.award(awarded)
            local withdrawn = make("Withdrawn"); grants.submit(withdrawn); grants.withdraw(withdrawn)
            """])
        let seeded = try Comity.run(["run", "mixed.lua"], in: folder)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        #expect(try Comity.run(["export", "grants", "--format", "360giving", "--out", "g.json"], in: folder).status == 0)
        let package = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("g.json"))) as? [String: Any])
        let titles = ((package["grants"] as? [[String: Any]]) ?? []).compactMap { $0["title"] as? String }
        #expect(Set(titles) == ["Closed", "Awarded"], "\(titles)")
        let back = try Comity.run(["import", "grants", "g.json", "--format", "360giving"], in: folder)
        #expect(back.status == 0 && back.stdout.contains("0 created, 0 updated, 2 unchanged, 0 rejected"), "\(back.stdout)\(back.stderr)")
        try "for g in grants.find { order_by = 'id' } do print(g.title, g.status) end".write(
            to: folder.appendingPathComponent("statuses.lua"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["run", "statuses.lua"], in: folder).stdout
            == "Draft\tdraft\nRejected\trejected\nClosed\tclosed\nAwarded\tawarded\nWithdrawn\twithdrawn\n")
    }

    @Test func anExportKeepsParticipantsListsAndOrganisationsNamedAlike() throws {
        let folder = try seeded()
        let orgs = try Comity.run(["export", "orgs", "--format", "json"], in: folder)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(orgs.stdout.utf8)) as? [[String: Any]])
        // Lists are JSON arrays, their items as they are (one holds a ';').
        #expect(objects.first { $0["tags"] != nil }?["tags"] as? [String] == ["youth", "sport; games"], "\(orgs.stdout)")
        let events = try Comity.run(["export", "events"], in: folder)
        #expect(events.stdout.contains(#""[""organiser organisation:Civic Fund"",""speaker organisation:3:Neighbours""]""#), "\(events.stdout)")

        // The same workspace: nothing changes.
        try orgs.stdout.write(to: folder.appendingPathComponent("orgs.json"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["import", "orgs", "orgs.json"], in: folder).stdout.contains("0 created, 0 updated, 3 unchanged"))

        // Another workspace: both organisations named alike, the event with its participants.
        let other = try workspace(["comity.lua": "return {}"])
        try orgs.stdout.write(to: other.appendingPathComponent("orgs.json"), atomically: true, encoding: .utf8)
        let imported = try Comity.run(["import", "orgs", "orgs.json"], in: other)
        #expect(imported.stdout.contains("3 created, 0 updated, 0 unchanged, 0 rejected"), "\(imported.stdout)\(imported.stderr)")
        #expect(try Comity.run(["import", "orgs", "orgs.json"], in: other).stdout.contains("0 created, 0 updated, 3 unchanged"))
        try events.stdout.write(to: other.appendingPathComponent("events.csv"), atomically: true, encoding: .utf8)
        let eventsIn = try Comity.run(["import", "events", "events.csv"], in: other)
        #expect(eventsIn.stdout.contains("1 created, 0 updated, 0 unchanged, 0 rejected"), "\(eventsIn.stdout)\(eventsIn.stderr)")
        #expect(try Comity.run(["export", "events"], in: other).stdout == events.stdout)
        #expect(try Comity.run(["export", "orgs", "--format", "json"], in: other).stdout == orgs.stdout)
    }

    @Test func rowsWithBytesThatAreNotUTF8OrANulAreRejectedWithTheirLineAndTheRestImported() throws {
        var bytes = Array("name,country\nGood One,RU\n".utf8)
        bytes += Array("Bad".utf8) + [0xFF, 0xFE] + Array("Org,RU\n".utf8)
        bytes += Array("Nul".utf8) + [0x00] + Array("Org,RU\n".utf8)
        bytes += Array("Good Two,RU\n".utf8)
        let folder = try workspace(["comity.lua": "return {}"])
        try Data(bytes).write(to: folder.appendingPathComponent("orgs.csv"))
        let result = try Comity.run(["import", "orgs", "orgs.csv"], in: folder)
        #expect(result.status == 1)
        #expect(result.stdout.contains("2 created, 0 updated, 0 unchanged, 2 rejected"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("orgs.csv:3: Organisation field 'name' has an invalid byte sequence for UTF-8"), "\(result.stderr)")
        #expect(result.stderr.contains("orgs.csv:4: Organisation field 'name' has an invalid byte sequence: a NUL byte"), "\(result.stderr)")

        var json = Array(#"[{"name": "Good Three"}, {"name": "Bad"#.utf8) + [0xC3] + Array(#"Org"}, {"name": "Nul\u0000Org"}]"#.utf8)
        json += Array("\n".utf8)
        try Data(json).write(to: folder.appendingPathComponent("orgs.json"))
        let fromJSON = try Comity.run(["import", "orgs", "orgs.json"], in: folder)
        #expect(fromJSON.stdout.contains("1 created, 0 updated, 0 unchanged, 2 rejected"), "\(fromJSON.stdout)\(fromJSON.stderr)")
        #expect(fromJSON.stderr.contains("orgs.json:2: Organisation field 'name' has an invalid byte sequence for UTF-8"), "\(fromJSON.stderr)")
        #expect(fromJSON.stderr.contains("orgs.json:3: Organisation field 'name' has an invalid byte sequence: a NUL byte"), "\(fromJSON.stderr)")
    }

    @Test func theRejectsFileKeepsTheBytesThatWereNotUTF8AndTheReasonGivesTheByte() throws {
        let bad = Array("Caf".utf8) + [0xE9] + Array(" Noir,RU\n".utf8)
        let bytes = Array("name,country\nGood,RU\n".utf8) + bad
        let folder = try workspace(["comity.lua": "return {}"])
        try Data(bytes).write(to: folder.appendingPathComponent("orgs.csv"))
        let result = try Comity.run(["import", "orgs", "orgs.csv"], in: folder)
        #expect(result.stderr.contains("orgs.csv:3: Organisation field 'name' has an invalid byte sequence for UTF-8: 0xe9 at byte 4"), "\(result.stderr)")
        let rejects = [UInt8](try Data(contentsOf: folder.appendingPathComponent("orgs.csv.rejects.csv")))
        // The row as it was, byte for byte, then its line and reason.
        let row = Array("Caf".utf8) + [0xE9] + Array(" Noir,RU,3,".utf8)
        #expect(rejects.indices.contains { rejects[$0...].starts(with: row) }, "\(String(decoding: rejects, as: UTF8.self))")
        #expect(!rejects.starts(with: [0xEF, 0xBF, 0xBD]) && !String(decoding: rejects, as: UTF8.self).contains("\u{FFFD}Noir"))
    }

    @Test func listCellsInCSVComeBackExactly() throws {
        let folder = try workspace(["comity.lua": "return {}", "lists.lua": """
            local a = orgs.create { name = "Alpha; speaker person:1", country = "DE", tags = { "a;b", "c", " spaced ", "", "say \\"hi\\"" } }
            local p = people.create { name = "Pat" }
            local e = events.create { title = "Meet", starts_at = "2021-01-26T10:00:00Z" }
            events.add_participant(e, a, "organiser")
            events.add_participant(e, p, "speaker")
            """])
        let seeded = try Comity.run(["run", "lists.lua"], in: folder)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        let orgs = try Comity.run(["export", "orgs", "--out", "orgs.csv"], in: folder)
        #expect(orgs.status == 0)
        let events = try Comity.run(["export", "events", "--out", "events.csv"], in: folder)
        #expect(events.status == 0)
        let other = try workspace(["comity.lua": "return {}"])
        for name in ["orgs.csv", "events.csv"] {
            try FileManager.default.copyItem(at: folder.appendingPathComponent(name), to: other.appendingPathComponent(name))
        }
        try "name\nPat\n".write(to: other.appendingPathComponent("people.csv"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["import", "orgs", "orgs.csv"], in: other).stdout.contains("1 created"))
        #expect(try Comity.run(["import", "people", "people.csv"], in: other).stdout.contains("1 created"))
        let eventsIn = try Comity.run(["import", "events", "events.csv"], in: other)
        #expect(eventsIn.stdout.contains("1 created, 0 updated, 0 unchanged, 0 rejected"), "\(eventsIn.stdout)\(eventsIn.stderr)")
        try """
            for a in orgs.find { name = "Alpha; speaker person:1" } do
              local shown = {}
              for _, t in ipairs(a.tags) do shown[#shown + 1] = "[" .. t .. "]" end
              print(table.concat(shown))
            end
            for e in events.find {} do
              for _, p in ipairs(events.participants(e)) do print(p.role, p.participant.name) end
            end
            """.write(to: other.appendingPathComponent("show.lua"), atomically: true, encoding: .utf8)
        let shown = try Comity.run(["run", "show.lua"], in: other)
        #expect(shown.stdout == "[a;b][c][ spaced ][][say \"hi\"]\norganiser\tAlpha; speaker person:1\nspeaker\tPat\n", "\(shown.stdout)\(shown.stderr)")
        #expect(try Comity.run(["export", "orgs"], in: other).stdout == (try Comity.run(["export", "orgs"], in: folder)).stdout)
        // The older form, `a; b`, is still read.
        try "name,tags\nOld,x; y\n".write(to: other.appendingPathComponent("old.csv"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["import", "orgs", "old.csv"], in: other).status == 0)
        #expect(try Comity.run(["export", "orgs"], in: other).stdout.contains(#"Old,,,,,,,"[""x"",""y""]""#))
    }

    @Test func aReferenceByAnotherDatabasesIdIsRefusedNotLinkedToAnotherRecord() throws {
        let folder = try workspace(["comity.lua": "return {}", "twins.lua": """
            local t1 = orgs.create { name = "Twin", country = "DE" }
            local t2 = orgs.create { name = "Twin", country = "FR" }
            local r = orgs.create { name = "Recipient", country = "DE" }
            grants.create { title = "G", funder = t1, recipient = r }
            local e = events.create { title = "Meet", starts_at = "2021-01-26T10:00:00Z" }
            events.add_participant(e, t2, "organiser")
            """])
        #expect(try Comity.run(["run", "twins.lua"], in: folder).status == 0)
        #expect(try Comity.run(["export", "grants", "--out", "grants.csv"], in: folder).status == 0)
        #expect(try Comity.run(["export", "events", "--out", "events.csv"], in: folder).status == 0)
        let grants = try String(contentsOf: folder.appendingPathComponent("grants.csv"), encoding: .utf8)
        #expect(grants.contains(",1:Twin,Recipient,"), "\(grants)")
        // Into the same database: the same records.
        #expect(try Comity.run(["import", "grants", "grants.csv"], in: folder).stdout.contains("0 created, 0 updated, 1 unchanged"))
        #expect(try Comity.run(["import", "events", "events.csv"], in: folder).stdout.contains("0 created, 0 updated, 1 unchanged"))
        // Into one whose records 1 and 2 are others: refused, naming line and field.
        let other = try workspace(["comity.lua": "return {}", "others.lua": """
            orgs.create { name = "Other", country = "DE" }
            orgs.create { name = "Another", country = "DE" }
            orgs.create { name = "Recipient", country = "DE" }
            """])
        #expect(try Comity.run(["run", "others.lua"], in: other).status == 0)
        for name in ["grants.csv", "events.csv"] {
            try FileManager.default.copyItem(at: folder.appendingPathComponent(name), to: other.appendingPathComponent(name))
        }
        let grantsIn = try Comity.run(["import", "grants", "grants.csv"], in: other)
        #expect(grantsIn.status == 1 && grantsIn.stdout.contains("0 created, 0 updated, 0 unchanged, 1 rejected"), "\(grantsIn.stdout)")
        #expect(grantsIn.stderr.contains("grants.csv:2: funder '1:Twin': organisation 1 here is 'Other', not 'Twin'"), "\(grantsIn.stderr)")
        let eventsIn = try Comity.run(["import", "events", "events.csv"], in: other)
        #expect(eventsIn.status == 1 && eventsIn.stderr.contains("events.csv:2: participants '2:Twin': organisation 2 here is 'Another', not 'Twin'"), "\(eventsIn.stderr)")
    }

    @Test func aPackageWithOneIDTwiceRejectsTheSecondRowWithItsLine() throws {
        let folder = try workspace(["comity.lua": "return {}"])
        func grant(_ title: String) -> String {
            #"{"id": "360G-x-1", "title": "\#(title)", "currency": "EUR", "amountAwarded": 5, "awardDate": "2022-01-01", "#
                + #""recipientOrganization": [{"id": "GB-CHC-1", "name": "R"}], "fundingOrganization": [{"id": "GB-CHC-2", "name": "F"}]}"#
        }
        try #"{"grants": [\#(grant("First")), \#(grant("Second"))]}"#.write(to: folder.appendingPathComponent("p.json"), atomically: true, encoding: .utf8)
        let result = try Comity.run(["import", "grants", "p.json", "--format", "360giving"], in: folder)
        #expect(result.status == 1 && result.stdout.contains("1 created, 0 updated, 0 unchanged, 1 rejected"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("p.json:2: the row is for the same grant as line 1 (identifier '360G-x-1')"), "\(result.stderr)")
        try "print(grants.get('360G-x-1').title)".write(to: folder.appendingPathComponent("t.lua"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["run", "t.lua"], in: folder).stdout == "First\n")
    }

    @Test func aCSVRowForARecordAnEarlierRowWroteIsRejectedWhenItWouldChangeIt() throws {
        let folder = try workspace(["comity.lua": "return {}", "o.csv": "name\nF\nR\n",
                                    "g.csv": "identifier,title,funder,recipient\ng-1,A,F,R\ng-1,B,F,R\ng-2,C,F,R\ng-2,C,F,R\n"])
        #expect(try Comity.run(["import", "orgs", "o.csv"], in: folder).status == 0)
        let result = try Comity.run(["import", "grants", "g.csv"], in: folder)
        #expect(result.stdout.contains("2 created, 0 updated, 1 unchanged, 1 rejected"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("g.csv:3: the row is for the same grant as line 2 (identifier 'g-1')"), "\(result.stderr)")
        #expect(try Comity.run(["export", "grants"], in: folder).stdout.contains("1,A,F,R,"))
    }

    @Test func aJSONRowWithALoneSurrogateAnObjectOrAnUnknownKeyIsRejectedAloneWithItsLine() throws {
        let folder = try workspace(["comity.lua": "return {}"])
        let json = #"[{"name": "Good"}, {"name": "Bad\ud800"}, {"name": "Obj", "website": {"a": 1}}, {"name": "Extra", "extra": null}, {"name": "Pair \ud83d\ude00"}]"#
        try json.write(to: folder.appendingPathComponent("orgs.json"), atomically: true, encoding: .utf8)
        let result = try Comity.run(["import", "orgs", "orgs.json"], in: folder)
        #expect(result.stdout.contains("2 created, 0 updated, 0 unchanged, 3 rejected"), "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("orgs.json:2: Organisation field 'name' holds a lone surrogate"), "\(result.stderr)")
        #expect(result.stderr.contains("orgs.json:3: Organisation field 'website' must be text"), "\(result.stderr)")
        #expect(result.stderr.contains("orgs.json:4: Organisation has no field 'extra'"), "\(result.stderr)")
    }

    @Test func deeplyNestedJSONIsRefusedWithItsPlaceAndTheLimit() throws {
        let folder = try workspace(["comity.lua": "return {}"])
        let deep = "[{\"name\": \"A\", \"tags\":\n  " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}]\n"
        try deep.write(to: folder.appendingPathComponent("deep.json"), atomically: true, encoding: .utf8)
        let imported = try Comity.run(["import", "orgs", "deep.json"], in: folder)
        #expect(imported.status == 1)
        #expect(imported.stderr.contains("deep.json:2:129: JSON nested deeper than 128 levels"), "\(imported.stderr)")
        let package = try Comity.run(["import", "grants", "deep.json", "--format", "360giving"], in: folder)
        #expect(package.stderr.contains("deep.json:2:129: JSON nested deeper than 128 levels"), "\(package.stderr)")
        // A mistake elsewhere is placed too.
        try "[{\"name\": \"A\",\n  \"country\" \"RU\"}]".write(to: folder.appendingPathComponent("colon.json"), atomically: true, encoding: .utf8)
        let colon = try Comity.run(["import", "orgs", "colon.json"], in: folder)
        #expect(colon.stderr.contains("colon.json: expected a JSON array of objects"), "\(colon.stderr)")
        #expect(colon.stderr.contains("(unexpected '\"' at line 2, column 13)"), "\(colon.stderr)")

        // json.decode in Lua says where and how deep.
        try "local ok, e = pcall(json.decode, '[' .. string.rep('[', 200)) print(e)".write(
            to: folder.appendingPathComponent("deep.lua"), atomically: true, encoding: .utf8)
        let lua = try Comity.run(["run", "deep.lua"], in: folder)
        #expect(lua.stdout.contains("nested deeper than 128 levels at line 1, column 129"), "\(lua.stdout)\(lua.stderr)")
    }

    @Test func everyRunHasAUUIDAndAShortPrefixFindsItOrSaysWhichItCouldBe() throws {
        let folder = try workspace(["comity.lua": "return {}", "orgs.csv": "name,country\nA,RU\n", "hello.lua": "print('hi')"])
        for _ in 1...3 { _ = try Comity.run(["import", "orgs", "orgs.csv"], in: folder) }
        _ = try Comity.run(["run", "hello.lua"], in: folder)
        let listed = try Comity.run(["runs"], in: folder).stdout.listingRows.spacesCollapsed.split(separator: "\n")
        #expect(listed.count == 4)
        let ids = listed.compactMap { $0.split(separator: " ").first.map(String.init) }
        // One scheme: 8 hexadecimal characters (or more, to tell two apart), for imports too.
        #expect(ids.allSatisfy { $0.count >= 8 && $0.allSatisfy(\.isHexDigit) }, "\(listed)")
        #expect(listed.filter { $0.contains(" import ") }.count == 3, "\(listed)")
        let shown = try Comity.run(["runs", "show", String(ids[1].prefix(6))], in: folder)
        #expect(shown.status == 0 && shown.stdout.contains("trigger: import"), "\(shown.stdout)\(shown.stderr)")
        let short = try Comity.run(["runs", "show", "a"], in: folder)
        #expect(short.status == 1 && short.stderr.contains("'a' is too short to name a run: give at least 4 characters"), "\(short.stderr)")
        let none = try Comity.run(["runs", "show", "import-1"], in: folder)
        #expect(none.status == 1, "\(none.stdout)")
    }
}
