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
        #expect(tried.stderr.contains("error: repl:1: attempt to call a nil value (field 'awrd')"), "\(tried.stderr)")
        let history = try String(contentsOf: folder.appendingPathComponent(".comity/repl_history"), encoding: .utf8)
        #expect(history.contains("function double(n)\\n  return n * 2\\nend\n"))

        let kept = try Comity.run(["repl", "--write"], in: folder, input: "orgs.create { name = 'Kept', country = 'RU', kind = 22 }\n")
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(try Comity.run(["repl"], in: folder, input: "orgs.count()\n").stdout == "1\n")

        let unfinished = try Comity.run(["repl"], in: folder, input: "for i = 1, 3 do\n")
        #expect(unfinished.status == 1)
        #expect(unfinished.stderr.contains("the input ended inside a statement"))
    }
}
