import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import LuaBridge
import Testing

/// A workspace folder with a fresh database, and a runner over it.
struct RecordWorkspace {
    let folder: URL
    let store: SQLiteStore

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-records-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try SQLiteStore(path: folder.appendingPathComponent(".comity/comity.db").path)
    }

    func run(_ source: String, dryRun: Bool = false, lines: Lines = Lines()) throws -> ScriptRun {
        let name = "script-\(UUID().uuidString.prefix(8)).lua"
        try source.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        let runner = ScriptRunner(
            workspace: folder, now: try Timestamp(parsing: "2021-01-26T08:00:00Z"), store: store, dryRun: dryRun)
        return runner.run(file: name) { lines.all.append($0) }
    }

    static let world = """
        local asi = orgs.create { name = "Agency for Social Information", kind = "national_ngo", country = "RU",
                                  identifier = "RU-INN-7707083893" }
        local pgf = orgs.create { name = "Presidential Grants Foundation", kind = 60, country = "RU" }
        local un = orgs.create { name = "UN Global Compact Network Russia", kind = "multilateral", country = "RU" }
        for i = 1, 6 do
          local g = grants.create { title = "International project " .. i, funder = pgf, recipient = asi,
                                    programme = "public diplomacy",
                                    amount_awarded = money(1000000 * i, i % 3 == 0 and "USD" or "RUB") }
          grants.submit(g)
          if i % 2 == 0 then grants.award(g, { decided_on = "2021-02-01" }) end
        end
        """
}

@Suite struct RecordAPITests {
    @Test func recordsAreCreatedFoundCountedAndSummed() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run(RecordWorkspace.world + """

            print(orgs.count(), grants.count(), grants.count { status = "awarded" })
            print(orgs.get("ru-inn-7707083893").name, orgs.get(2).kind, grants.get(99))
            for g in grants.find { status = "awarded", order_by = "-title", limit = 2 } do
              print(g.title, g.amount_awarded, g.funder.name, g.status, g.decided_on)
            end
            for _, row in ipairs(grants.sum { "amount_awarded", by = { "funder" }, where = { status = "submitted" } }) do
              print(row.funder.name, row.total)
            end
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == [
            "3\t6\t3",
            "Agency for Social Information\tfoundation\tnil",
            "International project 6\t6,000,000.00 USD\tPresidential Grants Foundation\tawarded\t2021-02-01",
            "International project 4\t4,000,000.00 RUB\tPresidential Grants Foundation\tawarded\t2021-02-01",
            "Presidential Grants Foundation\t6,000,000.00 RUB",
            "Presidential Grants Foundation\t3,000,000.00 USD",
        ])
        #expect(run.events.map(\.name).filter { $0 == "grant.awarded" }.count == 3)
        let audit = try workspace.store.read { tx in try tx.changes(byRun: run.id) }
        #expect(audit.count == 3 + 6 + 6 + 3 * 2) // creations, submits, awards with their dates
        #expect(run.changes.isEmpty) // committed: the changes are in the store, not carried out
    }

    @Test func updatesArchivesAndRestoresShowInTheSameRecord() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run(RecordWorkspace.world + """

            local asi = orgs.get("RU-INN-7707083893")
            orgs.update(asi, { website = "https://asi.org.ru", tags = { "media", "civil society" } })
            print(asi.website, #asi.tags, asi.tags[2])
            orgs.archive(asi)
            print(asi.archived, orgs.count(), orgs.count { archived = true })
            orgs.restore(asi)
            print(asi.archived, orgs.count())
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == ["https://asi.org.ru\t2\tcivil society", "true\t2\t3", "false\t3"])
    }

