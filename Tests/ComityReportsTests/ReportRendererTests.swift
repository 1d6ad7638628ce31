import ComityReports
import Foundation
import LuaBridge
import Testing

/// A report as a script returns it, read from a real Lua table and rendered without
/// the engine: what `comity report` writes in each format.
@Suite struct ReportRendererTests {
    func document(_ source: String) throws -> ReportDocument {
        let sandbox = try LuaSandbox(limits: .default) { _ in }
        defer { sandbox.close() }
        guard case .table(let table)? = try sandbox.run(source, chunkName: "report.lua").first else {
            throw LuaScriptError("the script returned no table")
        }
        func text(_ value: LuaValue) -> String? {
            switch value {
            case .nil: ""
            case .integer(let i): String(i)
            case .number(let d): ReportHTML.number(d, unit: nil)
            case .string(let s): s.description
            default: nil
            }
        }
        func plain(_ value: LuaValue) -> ReportDocument.Value {
            switch value {
            case .integer(let i): .integer(i)
            case .number(let d): .number(d)
            default: text(value).map { .text($0) } ?? .empty
            }
        }
        return try ReportDocument(table, text: text, plain: plain, number: { value in
            if case .integer(let i) = value { return .init(value: Double(i)) }
            return nil
        })
    }

    let grants = """
        return { title = "Grants", sections = {
          { heading = "By partner", text = "Awarded this year.",
            table = { columns = { "partner", "grants" }, rows = { { "=HYPERLINK(1)", 3 }, { "Fund -5", -5 } } } },
        } }
        """

    @Test func csvNeutralisesFormulasAndKeepsNumbers() throws {
        let csv = try ReportRenderer.render(try document(grants), as: .csv)
        #expect(csv.contains("'=HYPERLINK(1),3"), "\(csv)")
        #expect(csv.contains("Fund -5,-5"), "\(csv)")
        #expect(!csv.contains("\n=HYPERLINK"))
    }

    @Test func markdownHasTheTitleHeadingTextAndTable() throws {
        let markdown = try ReportRenderer.render(try document(grants), as: .md)
        #expect(markdown.hasPrefix("# Grants\n"), "\(markdown)")
        #expect(markdown.contains("## By partner"))
        #expect(markdown.contains("Awarded this year."))
        // Columns padded to their widest cell.
        #expect(markdown.contains("| partner       | grants |\n| ------------- | ------ |\n| =HYPERLINK(1) | 3      |\n"), "\(markdown)")
    }

    @Test func anUnknownFieldIsNamedWithTheFieldsThereAre() {
        #expect(throws: LuaError.self) { try document("return { title = 'x', sections = {}, subtitel = 'y' }") }
        #expect(ReportDocument.unknownField("subtitel") == "report: no field 'subtitel' (fields: title, subtitle, sections)")
    }
}
