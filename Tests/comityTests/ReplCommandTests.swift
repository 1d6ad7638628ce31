import Foundation
import Testing

/// `comity repl` fed from standard input, as a child process on a real workspace.
@Suite struct ReplCommandTests {
    static let statements = """
        o = orgs.create { name = "Tried", country = "RU", kind = 22 }
        o.name, orgs.count()
        function double(n)
          return n * 2
        end
        double(21), "two", { 1, 2, ok = true }
        grants.awrd()
        orgs.count()

        """

    @Test func statementsRunInTransactionsThatRollBackUnlessWriting() throws {
        let folder = try workspace(["comity.lua": "return {}"])
        let tried = try Comity.run(["repl"], in: folder, input: Self.statements)
        // Piped statements are a script: one failed, so the command does.
        #expect(tried.status == 1, "\(tried.stderr)")
        // Each statement is its own transaction: the organisation is gone by the next one.
        #expect(tried.stdout == "\"Tried\"\t0\n42\t\"two\"\t{ 1, 2, ok = true }\n0\n", "\(tried.stdout)")
        #expect(tried.stderr.contains("error: repl:7: grants has no function 'awrd' (did you mean 'award'?)"), "\(tried.stderr)")
        let history = try String(contentsOf: folder.appendingPathComponent(".comity/repl_history"), encoding: .utf8)
        #expect(history.contains("function double(n)\\n  return n * 2\\nend\n"))

        let kept = try Comity.run(["repl", "--write"], in: folder, input: "orgs.create { name = 'Kept', country = 'RU', kind = 22 }\n")
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(try Comity.run(["repl"], in: folder, input: "orgs.count()\n").stdout == "1\n")

        let unfinished = try Comity.run(["repl"], in: folder, input: "for i = 1, 3 do\n")
        #expect(unfinished.status == 1)
        #expect(unfinished.stderr.contains("the input ended inside a statement"))
    }

    /// A read-only session keeps no mark of its ids in the file, so another process may
    /// take them: a handle its rolled-back statement made is refused all the same.
    @Test func aHandleFromARolledBackStatementIsRefusedWhenAnotherProcessTookItsId() throws {
        let folder = try workspace(["real.lua": "print(orgs.create { name = 'Real', country = 'DE' }.id)"])
        let repl = Process()
        repl.executableURL = Comity.executable
        repl.arguments = ["repl"]
        repl.currentDirectoryURL = folder
        let input = Pipe()
        let output = Pipe()
        let errors = folder.appendingPathComponent(".repl-errors")
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        repl.standardInput = input
        repl.standardOutput = output
        repl.standardError = try FileHandle(forWritingTo: errors)
        try repl.run()
        input.fileHandleForWriting.write(Data("o = orgs.create { name = 'Dry', country = 'DE' }; print(o.id)\n".utf8))
        let first = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        let real = try Comity.run(["run", "real.lua"], in: folder)
        #expect(real.stdout == first, "the other process took the same id: \(real.stdout) \(first)")
        input.fileHandleForWriting.write(Data("orgs.update(o, { name = 'Hacked' })\n".utf8))
        try input.fileHandleForWriting.close()
        repl.waitUntilExit()
        let stderr = try String(contentsOf: errors, encoding: .utf8)
        #expect(stderr.contains("orgs.update: Organisation \(first.trimmingCharacters(in: .whitespacesAndNewlines)) does not exist (it was rolled back"),
                "\(stderr)")
        #expect(try Comity.run(["repl"], in: folder, input: "orgs.find{}().name\n").stdout == "\"Real\"\n")
    }

    /// Issue 14: a handle to a record a rolled-back statement made never points at a
    /// later record; ids are never handed out again.
    @Test func aHandleToARolledBackRecordIsRefusedNotReused() throws {
        let folder = try workspace(["comity.lua": "return {}"])
        let session = """
            o = orgs.create { name = "First", country = "RU" }; error("x")
            p = orgs.create { name = "Second", country = "RU" }
            orgs.update(o, { name = "Renamed" })
            grants.create { title = "Self", funder = o, recipient = p }
            p.id > o.id, orgs.get(p.id).name, grants.count(), orgs.count()

            """
        let written = try Comity.run(["repl", "--write"], in: folder, input: session)
        #expect(written.status == 1, "\(written.stderr)") // piped, and statements failed
        #expect(written.stdout == "true\t\"Second\"\t0\t1\n", "\(written.stdout)")
        #expect(written.stderr.contains("repl:1: x"), "\(written.stderr)")
        #expect(written.stderr.contains("repl:3: orgs.update: Organisation 1 does not exist (it was rolled back, or never committed)"),
                "\(written.stderr)")
        #expect(written.stderr.contains("Grant field 'funder': Organisation 1 does not exist"), "\(written.stderr)")

        // Without --write every statement is rolled back: the same refusals, and the
        // file is left as it was (its ids are kept in the process only).
        let tried = try Comity.run(["repl"], in: folder, input: """
            q = orgs.create { name = "Tried", country = "RU" }
            r = orgs.create { name = "Tried again", country = "RU" }
            r.id > q.id
            orgs.update(q, { name = "Renamed" })

            """)
        #expect(tried.stdout == "true\n", "\(tried.stdout)\(tried.stderr)")
        #expect(tried.stderr.contains("Organisation 3 does not exist"), "\(tried.stderr)")
        // A new process hands out 3 again: the dry statements did not touch the file.
        let sequence = try Comity.run(["repl", "--write"], in: folder, input: "orgs.create { name = 'Next', country = 'RU' }.id\n")
        #expect(sequence.stdout == "3\n", "\(sequence.stdout)\(sequence.stderr)")
    }
}
