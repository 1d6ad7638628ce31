import Foundation
import Testing

/// `comity report` on the seed's world with the demo settings: the shipped reports in
/// every format.
@Suite struct ReportCommandTests {
    /// A workspace like `make demo`'s: the demo settings, the shipped scripts, the seed.
    static func demoWorkspace() throws -> URL {
        let folder = try workspace([:], configured: false)
        let scripts = Comity.packageRoot.appendingPathComponent("Scripts")
        try FileManager.default.copyItem(at: scripts, to: folder.appendingPathComponent("Scripts"))
        try FileManager.default.copyItem(at: scripts.appendingPathComponent("demo/comity.lua"), to: folder.appendingPathComponent("comity.lua"))
        let seeded = try Comity.run(["run", "Scripts/seed-world.lua"], in: folder)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        return folder
    }

    @Test func theShippedReportsShowTheSeedsFigures() throws {
        let folder = try Self.demoWorkspace()
        let grants = try Comity.run(["report", "grants-by-funder"], in: folder)
        #expect(grants.status == 0, "\(grants.stderr)")
        #expect(grants.stdout.hasPrefix("# Grants awarded by funder and programme\n\nDecisions since 2017-01-01: 369 projects, 1,300,000,000.00 RUB\n"))
        #expect(grants.stdout.contains("| Presidential Grants Foundation | public diplomacy | 369      | 1,300,000,000.00 RUB |"))
        let period = try Comity.run(["report", "grants-by-funder", "--param", "from=2019-01-01", "--param", "to=2019-12-31"], in: folder)
        #expect(period.stdout.contains("Decisions from 2019-01-01 to 2019-12-31: 92 projects, 324,119,241.19 RUB"), "\(period.stdout)\(period.stderr)")

        let funnel = try Comity.run(["report", "intake-funnel"], in: folder)
        #expect(funnel.stdout.contains("50 applications received; 45 dismissed (90%), 5 accepted"))
        #expect(funnel.stdout.contains("| no practical application | 45           | 100%               |"))

        let survey = try Comity.run(["report", "international-cooperation"], in: folder)
        #expect(survey.stdout.contains("61% of 100 organisations surveyed already cooperate internationally"))

        let followups = try Comity.run(["report", "followups-by-organisation", "--now", "2021-03-01"], in: folder)
        #expect(followups.stdout.contains("| Agency for Social Information | 1          | 1       |"), "\(followups.stdout)")
        let partnerships = try Comity.run(["report", "partnerships-by-country"], in: folder)
        #expect(partnerships.status == 0, "\(partnerships.stderr)")

        // Nothing a report does is kept: it is recorded as a dry run.
        let runs = try Comity.run(["runs", "--limit", "1", "--json"], in: folder)
        #expect(runs.stdout.contains("\"dry_run\" : true"))
    }

    /// A year between the first and the last decision in which nothing was awarded in
    /// roubles is charted as 0.00 RUB: a chart takes one currency, never plain numbers
    /// beside Money (`make demo` met this with a euro grant decided years later).
    @Test func aYearWithoutRoublesIsChartedAsNothingInRoubles() throws {
        let folder = try Self.demoWorkspace()
        try """
            local funder, recipient
            for o in orgs.find { limit = 2 } do if funder then recipient = o else funder = o end end
            local g = grants.create { title = "Later, in euros", funder = funder, recipient = recipient,
                                      amount_requested = money(1000, "EUR") }
            grants.submit(g)
            grants.award(g, { amount_awarded = money(1000, "EUR"), decided_on = "2025-06-01" })
            """.write(to: folder.appendingPathComponent("later.lua"), atomically: true, encoding: .utf8)
        let added = try Comity.run(["run", "later.lua"], in: folder)
        #expect(added.status == 0, "\(added.stderr)")
        let report = try Comity.run(["report", "grants-by-funder"], in: folder)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("1,000.00 EUR"), "\(report.stdout)")
        #expect(report.stdout.contains("2024"), "\(report.stdout)")
    }

    @Test func reportsRenderAsCSVJSONAndOneHTMLFile() throws {
        let folder = try Self.demoWorkspace()
        let csv = try Comity.run(["report", "intake-funnel", "--format", "csv"], in: folder)
        #expect(csv.stdout.hasPrefix("Where applications stand\nStatus,Applications,Share\nreceived,0,0%\n"), "\(csv.stdout)")
        let json = try Comity.run(["report", "intake-funnel", "--format", "json"], in: folder)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(document["title"] as? String == "Intake funnel")
        #expect((document["sections"] as? [[String: Any]])?.first?["chart"] != nil)

        try FileManager.default.createDirectory(at: folder.appendingPathComponent("out"), withIntermediateDirectories: true)
        let html = try Comity.run(["report", "grants-by-funder", "--out", "out/grants.html"], in: folder)
        #expect(html.status == 0, "\(html.stderr)")
        let page = try String(contentsOf: folder.appendingPathComponent("out/grants.html"), encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.components(separatedBy: "<svg ").count == 3) // a bar chart and a line chart
        #expect(page.contains("<polyline points="))
        #expect(!page.contains("<script"))
        // Self-contained: no links, no sources; the only address is the SVG namespace.
        #expect(!page.contains("<link") && !page.contains("src="))
        #expect(page.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "https?://", options: .regularExpression) == nil)
        #expect(page.contains("@media print"))
    }

    @Test func textInAReportIsEscapedAndMistakesAreNamed() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "Scripts/reports/odd.lua": """
                return report { title = "<b>Odd</b> & \\"quoted\\"", sections = {
                  { heading = "One", table = { columns = { "a" }, rows = { { "<script>alert(1)</script>" } } },
                    chart = { kind = "bar", labels = { "x<y" }, values = { 3 } } } } }
                """,
            "Scripts/reports/broken.lua": "return report { title = 'T', sections = { { chart = { kind = 'pie', labels = {}, values = {} } } } }",
            "Scripts/reports/nothing.lua": "print('no report here')",
        ])
        let html = try Comity.run(["report", "odd", "--format", "html"], in: folder)
        #expect(html.stdout.contains("<h1>&lt;b&gt;Odd&lt;/b&gt; &amp; &quot;quoted&quot;</h1>"))
        #expect(html.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.stdout.contains("<script>"))
        let broken = try Comity.run(["report", "broken"], in: folder)
        #expect(broken.status == 1 && broken.stderr.contains("report: section 1: chart kind 'pie' is not bar or line"))
        let nothing = try Comity.run(["report", "nothing"], in: folder)
        #expect(nothing.status == 1 && nothing.stderr.contains("returned no report"))
        let unknown = try Comity.run(["report", "nowhere"], in: folder)
        #expect(unknown.status != 0 && unknown.stderr.contains("no report 'nowhere'") && unknown.stderr.contains("reports: broken, nothing, odd"))
    }
}

