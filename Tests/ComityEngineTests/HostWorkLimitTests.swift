import ComityCore
import ComityEngine
import Foundation
import LuaBridge
import Testing

/// What the host does for a script (JSON, CSV, files) counts against the run's memory
/// cap and stops at its deadline: before, json.decode of 15 MB took 12 s and 1.3 GB at
/// `--timeout 2s --max-memory 64MB`, json.encode of fifty references to a 10 MB string
/// 29 s and 2 GB (four hundred: a fatal allocation failure), csv.read of 92 MB 42 s.
@Suite(.serialized) struct HostWorkLimitTests {
    static let limits = LuaLimits(memory: 64 << 20, time: .seconds(2), instructions: nil, output: 1 << 20)

    struct Outcome {
        let run: ScriptRun
        let elapsed: Duration
        let lines: [String]
        var error: LuaError? { run.outcome.error }
    }

    /// Runs `source` in a workspace whose inbox holds `files`.
    func run(_ source: String, files: [String: Data] = [:], limits: LuaLimits = Self.limits,
             maxFileSize: Int? = nil) throws -> Outcome {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-host-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let inbox = folder.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: inbox.appendingPathComponent(name)) }
        let script = folder.appendingPathComponent("s.lua")
        try source.write(to: script, atomically: true, encoding: .utf8)
        var runner = ScriptRunner(workspace: folder, limits: limits)
        if let maxFileSize { runner.maxFileSize = maxFileSize }
        let lines = Lines()
        let clock = ContinuousClock()
        let start = clock.now
        let run = runner.run(file: script.path, shownAs: "s.lua") { lines.all.append($0) }
        return Outcome(run: run, elapsed: clock.now - start, lines: lines.all)
    }

    func expectLimit(_ outcome: Outcome, _ kinds: [LuaLimitKind], _ what: String, within: Duration = .seconds(5)) {
        let kind = outcome.error?.kind
        #expect(kinds.contains { kind == .limit($0) }, "\(what): \(outcome.error?.message ?? "succeeded")")
        // Generous: the limit is 2 s (or the memory cap, reached sooner).
        #expect(outcome.elapsed < within, "\(what): ended after \(outcome.elapsed)")
    }

    @Test func decodingFifteenMegabytesOfEmptyObjectsHitsTheMemoryCap() throws {
        let outcome = try run("local t = json.decode('[' .. ('{},'):rep(5e6) .. '{}]')")
        expectLimit(outcome, [.memory], "json.decode of 15 MB of [{},...]")
    }

    @Test func decodingStopsAtTheDeadline() throws {
        // Plenty of memory: the time limit must stop the decoder.
        let limits = LuaLimits(memory: 4 << 30, time: .milliseconds(500), instructions: nil, output: 1 << 20)
        let outcome = try run("local text = '[' .. ('[1,2,3,4,5,6,7,8,9,0],'):rep(3e6) .. '0]' local t = json.decode(text)", limits: limits)
        expectLimit(outcome, [.time], "json.decode of 66 MB of arrays")
    }

    @Test(arguments: [50, 400])
    func encodingManyReferencesToALongStringHitsTheMemoryCap(references: Int) throws {
        let outcome = try run("""
            local s = ('x'):rep(10 * 1024 * 1024)
            local t = {}
            for i = 1, \(references) do t[i] = s end
            local text = json.encode(t)
            """)
        expectLimit(outcome, [.memory], "json.encode of \(references) references to 10 MB")
    }

    @Test func aPcallDoesNotSwallowTheHostsLimit() throws {
        let outcome = try run("""
            local s = ('x'):rep(10 * 1024 * 1024)
            local t = {}
            for i = 1, 50 do t[i] = s end
            print(pcall(json.encode, t))
            while true do end
            """)
        #expect(outcome.error?.kind == .limit(.memory), "\(outcome.error?.message ?? "")")
        #expect(outcome.lines.isEmpty || outcome.lines.allSatisfy { $0.hasPrefix("false") })
    }

    static func csv(rows: Int) -> Data {
        var text = "organisation,country,summary\n"
        text.reserveCapacity(rows * 64)
        for i in 0..<rows { text += "Organisation number \(i),RU,\"A summary, with a comma, of row \(i)\"\n" }
        return Data(text.utf8)
    }

    @Test func aFileLargerThanTheSettingIsRefusedWithItsSize() throws {
        let big = Self.csv(rows: 1_500_000) // about 92 MB
        let outcome = try run("local rows = csv.read('big.csv')", files: ["big.csv": big])
        let message = outcome.error?.message ?? ""
        #expect(outcome.error?.kind == .runtime, "\(message)")
        #expect(message.contains("csv.read: 'big.csv' is \(String(format: "%.1f MB (%d bytes)", Double(big.count) / 1_048_576, big.count)), larger than files.max_size (64 MB) in comity.lua"), "\(message)")
        #expect(outcome.elapsed < .seconds(5))
        let json = try run("local v = json.read('big.json')", files: ["big.json": Data(count: 2048)], maxFileSize: 1024)
        #expect(json.error?.message.contains("json.read: 'big.json' is 2 KB, larger than files.max_size (1 KB) in comity.lua") == true,
                "\(json.error?.message ?? "")")
    }

    @Test func readingACSVFileCountsItsRowsAgainstTheMemoryCap() throws {
        // A deadline far off, so that the memory cap is what stops it even on a machine
        // busy with every other suite (where 55 MB may take over 2 s to reach it).
        let limits = LuaLimits(memory: 64 << 20, time: .seconds(30), instructions: nil, output: 1 << 20)
        let outcome = try run("local rows = csv.read('rows.csv')", files: ["rows.csv": Self.csv(rows: 900_000)], limits: limits) // 55 MB
        expectLimit(outcome, [.memory], "csv.read of 55 MB", within: .seconds(30))
    }

    @Test func readingACSVFileStopsAtTheDeadline() throws {
        let limits = LuaLimits(memory: 4 << 30, time: .seconds(1), instructions: nil, output: 1 << 20)
        let outcome = try run("local rows = csv.read('rows.csv')", files: ["rows.csv": Self.csv(rows: 600_000)], limits: limits)
        expectLimit(outcome, [.time], "csv.read of 37 MB under a 1 s limit")
    }

    @Test func readingAJSONFileCountsItsBytes() throws {
        let text = "[" + String(repeating: "{\"name\": \"an organisation\", \"n\": 1},", count: 1_000_000) + "{}]"
        let outcome = try run("local v = json.read('big.json')", files: ["big.json": Data(text.utf8)])
        expectLimit(outcome, [.memory], "json.read of 37 MB")
    }

    @Test func aFIFOInTheInboxIsRefusedNotWaitedFor() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-fifo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        #expect(mkfifo(folder.appendingPathComponent("inbox/pipe.csv").path, 0o600) == 0)
        try "print(pcall(csv.read, 'pipe.csv'))".write(to: folder.appendingPathComponent("s.lua"), atomically: true, encoding: .utf8)
        let lines = Lines()
        let run = ScriptRunner(workspace: folder, limits: Self.limits).run(file: folder.appendingPathComponent("s.lua").path) {
            lines.all.append($0)
        }
        #expect(run.succeeded)
        #expect(lines.all == ["false\tcsv.read: 'pipe.csv' in inbox/ is not a regular file"])
    }

    @Test func theSettingIsReadFromComityLua() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "return { files = { max_size = '2MB' } }".write(to: folder.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        #expect(try Workspace.load(folder).files.maxSize == 2 << 20)
        try "return { files = { max_bytes = 1 } }".write(to: folder.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        #expect {
            try Workspace.load(folder)
        } throws: { error in
            "\(error)".contains("comity.lua: files has no setting 'max_bytes' (settings: max_size)")
        }
    }
}

