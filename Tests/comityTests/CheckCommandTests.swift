import Foundation
import Testing

/// `comity check`, on a fixture with one mistake per marked line, and on the shipped
/// scripts and plugins in a workspace like the demo's.
@Suite struct CheckCommandTests {
    @Test func eachMistakeIsFoundWithItsLineAndNothingElse() throws {
        let fixture = Comity.packageRoot.appendingPathComponent("Tests/Fixtures/check/mistakes.lua")
        let text = try String(contentsOf: fixture, encoding: .utf8)
        let marked = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { $0.element.contains("--!") && !$0.element.hasPrefix("--") }.map { $0.offset + 1 }
        let folder = try workspace(["comity.lua": "return {}", "Scripts/mistakes.lua": text])
        let checked = try Comity.run(["check", "Scripts/mistakes.lua"], in: folder)
        #expect(checked.status == 1)
        let lines = checked.stdout.split(separator: "\n").map(String.init)
        #expect(lines.compactMap { Int($0.split(separator: ":")[1]) } == marked, "\(checked.stdout)")
        #expect(lines.contains("Scripts/mistakes.lua:9: Grant has no field 'titel' (did you mean 'title'?)"))
        #expect(lines.contains("Scripts/mistakes.lua:10: unknown API function 'grants.awrd' (did you mean 'grants.award'?)"))
        #expect(lines.contains("Scripts/mistakes.lua:11: too many arguments to 'grants.award' (expected at most 2, got 3)"))
        #expect(lines.contains("Scripts/mistakes.lua:12: bad argument #1 to 'time.days' (integer expected, got string)"))
        #expect(lines.contains { $0.hasPrefix("Scripts/mistakes.lua:13: missing argument #1") })
        #expect(lines.contains("Scripts/mistakes.lua:16: unknown name 'orgz' (did you mean 'orgs'?)"))
        #expect(lines.contains("Scripts/mistakes.lua:17: unknown name 'prnt' (did you mean 'print'?)"))
        #expect(checked.stderr.contains("9 finding(s) in 1 of 1 file(s)"))

        let broken = try workspace(["comity.lua": "return {}", "Scripts/broken.lua": "local x = \nprint(x"])
        let syntax = try Comity.run(["check", "Scripts/broken.lua"], in: broken)
        #expect(syntax.status == 1)
        #expect(syntax.stdout.hasPrefix("Scripts/broken.lua:2: syntax:"), "\(syntax.stdout)")
    }

    @Test func theShippedScriptsAndPluginsPass() throws {
        let folder = try workspace([:], configured: false)
        let root = Comity.packageRoot
        for item in ["Scripts", "Plugins"] {
            try FileManager.default.copyItem(at: root.appendingPathComponent(item), to: folder.appendingPathComponent(item))
        }
        try FileManager.default.copyItem(at: root.appendingPathComponent("Scripts/demo/comity.lua"), to: folder.appendingPathComponent("comity.lua"))
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".lua") && $0 != "comity.lua" }
        #expect(files.count > 20)
        let checked = try Comity.run(["check"] + files.sorted(), in: folder)
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stdout.isEmpty)
    }
}