/// The HTML report in a real browser: Debian's chromium, headless (`make test`
/// installs it). The page loads without console errors and its charts are there.
@Suite struct ReportBrowserTests {
    @Test func theHTMLReportRendersInHeadlessChromium() throws {
        let chromium = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                    "chromium is not installed (make test installs it)")
        let folder = try ReportCommandTests.demoWorkspace()
        let page = folder.appendingPathComponent("grants.html")
        #expect(try Comity.run(["report", "grants-by-funder", "--out", page.path], in: folder).status == 0)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                             "--user-data-dir=\(folder.appendingPathComponent(".chromium").path)", "--dump-dom", page.absoluteString]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(log)")
        // The page's own messages; the browser's complaints about D-Bus in a container are not the page's.
        let pageErrors = log.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        #expect(pageErrors.isEmpty, "\(pageErrors)")
        #expect(dom.contains("<h1>Grants awarded by funder and programme</h1>"))
        #expect(dom.components(separatedBy: "<svg").count == 3)
        #expect(dom.contains("<polyline") && dom.contains("<rect"))
    }
}

/// Reports for machines and charts that compare only what compares.
@Suite struct ReportMachineFormatTests {
    static let files = [
        "comity.lua": "return {}",
        "Scripts/reports/money.lua": """
            return report { title = "Money", sections = {
              { heading = "Grants", table = { columns = { "Funder", "Awarded", "Projects", "Share", "Open" },
                rows = { { "PGF", money("8450000.00 RUB"), 369, 0.25, true }, { "Other", "", 2, 1.5, false } } } },
              { heading = "Balance", chart = { kind = "bar", labels = { "In", "Out" },
                values = { money("120.00 EUR"), money("-80.00 EUR") } } } } }
            """,
        "Scripts/reports/mixed.lua": """
            return report { title = "Mixed", sections = {
              { chart = { kind = "bar", labels = { "a", "b" }, values = { money("1.00 RUB"), money("1.00 EUR") } } } } }
            """,
    ]