/// json.decode and json.encode as scripts see them.
@Suite struct JSONTextTests {
    func printed(_ source: String) throws -> [String] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("json-\(UUID().uuidString).lua")
        defer { try? FileManager.default.removeItem(at: url) }
        try source.write(to: url, atomically: true, encoding: .utf8)
        let lines = Lines()
        let run = ScriptRunner().run(file: url.path, shownAs: "j.lua") { lines.all.append($0) }
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        return lines.all
    }

    @Test func decodingGivesLuaValues() throws {
        let lines = try printed(#"""
            local v = json.decode[[{"a": [1, 2.5, -3, 1e2, 1.0, 12345678901234567890, true, false, null, "x"], "b": {"c": null}, "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}]]
            print(math.type(v.a[1]), math.type(v.a[2]), v.a[3], math.type(v.a[4]), math.type(v.a[5]), math.type(v.a[6]))
            print(v.a[7], v.a[8], v.a[9], v.a[10], next(v.b))
            print(v.s == 'q"\\/\b\f\n\r\t\u{e9}\u{1F600}')
            print(json.decode('  "top"  '), json.decode('42'), json.decode('null'), json.decode('\239\187\191[]') ~= nil)
            """#)
        #expect(lines == [
            "integer\tfloat\t-3\tfloat\tfloat\tfloat",
            "true\tfalse\tnil\tx\tnil",
            "true",
            "top\t42\tnil\ttrue",
        ])
    }

    @Test(arguments: [
        ("{\"a\": }", "json.decode: not JSON (unexpected '}' at line 1, column 7)"),
        ("[1, 2", "json.decode: not JSON (unfinished array at line 1, column 6)"),
        ("{\"a\": 1,\n \"b\" 2}", "json.decode: not JSON (':' expected at line 2, column 6)"),
        ("\"\\ud800\"", "json.decode: not JSON (lone surrogate in \\u escape at line 1, column 2)"),
        ("\"a\u{01}\"", "json.decode: not JSON (control character in a string at line 1, column 3)"),
        ("[1] 2", "json.decode: not JSON (text after the value at line 1, column 5)"),
        ("", "json.decode: not JSON (unexpected end of text at line 1, column 1)"),
        ("[01]", "json.decode: not JSON (',' or ']' expected at line 1, column 3)"),
    ])
    func badTextIsNamedWithItsPosition(text: String, message: String) throws {
        let quoted = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\u{01}", with: "\\1").replacingOccurrences(of: "'", with: "\\'")
        #expect(try printed("print(select(2, pcall(json.decode, '\(quoted)')))") == [message])
    }

    @Test func deepNestingIsRefused() throws {
        #expect(try printed("print(select(2, pcall(json.decode, ('['):rep(200))))")
                == ["json.decode: not JSON (nested deeper than 128 levels at line 1, column 129)"])
    }

    @Test func encodingWritesSortedCompactOrIndentedText() throws {
        let lines = try printed(#"""
            print(json.encode({ b = { 1, 2.5, 100.0, 1e300, 0.1, 1e-7 }, a = {}, c = "x/y\1é\"\\\n\t", d = true }))
            print(json.encode({ n = 1, list = { "a" } }, true))
            print(json.encode("plain"), json.encode(3), json.encode({ [1] = "a", [3] = "c" }))
            print(select(2, pcall(json.encode, { [true] = 1 })), select(2, pcall(json.encode, math.huge)), select(2, pcall(json.encode, print)))
            print(json.encode(json.decode('{"k":[1,{"z":null,"y":"é"}]}')))
            """#)
        #expect(lines == [
            #"{"a":[],"b":[1,2.5,100,1e+300,0.1,1e-07],"c":"x/y\u0001é\"\\\n\t","d":true}"#,
            "{\n  \"list\" : [\n    \"a\"\n  ],\n  \"n\" : 1\n}",
            "\"plain\"\t3\t{\"1\":\"a\",\"3\":\"c\"}",
            "json.encode: object keys must be strings, got a boolean\tjson.encode: inf has no JSON form\tjson.encode: a function has no JSON form",
            #"{"k":[1,{"y":"é"}]}"#,
        ])
    }
}
