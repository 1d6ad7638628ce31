import Foundation
import Testing

/// `comity plugins list`, and a plugin's functions in `comity api docs` and in a run.
@Suite struct PluginsCommandTests {
    @Test func pluginsAreListedWithTheirStatusAndUsedByRuns() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "Plugins/greet/plugin.lua": """
                return { name = "greet", version = "1.0.0", comity = ">=0.1", description = "Greets organisations",
                         permissions = { "send_mail" },
                         provides = { functions = { hello = { summary = "A greeting",
                           params = { { "name", "string", "whom" } }, returns = { { "string", "the greeting" } } } } } }
                """,
            "Plugins/greet/init.lua": "return { hello = function(name) return 'Hello, ' .. name end }",
            "Plugins/old/plugin.lua": "return { name = 'old', version = '0.9', comity = '>=3', description = 'for a later comity' }",
            "Scripts/hello.lua": "print(require('greet').hello('Memorial'))",
        ])
        let listed = try Comity.run(["plugins", "list"], in: folder)
        #expect(listed.status == 1)
        #expect(listed.stdout.contains("greet 1.0.0  loaded\n  Greets organisations\n  permissions: send_mail; not granted in comity.lua: send_mail\n  functions: greet.hello"), "\(listed.stdout)")
        #expect(listed.stdout.contains("old 0.9  error\n  error: Plugins/old/plugin.lua: needs comity >=3, and this is comity 0.1.0"))
        let json = try Comity.run(["plugins", "list", "--json"], in: folder)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["status"] as? String } == ["loaded", "error"])
        let run = try Comity.run(["run", "Scripts/hello.lua"], in: folder)
        #expect(run.stdout == "Hello, Memorial\n", "\(run.stderr)")
        let docs = try Comity.run(["api", "docs"], in: folder)
        #expect(docs.stdout.contains("### `greet.hello(name)` → `string`"))
        #expect(docs.stdout.contains("From plugin `greet`."))
    }

    @Test func aPluginWritesAReportFormat() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "Plugins/deck/plugin.lua": """
                return { name = "deck", version = "1.0.0", comity = ">=0.1", description = "Reports as slides",
                         provides = {
                           functions = { render = { summary = "A report as slides", params = { { "report", "table", "the report" } },
                                                    returns = { { "string", "the slides" } } } },
                           renderers = { slides = "render" } } }
                """,
            "Plugins/deck/init.lua": """
                return { render = function(r)
                  local out = { "=== " .. r.title .. " ===" }
                  for i, section in ipairs(r.sections) do out[#out + 1] = ("--- slide %d: %s"):format(i, section.heading) end
                  return table.concat(out, "\\n") .. "\\n"
                end }
                """,
            "Scripts/reports/count.lua": """
                return report { title = "Organisations", sections = {
                  { heading = "How many", text = { tostring(orgs.count()) } }, { heading = "Next", text = { "more" } } } }
                """,
        ])
        let slides = try Comity.run(["report", "count", "--format", "slides"], in: folder)
        #expect(slides.status == 0, "\(slides.stderr)")
        #expect(slides.stdout == "=== Organisations ===\n--- slide 1: How many\n--- slide 2: Next\n")
        let markdown = try Comity.run(["report", "count"], in: folder)
        #expect(markdown.stdout.hasPrefix("# Organisations"))
        let unknown = try Comity.run(["report", "count", "--format", "pdf"], in: folder)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no report format 'pdf' (formats: md, csv, json, html, slides)"), "\(unknown.stderr)")
    }

    @Test func aPluginProvidesAnImportAndExportFormat() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "Plugins/vcard/plugin.lua": """
                return { name = "vcard", version = "1.0.0", comity = ">=0.1", description = "Organisations as vCards",
                         provides = {
                           functions = {
                             write = { summary = "vCards of records", params = { { "records", "table", "" }, { "kind", "string", "" } },
                                       returns = { { "string", "" } } },
                             read = { summary = "rows from vCards", params = { { "text", "string", "" }, { "kind", "string", "" } },
                                      returns = { { "table[]", "" } } },
                           },
                           formats = { vcard = { export = "write", import = "read" } } } }
                """,
            "Plugins/vcard/init.lua": """
                return {
                  write = function(records)
                    local out = {}
                    for _, o in ipairs(records) do out[#out + 1] = "BEGIN:VCARD\\nFN:" .. o.name .. "\\nADR:" .. o.country .. "\\nEND:VCARD" end
                    return table.concat(out, "\\n") .. "\\n"
                  end,
                  read = function(text)
                    local rows = {}
                    for card in text:gmatch("BEGIN:VCARD(.-)END:VCARD") do
                      rows[#rows + 1] = { name = card:match("FN:([^\\n]+)"), country = card:match("ADR:(%a+)"), kind = "national_ngo" }
                    end
                    return rows
                  end,
                }
                """,
            "cards.vcf": "BEGIN:VCARD\nFN:Memorial\nADR:RU\nEND:VCARD\nBEGIN:VCARD\nFN:Lampa\nADR:RU\nEND:VCARD\nBEGIN:VCARD\nFN:Nowhere\nADR:QQ\nEND:VCARD\n",
        ])
        let imported = try Comity.run(["import", "organisation", "cards.vcf", "--format", "vcard"], in: folder)
        #expect(imported.status == 1, "\(imported.stdout)\(imported.stderr)")
        #expect(imported.stdout.contains("2 created"), "\(imported.stdout)")
        #expect(imported.stderr.contains("cards.vcf:3: "), "\(imported.stderr)") // the third card
        #expect(imported.stderr.contains("'QQ'"))
        let exported = try Comity.run(["export", "organisation", "--format", "vcard"], in: folder)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout == "BEGIN:VCARD\nFN:Memorial\nADR:RU\nEND:VCARD\nBEGIN:VCARD\nFN:Lampa\nADR:RU\nEND:VCARD\n")
        try exported.stdout.write(to: folder.appendingPathComponent("again.vcf"), atomically: true, encoding: .utf8)
        let again = try Comity.run(["import", "organisation", "again.vcf", "--format", "vcard"], in: folder)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("0 created"), "\(again.stdout)")
        let unknown = try Comity.run(["export", "organisation", "--format", "ical"], in: folder)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("unknown format 'ical' (formats: csv, json, 360giving, vcard)"))
    }
}
