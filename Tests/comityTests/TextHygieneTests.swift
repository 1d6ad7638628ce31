import Foundation
import Testing

/// Addresses and headers are checked as whole values with no control characters;
/// text fields refuse NUL bytes and invalid UTF-8, naming the field, on every path
/// that writes one (a script's creates and updates, imports, the repl).
@Suite struct TextHygieneTests {
    static let script = #"""
        local function try(what, f) local ok, e = pcall(f); print(what, ok, e) end
        try("to", function() mail.send { to = "victim@example.org\n", subject = "s", body = "b" } end)
        try("to-cr", function() mail.send { to = "victim@example.org\r\nBcc: x@y.org", subject = "s", body = "b" } end)
        try("subject", function() mail.send { to = "a@b.org", subject = "s\tx", body = "b" } end)
        try("body", function() mail.send { to = "a@b.org", subject = "s", body = "x\0y" } end)
        try("subject-utf8", function() mail.send { to = "a@b.org", subject = "caf\xE9", body = "b" } end)
        try("nul", function() orgs.create { name = "Nul\0Org", country = "RU" } end)
        try("utf8", function() orgs.create { name = "caf\xE9 au lait", country = "RU" } end)
        try("tags", function() orgs.create { name = "Tagged", tags = { "ok", "b\xFFd" } } end)
        local o = orgs.create { name = "Fine", country = "RU", email = "a@b.org" }
        try("email", function() orgs.update(o, { email = "victim@example.org\n" }) end)
        try("update", function() orgs.update(o, { description = "x\0y" }) end)
        try("update-utf8", function() orgs.update(o, { description = "x\xC3" }) end)
        print("count", orgs.count {})
        """#

    @Test func scriptsCannotWriteControlCharactersIntoHeadersNorNulOrInvalidUTF8IntoText() throws {
        let folder = try workspace(["comity.lua": "return {}", "hygiene.lua": Self.script])
        let run = try Comity.run(["run", "hygiene.lua"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        func line(_ what: String) -> String { lines.first { $0.hasPrefix(what + "\t") } ?? "(no line \(what))" }
        #expect(line("to").contains("false") && line("to").contains(#"mail.send: 'to' 'victim@example.org\n' is not an email address"#), "\(line("to"))")
        #expect(line("to-cr").contains("is not an email address"), "\(line("to-cr"))")
        #expect(line("subject").contains("the subject must be one line without control characters"), "\(line("subject"))")
        #expect(line("body").contains("mail.send field 'body' has an invalid byte sequence: a NUL byte (0x00) at byte 2"), "\(line("body"))")
        #expect(line("subject-utf8").contains("mail.send field 'subject' has an invalid byte sequence for UTF-8: 0xe9 at byte 4"), "\(line("subject-utf8"))")
        #expect(line("nul").contains("Organisation field 'name' has an invalid byte sequence: a NUL byte (0x00) at byte 4"), "\(line("nul"))")
        #expect(line("utf8").contains("Organisation field 'name' has an invalid byte sequence for UTF-8: 0xe9 at byte 4"), "\(line("utf8"))")
        #expect(line("tags").contains("Organisation field 'tags' has an invalid byte sequence for UTF-8: 0xff at byte 2"), "\(line("tags"))")
        #expect(line("email").contains("invalid email"), "\(line("email"))")
        #expect(line("update").contains("Organisation field 'description' has an invalid byte sequence: a NUL byte"), "\(line("update"))")
        #expect(line("update-utf8").contains("Organisation field 'description' has an invalid byte sequence for UTF-8: 0xc3 at byte 2"), "\(line("update-utf8"))")
        #expect(line("count") == "count\t1")
        #expect(try Comity.run(["outbox"], in: folder).stdout == "the outbox is empty\n")
        let exported = try Comity.run(["export", "orgs"], in: folder)
        #expect(!exported.stdout.contains("\u{0}") && !exported.stdout.contains("\u{FFFD}"))
    }

    @Test func importsAndTheReplRefuseNulBytesNamingTheField() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "orgs.csv": "name,country,email\nNul\u{0}Org,RU,\nGood,RU,\nMail,RU,\"victim@example.org\n\"\n",
            "orgs.json": #"[{"name": "J\u0000son", "country": "RU"}]"#,
        ])
        let csv = try Comity.run(["import", "orgs", "orgs.csv"], in: folder)
        #expect(csv.status == 1)
        #expect(csv.stderr.contains("orgs.csv:2: Organisation field 'name' has an invalid byte sequence: a NUL byte (0x00) at byte 4"), "\(csv.stderr)")
        #expect(csv.stderr.contains("orgs.csv:4: invalid email"), "\(csv.stderr)")
        let json = try Comity.run(["import", "orgs", "orgs.json"], in: folder)
        #expect(json.status == 1)
        #expect(json.stderr.contains("orgs.json:1: Organisation field 'name' has an invalid byte sequence: a NUL byte"), "\(json.stderr)")
        let repl = try Comity.run(["repl", "--write"], in: folder, input: "orgs.create { name = 'R\\0', country = 'RU' }\norgs.create { name = 'R\\xE9', country = 'RU' }\n")
        #expect(repl.stderr.contains("Organisation field 'name' has an invalid byte sequence: a NUL byte (0x00) at byte 2"), "\(repl.stderr)")
        #expect(repl.stderr.contains("Organisation field 'name' has an invalid byte sequence for UTF-8: 0xe9 at byte 2"), "\(repl.stderr)")
        let exported = try Comity.run(["export", "orgs", "--format", "json"], in: folder)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["name"] as? String } == ["Good"])
    }
}