    @Test(arguments: [
        ("orgs.create { name = 'X', nmae = 'Y' }", ":1: Organisation has no field 'nmae'"),
        ("orgs.create { kind = 'foundation' }", ":1: Organisation needs 'name' (The organisation's name.)"),
        ("orgs.create { name = 'X', country = 'SU' }", ":1: invalid country 'SU'"),
        ("orgs.create { name = 'X', identifier = 'ZZ-1' }", ":1: invalid identifier 'ZZ-1'"),
        ("orgs.create { name = 'X', identifier = 'RU-INN-7707083893' }", ":1: organisation#1 already has identifier 'RU-INN-7707083893'"),
        ("grants.create { title = 'T', funder = orgs.get(2), recipient = orgs.get(1), amount_awarded = 5 }",
         ":1: Grant field 'amount_awarded' must be Money, got integer '5'"),
        ("grants.create { title = 'T', funder = orgs.get(2), recipient = orgs.get(1), applied_on = '2021-13-01' }",
         ":1: invalid applied_on '2021-13-01' (expected a date such as 2021-01-26)"),
        ("grants.award(grants.get(1)) grants.reject(grants.get(1))",
         ":1: cannot reject a grant in status 'awarded' (allowed from: submitted, under_review)"),
        ("local g = grants.get(1) print(g.amount_awarded + money(1, 'USD'))", ":1: cannot add RUB and USD amounts"),
        // A float is an amount only when it is exactly what its digits say.
        ("print(money(0.1 + 0.2, 'EUR'))",
         ":1: invalid amount '0.30000000000000004' (EUR has 2 decimal places); it was a float, which is not exact"),
        ("print(money(2^53 + 1.0, 'EUR'))", ":1: bad argument #1 to 'money' (9007199254740992.0 is beyond the floats that are exact (2^53)"),
        ("print(money(1e-7, 'EUR'))", ":1: bad argument #1 to 'money' (1e-07 is not an exact amount"),
        ("print(money('1,5', 'EUR'))", ":1: invalid amount '1,5': a decimal comma; write '1.5'"),
        // A misspelt field written gets the suggestion a misspelt field read gets.
        ("orgs.create { name = 'x', contry = 'DE' }", ":1: Organisation has no field 'contry' (did you mean 'country'?)"),
        ("grants.update(grants.get(1), { titel = 'x' })", ":1: Grant has no field 'titel' (did you mean 'title'?)"),
        // A function the namespace has not is named, at the caller's line.
        ("grants.awrd(grants.get(1))", ":1: grants has no function 'awrd' (did you mean 'award'?)"),
        ("print(orgs.count { contry = 'DE' })", ":1: Organisation has no field 'contry' (did you mean 'country'?)"),
        ("for g in grants.find { statuss = 'awarded' } do end", ":1: Grant has no field 'statuss' (did you mean 'status'?)"),
        ("print(mail.sned)", ":1: mail has no function 'sned' (did you mean 'send'?)"),
        ("print(grants.get(1).fundr)", ":1: Grant has no field 'fundr' (did you mean 'funder'?)"),
        ("grants.get(1).title = 'x'", ":1: Grant field 'title' is read-only; records change with grants.update(record, { field = value })"),
        ("grants.update(orgs.get(1), { title = 'x' })", ":1: bad argument #1 to 'grants.update' (Grant expected, got Organisation)"),
        ("for g in grants.find { statu = 'awarded' } do end", ":1: Grant has no field 'statu'"),
        ("orgs.clear(orgs.get(1), { 'name' })", ":1: Organisation field 'name' is required; it can be changed but not cleared"),
        ("orgs.clear(orgs.get(1), { 'webiste' })", ":1: Organisation has no field 'webiste'"),
        ("orgs.create { 'ASI' }", ":1: orgs: give fields by name, as { name = value, ... }"),
        ("print(time.parse('2021-01-26T11:00', 'Mars/Olympus'))", ":1: bad argument #2 to 'time.parse' (unknown time zone 'Mars/Olympus'"),
        ("print(time.now():in_zone('Europe/Moskva'))", "unknown time zone 'Europe/Moskva'"),
        ("print(time.now():format('%Y %Q'))", "unknown directive '%Q' in the pattern"),
        ("events.create { title = 'T', kind = 'webinar', time_zone = 'Europe/Moskva' }", ":1: invalid time_zone 'Europe/Moskva'"),
    ])
    func badInputIsNamedAndNothingOfTheRunIsKept(source: String, message: String) throws {
        let workspace = try RecordWorkspace()
        #expect(try workspace.run(RecordWorkspace.world).succeeded)
        let run = try workspace.run("orgs.create { name = 'Kept only if the run succeeds' }\n" + source.replacingOccurrences(of: "\n", with: " "))
        let error = try #require(run.outcome.error)
        #expect(error.message.contains(message.replacingOccurrences(of: ":1:", with: ":2:")), "\(error.message)")
        let count = try workspace.store.read { tx in try tx.count(.organisation, RecordQuery(includeArchived: true)) }
        #expect(count == 3)
    }

