import Foundation
import Testing

/// Every commit queues the workflows its events match, whatever command made it, and
/// is recorded in the run history with an outcome that says what happened.
@Suite struct CommitTriggerCommandTests {
    static let listener = """
        return workflow { name = "thank", on = { "grant.awarded" }, run = function(ctx)
          print("thanking for " .. ctx.trigger.record.title)
        end }
        """

    func awardingWorkspace(_ extra: [String: String] = [:]) throws -> URL {
        var files = ["comity.lua": "return {}", "Scripts/thank.lua": Self.listener, "orgs.csv": "name,country\nFund A,DE\nNGO B,RU\n"]
        files.merge(extra) { $1 }
        let folder = try workspace(files)
        let orgs = try Comity.run(["import", "organisations", "orgs.csv"], in: folder)
        #expect(orgs.status == 0, "\(orgs.stderr)")
        return folder
    }

    @Test func anImportQueuesWhatItsEventsStartAndSaysWhenRowsWereRejected() throws {
        let folder = try awardingWorkspace([
            "grants.csv": """
                title,funder,recipient,amount_requested,amount_awarded,status
                Water,Fund A,NGO B,1000 EUR,900 EUR,awarded
                Nowhere,Fund X,NGO B,1000 EUR,,submitted

                """,
        ])
        let imported = try Comity.run(["import", "grants", "grants.csv"], in: folder)
        #expect(imported.status == 1, "\(imported.stderr)") // a row was rejected
        #expect(imported.stdout.contains("thanking for Water"), "\(imported.stdout)")
        #expect(imported.stderr.contains("grants.csv:3: funder 'Fund X'"), "\(imported.stderr)")
        // No info lines from the runs it started at the default log level.
        #expect(!imported.stderr.contains(" info "), "\(imported.stderr)")
        let runs = try Comity.run(["runs"], in: folder).stdout.listingRows.spacesCollapsed
        let lines = runs.split(separator: "\n")
        #expect(lines.count == 3, "\(runs)")
        #expect(lines.first?.contains("succeeded thank event grant.awarded (grant#1)") == true, "\(runs)")
        let importLine = try #require(lines.first { $0.contains("grants.csv") })
        #expect(importLine.contains("partial"), "\(runs)")
        // One id scheme for every run: the import's is a UUID, its kind in the trigger column.
        #expect(importLine.contains(" import "), "\(runs)")
        #expect(!importLine.hasPrefix("import-"), "\(runs)")
        let id = String(try #require(importLine.split(separator: " ").first))
        let shown = try Comity.run(["runs", "show", id], in: folder)
        #expect(shown.stdout.contains("1 row(s) rejected, the others kept: line 3: funder 'Fund X'"), "\(shown.stdout)")
        let failedOnly = try Comity.run(["runs", "--failed"], in: folder).stdout
        #expect(failedOnly.contains("grants.csv"), "\(failedOnly)")
        // The triggered run names the import as its cause.
        let thank = String(try #require(lines.first?.split(separator: " ").first))
        #expect(try Comity.run(["runs", "show", thank], in: folder).stdout.contains("caused by run \(id)"))
        // An import has no script to run again.
        let retried = try Comity.run(["runs", "retry", id], in: folder)
        #expect(retried.status == 1)
        #expect(retried.stderr.contains("is an import of grants.csv; import the file again"), "\(retried.stderr)")
    }

    @Test func aPluginsImportFormatQueuesToo() throws {
        let folder = try awardingWorkspace([
            "Plugins/lines/plugin.lua": """
                return { name = "lines", version = "1.0.0", comity = ">=0.1", description = "grants, one per line",
                         provides = {
                           functions = {
                             read = { summary = "rows from lines", params = { { "text", "string", "" }, { "kind", "string", "" } },
                                      returns = { { "table[]", "" } } },
                           },
                           formats = { lines = { import = "read" } } } }
                """,
            "Plugins/lines/init.lua": """
                return { read = function(text)
                  local rows = {}
                  for title in text:gmatch("[^\\n]+") do
                    rows[#rows + 1] = { title = title, funder = "Fund A", recipient = "NGO B", amount_requested = "10 EUR",
                                        amount_awarded = "5 EUR", status = "awarded" }
                  end
                  return rows
                end }
                """,
            "grants.txt": "Bread\nRoses\n",
        ])
        let imported = try Comity.run(["import", "grants", "grants.txt", "--format", "lines"], in: folder)
        #expect(imported.status == 0, "\(imported.stdout)\(imported.stderr)")
        #expect(imported.stdout.contains("thanking for Bread"), "\(imported.stdout)")
        #expect(imported.stdout.contains("thanking for Roses"), "\(imported.stdout)")
    }

    @Test func aWritingReplQueuesWhatItsStatementsStartAndIsOneRunInTheHistory() throws {
        let folder = try awardingWorkspace()
        let statements = """
            a = orgs.find { name = "Fund A" }()
            b = orgs.find { name = "NGO B" }()
            g = grants.create { title = "Seeds", funder = a, recipient = b, amount_requested = money("10 EUR") }
            grants.submit(g)
            grants.award(g, { amount_awarded = money("5 EUR") })
            error("not this one")

            """
        let session = try Comity.run(["repl", "--write"], in: folder, input: statements)
        // A piped session in which a statement failed fails.
        #expect(session.status == 1, "\(session.stderr)")
        #expect(session.stdout.contains("thanking for Seeds"), "\(session.stdout)")
        let runs = try Comity.run(["runs"], in: folder).stdout.listingRows.spacesCollapsed
        let repl = try #require(runs.split(separator: "\n").first { $0.contains(" repl repl ") }, "\(runs)")
        #expect(repl.contains("partial repl repl +1 ~1"), "\(runs)")
        let id = String(try #require(repl.split(separator: " ").first))
        let shown = try Comity.run(["runs", "show", id], in: folder).stdout
        #expect(shown.contains("1 statement(s) failed and were rolled back; the first: repl:6: not this one"), "\(shown)")
        #expect(shown.contains("statement 5: grants.award(g, { amount_awarded = money(\"5 EUR\") })"), "\(shown)")

        // Without --write nothing is kept, queued or recorded.
        let before = runs.split(separator: "\n").count
        let tried = try Comity.run(["repl"], in: folder, input: "grants.archive(grants.find{}())\n")
        #expect(tried.status == 0, "\(tried.stderr)")
        #expect(try Comity.run(["runs"], in: folder).stdout.listingRows.split(separator: "\n").count == before)
        // A writing session whose statements all failed is recorded as failed, and one
        // with a syntax error after a kept write as partial.
        let failing = try Comity.run(["repl", "--write"], in: folder, input: "error('only')\n")
        #expect(failing.status == 1)
        let afterFailing = try Comity.run(["runs"], in: folder).stdout.listingRows.spacesCollapsed
        #expect(afterFailing.split(separator: "\n").first?.contains("failed repl repl +0 ~0") == true, "\(afterFailing)")
        let syntax = try Comity.run(["repl", "--write"], in: folder,
                                    input: "orgs.create { name = 'W2', country = 'RU' }\nx = = 1\n")
        #expect(syntax.status == 1)
        let afterSyntax = try Comity.run(["runs"], in: folder).stdout.listingRows.spacesCollapsed
        #expect(afterSyntax.split(separator: "\n").first?.contains("partial repl repl +1 ~0") == true, "\(afterSyntax)")
        let beforeIdle = afterSyntax.split(separator: "\n").count
        // Nor is a writing session that changed nothing.
        let idle = try Comity.run(["repl", "--write"], in: folder, input: "orgs.count()\n")
        #expect(idle.stdout == "3\n", "\(idle.stdout)")
        #expect(try Comity.run(["runs"], in: folder).stdout.listingRows.split(separator: "\n").count == beforeIdle)
    }
}
