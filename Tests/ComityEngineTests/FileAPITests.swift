import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import LuaBridge
import Testing

/// The inbox from Lua when files change under a run.
@Suite struct FileAPITests {
    @Test func aFileRemovedMidRunIsNamedAndNothingElseIsLost() throws {
        let workspace = try WorkflowWorkspace([
            "take.lua": """
                local files = inbox.files()
                testing.remove(files[1])                      -- gone after it was listed
                print(pcall(csv.read, files[1]))
                inbox.move(files[2], "processed")
                testing.remove(files[2])                      -- gone before the commit moves it
                orgs.create { name = "Kept" }
                """,
        ])
        let inbox = workspace.folder.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        for name in ["a.csv", "b.csv"] { try "name\nX\n".write(to: inbox.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        var api = APIRegistry.core
        try api.add(APIFunction(
            "testing.remove", summary: "Removes a file of the inbox (tests only).",
            parameters: [APIParameter("name", .string, "The file.")],
            implementation: { call, _ in
                try FileManager.default.removeItem(at: inbox.appendingPathComponent(try call.string(1)))
                return LuaResults(count: 0)
            }))
        var runner = workspace.runner()
        runner.api = api
        let lines = Lines()
        let run = runner.run(file: "Scripts/take.lua") { lines.all.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.hasPrefix("false\tcsv.read: cannot read") == true, "\(lines.all)")
        #expect(try workspace.store.read { try $0.count(.organisation, RecordQuery()) } == 1)
        #expect(!FileManager.default.fileExists(atPath: inbox.appendingPathComponent("processed/b.csv").path))
    }

    /// csv.read goes through the same quoting check as `comity import`.
    @Test func csvReadRefusesTextAfterAClosingQuoteNamingTheLine() throws {
        let workspace = try WorkflowWorkspace(["read.lua": "print(pcall(csv.read, 'q.csv'))"])
        let inbox = workspace.folder.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try "name\nA\n\"B\"x\nC\n".write(to: inbox.appendingPathComponent("q.csv"), atomically: true, encoding: .utf8)
        let lines = Lines()
        let run = workspace.runner().run(file: "Scripts/read.lua") { lines.all.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all.first?.hasPrefix("false\tcsv.read: ") == true, "\(lines.all)")
        #expect(lines.all.first?.contains("q.csv:3: text after the closing quote") == true, "\(lines.all)")
    }

    /// `inbox.move("mv.txt", "outdir")` with `outdir` a link to a folder outside moved the
    /// file out of inbox/; a move into a real subfolder still works and overwrites nothing.
    @Test func inboxMoveRefusesASubfolderThatIsALinkLeadingOut() throws {
        let workspace = try WorkflowWorkspace(["move.lua": """
            print(pcall(inbox.move, 'mv.txt', 'outdir'))
            print(pcall(inbox.move, 'mv.txt', 'dangling'))
            inbox.move('kept.txt', 'processed')
            """])
        let inbox = workspace.folder.appendingPathComponent("inbox")
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("comity-outside-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createDirectory(at: inbox.appendingPathComponent("processed"), withIntermediateDirectories: true)
        for name in ["mv.txt", "kept.txt"] { try name.write(to: inbox.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        try "earlier".write(to: inbox.appendingPathComponent("processed/kept.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: inbox.appendingPathComponent("outdir").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: inbox.appendingPathComponent("dangling").path, withDestinationPath: outside.path + "/none")
        let lines = Lines()
        let run = workspace.runner().run(file: "Scripts/move.lua") { lines.all.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        #expect(lines.all.count == 2)
        #expect(lines.all.first?.hasPrefix("false\tinbox.move: 'outdir' leads outside inbox/") == true, "\(lines.all)")
        #expect(lines.all.last?.hasPrefix("false\tinbox.move: 'dangling' is a link to nothing") == true, "\(lines.all)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent("mv.txt").path))
        #expect(try String(contentsOf: inbox.appendingPathComponent("processed/kept.txt"), encoding: .utf8) == "earlier")
        #expect(try String(contentsOf: inbox.appendingPathComponent("processed/kept-2.txt"), encoding: .utf8) == "kept.txt")
        #expect(!FileManager.default.fileExists(atPath: inbox.appendingPathComponent("kept.txt").path))
    }
}
