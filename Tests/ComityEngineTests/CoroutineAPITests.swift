import ComityCore
import ComityEngine
import ComitySQLite
import Foundation
import LuaBridge
import Testing

/// Every part of the Lua API gives inside a coroutine what it gives outside (issue 13 §2):
/// each function of the registry, each field and method of each of its types and each
/// operator they declare is called through an entry of Tests/Fixtures/coroutines/calls.lua,
/// outside any coroutine and in every way `ways` lists, in one run over a real store.
///
/// Swift functions called inside a coroutine once pushed their results onto (and read
/// their arguments from) the main thread's stack: `coroutine.wrap(function() return
/// money(5, "RUB") end)()` gave "RUB". The fixture's names must be exactly the API's, so
/// a function, field, method or operator added later without an entry fails here.
@Suite struct CoroutineAPITests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/coroutines/calls.lua")
    static let secret = "coroutine-secret-0451"

    /// How the driver calls each entry besides outside; each is compared with outside.
    static let ways = [
        "coroutine.wrap", "coroutine.resume", "nested coroutines", "after a yield", "its result yielded",
        "in a coroutine inside a find loop", "in a find loop inside a coroutine", "in a find loop across yields",
    ]

    /// The names the fixture must have: every function of the registry (those without an
    /// implementation, `workflow` and `report`, are installed by the runner and called
    /// too), `Type.field`, `Type:method` and `Type operator` for every type.
    static func expectedNames(_ api: APIRegistry) -> Set<String> {
        var names = Set(api.functions.map(\.name))
        // `ctx.trigger` and its changes are plain read-only tables, documented as types:
        // nothing of them is a call into the host. `ctx` itself (Context) exists only in
        // a workflow's run, which this driver is not; its `log` and `once` are workflow tests'.
        // So are the other plain tables (`workflow { ... }`'s, `report { ... }`'s, a spec's).
        for type in api.types where !type.isPlainTable {
            names.formUnion(type.fields.map { "\(type.name).\($0.name)" })
            names.formUnion(type.methods.map { "\(type.name):\($0.name)" })
            names.formUnion(type.operators.map { "\(type.name) \($0)" })
        }
        return names
    }

    /// The API's types as a Lua table: for each, the names of its fields, in order.
    static func typesTable(_ api: APIRegistry) -> String {
        let entries = api.types.map { type in
            "[\"\(type.name)\"] = { " + type.fields.map { "\"\($0.name)\"" }.joined(separator: ", ") + " }"
        }
        return "{ " + entries.joined(separator: ",\n  ") + " }"
    }

    /// The driver: loads the fixture as module `calls`, then for each entry, sorted,
    /// prints `name TAB way TAB description` for outside and every way. The find loops
    /// walk three organisations of their own (the entries make thousands of others).
    static func driver(_ api: APIRegistry) -> String {
        """
        local calls = require("calls")(\(typesTable(api)))
        -- Organisations for the find loops to walk.
        for _ = 1, 3 do orgs.create { name = "Anchor" } end

        -- What one call of an entry gave: its description (numbers of fresh names and
        -- ids left out), or the error it raised.
        local function capture(entry)
          local ok, description = pcall(entry)
          if not ok then return "error: " .. tostring(description) end
          if type(description) ~= "string" then
            return "not a description: " .. type(description) .. " " .. tostring(description)
          end
          return (description:gsub("~%d+~", "~"):gsub("(%u%l+) #%d+", "%1 #<id>"))
        end
        local function resumed(co, ...)
          local ok, result = coroutine.resume(co, ...)
          if not ok then return "coroutine.resume failed: " .. tostring(result) end
          return result
        end
        local function wrapped(entry) return coroutine.wrap(function() return capture(entry) end)() end

        local ways = {
          { "outside", capture },
          { "coroutine.wrap", wrapped },
          { "coroutine.resume", function(entry) return resumed(coroutine.create(function() return capture(entry) end)) end },
          { "nested coroutines", function(entry)
              return coroutine.wrap(function()
                return resumed(coroutine.create(function() return wrapped(entry) end))
              end)()
            end },
          { "after a yield", function(entry)
              local co = coroutine.create(function(first)
                local again = coroutine.yield(first .. " yielded")
                return again == "resumed" and capture(entry) or "resumed with " .. tostring(again)
              end)
              local yielded = resumed(co, "first")
              if yielded ~= "first yielded" then return "yielded " .. tostring(yielded) end
              return resumed(co, "resumed")
            end },
          { "its result yielded", function(entry)
              local co = coroutine.wrap(function() coroutine.yield(capture(entry)); return "not yielded" end)
              return co()
            end },
          { "in a coroutine inside a find loop", function(entry)
              local description, seen = nil, 0
              for o in orgs.find { name = "Anchor" } do
                seen = seen + 1
                description = description or wrapped(entry)
              end
              return seen == 3 and description or "the find loop saw " .. seen .. " records: " .. tostring(description)
            end },
          { "in a find loop inside a coroutine", function(entry)
              return coroutine.wrap(function()
                local description, seen = nil, 0
                for o in orgs.find { name = "Anchor" } do
                  seen = seen + 1
                  if seen == 2 then description = capture(entry) end
                end
                return seen == 3 and description or "the find loop saw " .. seen .. " records: " .. tostring(description)
              end)()
            end },
          { "in a find loop across yields", function(entry)
              local co = coroutine.wrap(function()
                local description, seen = nil, 0
                for o in orgs.find { name = "Anchor" } do
                  coroutine.yield("at " .. o.name)
                  seen = seen + 1
                  if seen == 1 then description = capture(entry) end
                end
                return "done", seen == 3 and description or "the find loop saw " .. seen .. " records: " .. tostring(description)
              end)
              while true do
                local tag, description = co()
                if tag == "done" then return description end
                if tag ~= "at Anchor" then return "yielded " .. tostring(tag) end
              end
            end },
        }

        local names = {}
        for name in pairs(calls) do names[#names + 1] = name end
        table.sort(names)
        local function escaped(text) return (text:gsub("\\\\", "\\\\\\\\"):gsub("\\n", "\\\\n"):gsub("\\t", "\\\\t")) end
        for _, name in ipairs(names) do
          for _, way in ipairs(ways) do
            -- A way that breaks (as a find loop did) is a result too, for this entry only.
            local ok, description = pcall(way[2], calls[name])
            if not ok then description = "the way itself raised: " .. tostring(description) end
            print(name .. "\\t" .. way[1] .. "\\t" .. escaped(tostring(description)))
          end
        end
        """
    }

    /// A workspace with the fixture as `Scripts/calls.lua`, an inbox and a secret.
    func workspace(_ script: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-coroutines-\(UUID().uuidString)")
        let files = FileManager.default
        try files.createDirectory(at: folder.appendingPathComponent("Scripts"), withIntermediateDirectories: true)
        try files.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        try files.createDirectory(at: folder.appendingPathComponent(".comity"), withIntermediateDirectories: true)
        try files.copyItem(at: Self.fixture, to: folder.appendingPathComponent("Scripts/calls.lua"))
        try script.write(to: folder.appendingPathComponent("Scripts/coroutines.lua"), atomically: true, encoding: .utf8)
        try "name,country,amount\nMemorial,RU,\"1,300.00\"\nАСИ,RU,5\n"
            .write(to: folder.appendingPathComponent("inbox/a.csv"), atomically: true, encoding: .utf8)
        try #"{"rows": [{"name": "Memorial", "count": 3}, {"name": "ASI", "rate": 0.5, "open": true, "gone": null}]}"#
            .write(to: folder.appendingPathComponent("inbox/b.json"), atomically: true, encoding: .utf8)
        let secrets = folder.appendingPathComponent(".comity/secrets")
        try "COROUTINE_KEY=\(Self.secret)\n".write(to: secrets, atomically: true, encoding: .utf8)
        try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secrets.path)
        return folder
    }

    /// Runs `script` over a fresh store; its printed lines.
    func run(_ script: String) throws -> [String] {
        let folder = try workspace(script)
        defer { try? FileManager.default.removeItem(at: folder) }
        let runner = ScriptRunner(
            workspace: folder, limits: LuaLimits(memory: 512 << 20, time: .seconds(600), output: 256 << 20),
            now: try Timestamp(parsing: "2021-01-26T08:00:00Z"), timeZone: try #require(TimeZone(identifier: "Europe/Moscow")),
            store: try SQLiteStore(inMemory: .standard), dryRun: true)
        var lines: [String] = []
        let run = runner.run(file: "Scripts/coroutines.lua") { lines.append($0) }
        if let error = run.outcome.error {
            throw DriverFailed(description: "the script failed: \(error.message)\n\(error.traceback)")
        }
        return lines
    }

    struct DriverFailed: Error, CustomStringConvertible {
        let description: String
    }

    @Test func theFixtureHasAnEntryForEveryPartOfTheAPIAndNoOther() throws {
        let api = APIRegistry.core
        let lines = try run("for name in pairs(require('calls')(\(Self.typesTable(api)))) do print(name) end")
        let names = Set(lines)
        let expected = Self.expectedNames(api)
        let missing = expected.subtracting(names).sorted()
        let unknown = names.subtracting(expected).sorted()
        #expect(missing.isEmpty, "Tests/Fixtures/coroutines/calls.lua has no entry for: \(missing.joined(separator: ", "))")
        #expect(unknown.isEmpty, "Tests/Fixtures/coroutines/calls.lua has entries the API does not declare: \(unknown.joined(separator: ", "))")
        // Everything, not a handful: functions of every collection, fields of every record.
        #expect(api.functions.count > 80 && expected.count > 180, "\(api.functions.count) functions, \(expected.count) names")
    }

    @Test func everyEntryGivesInsideCoroutinesWhatItGivesOutside() throws {
        let api = APIRegistry.core
        let lines = try run(Self.driver(api))
        // name -> way -> description
        var results: [String: [String: String]] = [:]
        var order: [String] = []
        for line in lines {
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            try #require(parts.count == 3, "a line that is not name, way and description: \(line)")
            if results[parts[0]] == nil { order.append(parts[0]) }
            results[parts[0], default: [:]][parts[1]] = parts[2]
        }
        #expect(Set(order) == Self.expectedNames(api), "the driver called other entries than the API's names")
        // Functions first (`money`, `grants.award`), then the types' fields, methods and operators.
        order.sort { (($0.first?.isUppercase ?? false) ? 1 : 0, $0) < (($1.first?.isUppercase ?? false) ? 1 : 0, $1) }

        var differing: [String] = []
        for name in order {
            let byWay = results[name] ?? [:]
            let outside = try #require(byWay["outside"], "\(name): no result outside a coroutine")
            // An entry catches the errors it asks for (`attempt(f, ...)`): one that raises is broken.
            #expect(!outside.hasPrefix("error: "), "\(name) raised outside any coroutine: \(outside)")
            var report: [String] = []
            for way in Self.ways {
                let inside = byWay[way] ?? "(no result)"
                if inside != outside { report.append("  \(way):\n    \(inside)") }
            }
            if !report.isEmpty {
                differing.append(name)
                // The first few in full; the rest by name, so that a regression stays readable.
                if differing.count <= 20 {
                    let message = "\(name) gives inside coroutines other than outside\n  outside:\n    \(outside)\n"
                        + report.joined(separator: "\n")
                    Issue.record(Comment(rawValue: message))
                }
            }
        }
        if differing.count > 20 {
            Issue.record("\(differing.count) of \(order.count) entries differ in all; the others: \(differing.dropFirst(20).joined(separator: ", "))")
        }
    }
}