    /// Text cells starting with `=`, `+`, `-` or `@` were written as they were, and a
    /// spreadsheet opening the CSV ran them as formulas; a chart's label column had no
    /// title; a line break in a cell broke the Markdown table.
    @Test func csvNeutralisesFormulaTextOnlyAndNamesTheLabelColumnAndMarkdownKeepsRowsOnOneLine() throws {
        let folder = try workspace(["comity.lua": "return {}", "Scripts/reports/inject.lua": """
            return report { title = "Inject", sections = {
              { heading = "Cells", table = { columns = { "Name", "Count" },
                rows = { { "=HYPERLINK(\\"http://x\\")", -5 }, { "+1", 2 }, { "@SUM(A1)", 3 }, { "two\\nlines", 4 } } } },
              { heading = "Chart", chart = { kind = "bar", labels = { "-x", "y" }, values = { -3, 4 } } } } }
            """])
        let csv = try Comity.run(["report", "inject", "--format", "csv"], in: folder)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout.contains("Name,Count\n\"'=HYPERLINK(\"\"http://x\"\")\",-5\n'+1,2\n'@SUM(A1),3\n"), "\(csv.stdout)")
        #expect(csv.stdout.contains("Chart\nlabel,value\n'-x,-3\ny,4\n"), "\(csv.stdout)")
        let markdown = try Comity.run(["report", "inject", "--format", "md"], in: folder)
        #expect(markdown.stdout.contains("| two<br>lines"), "\(markdown.stdout)")
        #expect(!markdown.stdout.contains("two\nlines"), "\(markdown.stdout)")
    }

    /// 1/0 in a table was written to JSON as the string "inf"; NaN in a chart was
    /// refused as "chart values must be numbers or Money".
    @Test func aNumberThatIsNotFiniteIsRefusedWithItsSectionNamed() throws {
        let folder = try workspace(["comity.lua": "return {}",
            "Scripts/reports/inf.lua": "return report { title = 'T', sections = { { table = { columns = { 'A' }, rows = { { 1/0 } } } } } }",
            "Scripts/reports/nan.lua": "return report { title = 'T', sections = { { heading = 'h' }, { chart = { kind = 'bar', labels = { 'a' }, values = { 0/0 } } } } }"])
        let inf = try Comity.run(["report", "inf", "--format", "json"], in: folder)
        #expect(inf.status == 1 && inf.stderr.contains("report: section 1: table row 1, column 'A': inf is not a finite number"), "\(inf.stdout)\(inf.stderr)")
        let nan = try Comity.run(["report", "nan", "--format", "json"], in: folder)
        #expect(nan.status == 1 && nan.stderr.contains("report: section 2: chart value") && nan.stderr.contains("is not a finite number"), "\(nan.stdout)\(nan.stderr)")
    }

    @Test func csvAndJSONCarryPlainValuesAndTextKeepsTheFormatting() throws {
        let folder = try workspace(Self.files)
        let csv = try Comity.run(["report", "money", "--format", "csv"], in: folder)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout.hasPrefix("Grants\nFunder,Awarded,Awarded currency,Projects,Share,Open\nPGF,8450000.00,RUB,369,0.25,true\nOther,,,2,1.5,false\n"), "\(csv.stdout)")
        #expect(csv.stdout.contains("In,120,EUR\nOut,-80,EUR\n"), "\(csv.stdout)")
        let json = try Comity.run(["report", "money", "--format", "json"], in: folder)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let sections = try #require(document["sections"] as? [[String: Any]])
        let rows = try #require((sections.first?["table"] as? [String: Any])?["rows"] as? [[Any]])
        let awarded = try #require(rows.first?[1] as? [String: Any])
        #expect((awarded["amount"] as? NSNumber)?.doubleValue == 8_450_000 && awarded["currency"] as? String == "RUB")
        #expect((rows.first?[2] as? NSNumber)?.intValue == 369)
        #expect(rows.last?[1] as? String == "")
        #expect((sections.last?["chart"] as? [String: Any])?["currency"] as? String == "EUR")
        let text = try Comity.run(["report", "money"], in: folder)
        #expect(text.stdout.contains("| PGF    | 8,450,000.00 RUB | 369      | 0.25  | yes  |"), "\(text.stdout)")
    }

    @Test func aChartRefusesMixedCurrenciesAndDrawsNegativeValuesLeftOfZero() throws {
        let folder = try workspace(Self.files)
        let mixed = try Comity.run(["report", "mixed"], in: folder)
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains("report: section 1: a chart's values must be in one currency, but these mix EUR, RUB"), "\(mixed.stderr)")
        let text = try Comity.run(["report", "money"], in: folder)
        // The negative bar ends at the axis from the left; the positive one starts there.
        let bar = String(repeating: "█", count: 40)
        let short = String(repeating: "█", count: 27)
        #expect(text.stdout.contains("    In  " + String(repeating: " ", count: 27) + "│" + bar + " 120 EUR\n"), "\(text.stdout)")
        #expect(text.stdout.contains("    Out " + short + "│ -80 EUR\n"), "\(text.stdout)")
        let html = try Comity.run(["report", "money", "--format", "html"], in: folder)
        #expect(html.stdout.contains("<line class=\"zero\""), "\(html.stdout)")
        #expect(try Comity.run(["report", "mixed"], in: folder).stdout.isEmpty)
        // The negative bar's right edge is the axis: x + width == axis.
        let rects = html.stdout.components(separatedBy: "<rect x=\"").dropFirst().compactMap { part -> (Double, Double)? in
            let x = Double(part.prefix { $0 != "\"" })
            let width = part.components(separatedBy: "width=\"").dropFirst().first.flatMap { Double($0.prefix { $0 != "\"" }) }
            return x.flatMap { x in width.map { (x, $0) } }
        }
        #expect(rects.count == 2)
        if rects.count == 2 {
            #expect(abs(rects[1].0 + rects[1].1 - rects[0].0) < 0.2, "\(rects)")
            #expect(rects[0].1 > rects[1].1)
        }
    }
}
