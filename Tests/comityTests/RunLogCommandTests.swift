import Foundation
import Testing

/// What a run keeps of its log and its error, through the real command: before, 200
/// lines of 1 MB through ctx.log grew the database by 200 MB in one run, and a 30 MB
/// error() message was stored (and printed) whole.
@Suite struct RunLogCommandTests {
    static let scripts = [
        "comity.lua": "return {}",
        "Scripts/chatty.lua": """
            return workflow { name = "chatty", run = function(ctx)
              local line = ('x'):rep(1024 * 1024)
              for i = 1, 200 do ctx.log(i .. line) end
            end }
            """,
        "Scripts/short.lua": """
            return workflow { name = "short", run = function(ctx)
              for i = 1, 10 do ctx.log(i .. ': ' .. ('y'):rep(300)) end
            end }
            """,
        "Scripts/shout.lua": "return workflow { name = 'shout', run = function() error(('e'):rep(20 * 1000 * 1000)) end }",
    ]

    func runs(_ folder: URL) throws -> [[String: Any]] {
        let listed = try Comity.run(["runs", "--json"], in: folder)
        return try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
    }

    func databaseSize(_ folder: URL) -> Int {
        let base = folder.appendingPathComponent(".comity/comity.db").path
        return ["", "-wal"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: base + suffix)[.size] as? Int) ?? 0)
        }
    }

    @Test func theStoredLogIsCappedAndSaysWhatWasDropped() throws {
        let folder = try workspace(Self.scripts)
        let run = try Comity.run(["run", "Scripts/chatty.lua"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let log = try #require(try runs(folder).first?["log"] as? [String])
        #expect(log.reduce(0) { $0 + $1.utf8.count } < (1 << 20) + 512)
        #expect(log.count == 2)
        #expect(log.first?.hasSuffix("x … [1 byte of this line dropped]") == true, "\(log.first?.suffix(80) ?? "")")
        #expect(log.last == "[log limit of 1 MB reached (--max-log): 199 more lines, 199.0 MB, dropped]")
        #expect(databaseSize(folder) < 8 << 20, "the database holds \(databaseSize(folder)) bytes")
    }

    @Test func theLimitHasAFlag() throws {
        let folder = try workspace(Self.scripts)
        let run = try Comity.run(["run", "Scripts/short.lua", "--max-log", "1KB"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let log = try #require(try runs(folder).first?["log"] as? [String])
        #expect(log.count == 5)
        #expect(log[0] == "1: " + String(repeating: "y", count: 300))
        #expect(log[3].hasSuffix(" … [191 bytes of this line dropped]"), "\(log[3])")
        #expect(log[4] == "[log limit of 1 KB reached (--max-log): 6 more lines, 1.8 KB, dropped]")
        let unlimited = try Comity.run(["run", "Scripts/short.lua", "--max-log", "0"], in: folder)
        #expect(unlimited.status == 0)
        #expect(try runs(folder).contains { ($0["log"] as? [String])?.count == 10 })
    }

    @Test func aHugeErrorIsCutInTheRecordAndOnStandardError() throws {
        let folder = try workspace(Self.scripts)
        let run = try Comity.run(["run", "Scripts/shout.lua"], in: folder)
        #expect(run.status == 1)
        #expect(run.stderr.utf8.count < 70_000, "\(run.stderr.utf8.count) bytes on standard error")
        #expect(run.stderr.hasPrefix("Scripts/shout.lua:1: eeee"))
        #expect(run.stderr.contains(" … [19.0 MB of this error dropped; errors are kept to 64 KB]"), "\(run.stderr.suffix(100))")
        let error = try #require(try runs(folder).first?["error"] as? String)
        #expect(error.utf8.count < 70_000)
        #expect(error.hasSuffix("errors are kept to 64 KB]"))
        #expect(databaseSize(folder) < 8 << 20)
    }
}
