import Foundation
import Testing

/// What a failed pcall keeps, seen by the next command: nothing.
@Suite struct PcallCommandTests {
    @Test func anOrganisationWrittenInsideAFailedPcallIsNotThereAfterTheRun() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "Scripts/half.lua": """
                local ok, e = pcall(function() orgs.create { name = "Half" }; error("x") end)
                print(ok, e)
                orgs.create { name = "Whole" }
                """,
        ])
        let run = try Comity.run(["run", "Scripts/half.lua"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("false\tScripts/half.lua:1: x"), "\(run.stdout)")
        let read = try Comity.run(["repl"], in: folder, input: "orgs.count()\nlocal names = {} for o in orgs.find {} do names[#names + 1] = o.name end return table.concat(names, ',')\n")
        #expect(read.stdout == "1\n\"Whole\"\n", "\(read.stdout) \(read.stderr)")

        // The same in a statement of `comity repl --write`.
        let repl = try Comity.run(["repl", "--write"], in: folder, input: """
            pcall(function() orgs.create { name = 'Repl' }; error('x') end)
            orgs.count()

            """)
        #expect(repl.status == 0, "\(repl.stderr)")
        #expect(repl.stdout.hasSuffix("\n1\n"), "\(repl.stdout)")
    }
}