    @Test func aDryRunReportsItsChangesAndKeepsNone() throws {
        let workspace = try RecordWorkspace()
        let run = try workspace.run(RecordWorkspace.world, dryRun: true)
        #expect(run.succeeded)
        #expect(run.dryRun)
        #expect(run.changes.count == 21)
        #expect(run.changes.first?.action == .create)
        #expect(run.events.isEmpty)
        #expect(try workspace.store.read { tx in try tx.count(.grant, RecordQuery()) } == 0)
    }

    @Test func withoutADatabaseRecordFunctionsSaySo() throws {
        let sandbox = try LuaSandbox(limits: .default) { _ in }
        try APIRegistry.core.install(in: sandbox, now: Timestamp(secondsSince1970: 0), timeZone: .gmt)
        #expect {
            try sandbox.run("orgs.count()", chunkName: "t.lua")
        } throws: { error in
            (error as? LuaError)?.message == "t.lua:1: 'orgs.count' needs the workspace's database, and this run has none"
        }
    }
}

@Suite struct FullDatabaseTests {
    @Test func aRunThatFillsTheDatabaseFailsWithAClearErrorAndKeepsNothing() throws {
        let workspace = try RecordWorkspace()
        #expect(try workspace.run("orgs.create { name = 'kept' }").succeeded)
        let path = workspace.folder.appendingPathComponent(".comity/comity.db").path
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let cramped = try SQLiteStore(path: path, sizeLimit: max(size, 4096) + 8192)
        let file = workspace.folder.appendingPathComponent("fill.lua")
        try "for i = 1, 5000 do orgs.create { name = ('Organisation %d with a long name'):format(i) } end"
            .write(to: file, atomically: true, encoding: .utf8)
        let run = ScriptRunner(workspace: workspace.folder, store: cramped).run(file: file.path, shownAs: "fill.lua") { _ in }
        let message = try #require(run.outcome.error?.message)
        #expect(message.hasPrefix("fill.lua:1: "), "\(message)")
        #expect(message.contains("the disk is full or failing; the run was rolled back and the database is intact"))
        #expect(try workspace.store.read { tx in try tx.count(.organisation, RecordQuery()) } == 1)
    }
}

@Suite struct EventAndTaskTests {
    @Test func participantsHaveRolesAndAreAddedOnce() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run(RecordWorkspace.world + """

            local asi = orgs.get("RU-INN-7707083893")
            local topoleva = people.create { name = "Elena Topoleva", organisation = asi, role = "director" }
            local ev = events.create { title = "Round table", starts_at = "2021-01-26T08:00:00Z", organisers = { asi } }
            events.add_participant(ev, asi, "organiser")
            events.add_participant(ev, topoleva, "speaker")
            events.add_participant(ev, topoleva, "speaker")
            for _, p in ipairs(events.participants(ev)) do print(p.participant.name, p.role) end
            print(pcall(events.add_participant, ev, topoleva, "guest"))
            print(pcall(events.add_participant, ev, grants.get(1), "sponsor"))
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == [
            "Agency for Social Information\torganiser",
            "Elena Topoleva\tspeaker",
            "false\tinvalid role 'guest' (allowed: organiser, speaker, moderator, sponsor, attendee)",
            "false\tbad argument #2 to 'events.add_participant' (Organisation or Person expected, got Grant)",
        ])
    }

    @Test func tasksAreOverdueByTheRunsClock() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        // The runner's clock is 2021-01-26T08:00:00Z.
        let run = try workspace.run("""
            local late = tasks.create { title = "Report", due = time.parse("2021-01-20") }
            local soon = tasks.create { title = "Thank the speakers", due = time.parse("2021-02-01") }
            local done = tasks.create { title = "Book Zoom", due = time.parse("2021-01-10") }
            tasks.complete(done)
            print(late.overdue, soon.overdue, done.overdue)
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == ["true\tfalse\tfalse"])
    }
}

@Suite struct FieldsAndTimeZoneTests {
    /// A Lua table cannot hold nil, so emptying a field has its own verb; it is audited.
    @Test func clearingAFieldEmptiesItAndIsAudited() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run("""
            local o = orgs.create { name = "ASI", website = "https://asi.org.ru", email = "info@asi.org.ru" }
            print(o.website, o.email)
            orgs.clear(o, { "website", "email" })
            print(o.website, o.email, orgs.get(o.id).website)
            orgs.update(o, { website = nil }) -- no effect: the table has no such key
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == ["https://asi.org.ru\tinfo@asi.org.ru", "nil\tnil\tnil"])
        let audit = try workspace.store.read { tx in try tx.changes(byRun: run.id) }
        let cleared = audit.filter { $0.action == .update }.map { "\($0.field ?? ""): \($0.oldValue ?? "nil") -> \($0.newValue ?? "nil")" }
        #expect(Set(cleared) == ["website: https://asi.org.ru -> nil", "email: info@asi.org.ru -> nil"])
        // The creation's audit entry lists the values given, as JSON in the schema's order.
        #expect(audit.first?.newValue == #"{"name":"ASI","website":"https://asi.org.ru","email":"info@asi.org.ru"}"#)
    }

    /// An event's local times are given and read in the event's own zone; other
    /// times in the workspace's (UTC here) or one chosen by the script.
    @Test func eventTimesAreReadInTheEventsZone() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run(#"""
            local ev = events.create { title = "Round table", kind = "round_table", time_zone = "Europe/Moscow",
                                       starts_at = "2021-01-26T11:00" }
            print(ev.starts_at, ev.starts_at.hour, ev.starts_at.zone, ev.starts_at.unix)
            print((ev.starts_at + time.days(14)).zone, ev.starts_at:in_zone("UTC"))
            events.update(ev, { ends_at = "2021-01-26T13:30" })
            print(ev.ends_at:format("%A %e %B %Y, %H:%M %z (%Z)"), (ev.ends_at - ev.starts_at).seconds)
            local t = time.parse("2021-03-28T01:30", "Europe/London")
            print(t, t.zone, (t + time.hours(1)), time.parse("2021-01-26").zone)
            print(time.parse("2021-01-26T11:00:00+03:00"):format("%d.%m.%y %j %% %b %a"))
            -- A quote, a backslash and a newline in the audit's JSON
            orgs.create { name = "The \"Quoted\" \\ Org\nLtd" }
            """#, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all == [
            "2021-01-26T11:00:00+03:00\t11\tEurope/Moscow\t1611648000",
            "Europe/Moscow\t2021-01-26T08:00:00Z",
            "Tuesday 26 January 2021, 13:30 +0300 (Europe/Moscow)\t9000",
            // 01:30 does not exist in London that night (01:00 GMT became 02:00 BST):
            // it is taken as 30 minutes after the jump, as the clock on the wall would say.
            // The workspace's default zone is called UTC (Foundation's name for it is GMT).
            "2021-03-28T02:30:00+01:00\tEurope/London\t2021-03-28T03:30:00+01:00\tUTC",
            "26.01.21 026 % Jan Tue",
        ])
        let audit = try workspace.store.read { tx in try tx.changes(byRun: run.id) }
        #expect(audit.last?.newValue == #"{"name":"The \"Quoted\" \\ Org\nLtd"}"#)
    }
}

@Suite struct RunLifetimeTests {
    /// A run's Lua state, with the API and records in it, is freed when the run ends:
    /// nothing in the bindings keeps it (a daemon runs thousands of runs).
    @Test func theStateOfARunIsFreed() throws {
        let workspace = try RecordWorkspace()
        weak var released: LuaState?
        try workspace.store.write(commit: false) { transaction in
            let sandbox = try LuaSandbox(limits: .default) { _ in }
            try APIRegistry.core.install(
                in: sandbox, now: Timestamp(secondsSince1970: 0), timeZone: .gmt, transaction: transaction, run: "r")
            try sandbox.run("""
                local o = orgs.create { name = "ASI" }
                local s = tostring(o) .. o.name .. tostring(o == orgs.get(o.id)) .. tostring(money(1, "RUB") + money(2, "RUB"))
                """, chunkName: "t.lua")
            sandbox.close()
            released = sandbox.state
        }
        #expect(released == nil)
    }
}
