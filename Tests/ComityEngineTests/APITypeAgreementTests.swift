import ComityCheck
import ComityCore
@testable import ComityEngine
import ComitySQLite
import Foundation
import LuaBridge
import Testing

/// The registry is the one source of the Lua API's types: what a live state exposes,
/// what the registry declares, the LuaLS stubs and the Markdown reference agree, type
/// by type and member by member; `ctx`, the globals of a run and of a spec likewise.
@Suite struct APITypeAgreementTests {
    /// `---@class X` followed by its `---@field name ...` lines, by class.
    static func stubMembers(_ stubs: String) -> [String: Set<String>] {
        var members: [String: Set<String>] = [:]
        var current: String?
        for line in stubs.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("---@class ") {
                current = String(line.dropFirst("---@class ".count))
                members[current ?? "", default: []] = []
            } else if let type = current, line.hasPrefix("---@field ") {
                members[type, default: []].insert(String(line.dropFirst("---@field ".count).prefix { $0 != " " }))
            } else if !line.hasPrefix("---@operator") {
                current = nil
            }
        }
        return members
    }

    /// The reference's `## Types`: each `### \`X\`` with its table's fields and `#### \`x:method(` methods.
    static func documentedMembers(_ markdown: String) -> [String: Set<String>] {
        guard let start = markdown.range(of: "\n## Types\n") else { return [:] }
        var members: [String: Set<String>] = [:]
        var current: String?
        for line in markdown[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("### `") {
                current = String(line.dropFirst(5).prefix { $0 != "`" })
                members[current ?? "", default: []] = []
            } else if let type = current, line.hasPrefix("| `") {
                members[type, default: []].insert(String(line.dropFirst(3).prefix { $0 != "`" }))
            } else if let type = current, line.hasPrefix("#### `") {
                let signature = line.dropFirst(6)
                guard let colon = signature.firstIndex(of: ":") else { continue }
                members[type, default: []].insert(String(signature[signature.index(after: colon)...].prefix { $0 != "(" }))
            }
        }
        return members
    }

    @Test func everyTypesMembersAreTheSameLiveInTheRegistryTheStubsAndTheDocs() throws {
        let workspace = try RecordWorkspace()
        let registry = APIRegistry.core
        let stubs = Self.stubMembers(registry.luaLSStubs())
        let docs = Self.documentedMembers(registry.markdownReference())
        try workspace.store.write(commit: false) { transaction in
            let sandbox = try LuaSandbox(limits: .default) { _ in }
            defer { sandbox.close() }
            let context = try registry.install(in: sandbox, now: try Timestamp(parsing: "2021-01-26T08:00:00Z"), timeZone: .gmt,
                                               transaction: transaction, run: "agreement")
            // A value of every userdata type, so that each is bound in the state.
            try sandbox.run("return money(1, 'RUB'), time.now(), time.days(1)", chunkName: "t.lua")
            let records = try #require(context.records)
            for type in RecordType.allCases { try sandbox.state.register(records.userdataType(type)) }
            let live = sandbox.state.boundUserdataMembers
            let userdataTypes = registry.types.filter { !$0.isPlainTable }.map(\.name)
            #expect(Set(userdataTypes) == Set(["Money", "Time", "Duration"] + RecordType.allCases.map(\.displayName)))
            for name in userdataTypes {
                let declared = try #require(registry.types.first { $0.name == name }, "\(name) is not declared")
                let members = Set(declared.fields.map(\.name)).union(declared.methods.map(\.name))
                let bound = try #require(live[name], "\(name) is not bound")
                #expect(bound.fields.union(bound.methods) == members, "\(name): live \(bound) vs registry \(members.sorted())")
                #expect(bound.methods == Set(declared.methods.map(\.name)), "\(name)")
            }
            // Reading every declared field of a live value works; an undeclared one is refused.
            let read = try sandbox.run("""
                local m, t = money(1, 'RUB'), time.now()
                local ok = {}
                for _, name in ipairs { \(registry.types.first { $0.name == "Time" }!.fields.map { "'\($0.name)'" }.joined(separator: ", ")) } do
                  ok[#ok + 1] = t[name] ~= nil
                end
                return pcall(function() return m.amout end), table.concat({ tostring(#ok) }, "")
                """, chunkName: "t.lua")
            #expect(read.first == .boolean(false))
        }
        for type in registry.types {
            let members = Set(type.fields.map(\.name)).union(type.methods.map(\.name))
            #expect(stubs[type.name] == members, "stubs of \(type.name)")
            #expect(docs[type.name] == members, "docs of \(type.name)")
        }
        // A schema's custom field is one more member everywhere.
        var schema = DomainSchema.standard
        try schema.addCustomField(FieldDefinition("sdg_goal", .integer, "The SDG it serves."), to: .grant)
        let custom = APIRegistry.standard(schema: schema)
        #expect(Self.stubMembers(custom.luaLSStubs())["Grant"]?.contains("sdg_goal") == true)
        #expect(Self.documentedMembers(custom.markdownReference())["Grant"]?.contains("sdg_goal") == true)
    }

    @Test func ctxHasExactlyTheDeclaredFields() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run("""
            return workflow { name = "probe", run = function(ctx)
              local names, inner = {}, {}
              for k in pairs(ctx) do names[#names + 1] = k end
              for k in pairs(ctx.trigger) do inner[#inner + 1] = k end
              table.sort(names)
              print(table.concat(names, ","))
              print(table.concat(inner, ","))
            end }
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        let registry = APIRegistry.core
        let context = try #require(registry.types.first { $0.name == "Context" })
        #expect(lines.all.first == context.fields.map(\.name).sorted().joined(separator: ","))
        let trigger = try #require(registry.types.first { $0.name == "Trigger" })
        #expect(lines.all.count == 2)
        for name in (lines.all.last ?? "").split(separator: ",") { #expect(trigger.fields.contains { $0.name == name }, "\(name)") }
    }

    /// Every global a run's sandbox has is known to `comity check` and documented.
    @Test func everyGlobalOfARunIsKnownToCheckAndDocumented() throws {
        let workspace = try RecordWorkspace()
        let lines = Lines()
        let run = try workspace.run("""
            local names = {}
            for k in pairs(_G) do names[#names + 1] = k end
            table.sort(names)
            print(table.concat(names, ","))
            """, lines: lines)
        #expect(run.succeeded, "\(run.outcome.error?.message ?? "")")
        let globals = (lines.all.first ?? "").split(separator: ",").map(String.init)
        #expect(globals.contains("orgs") && globals.contains("params") && globals.contains("workflow") && globals.contains("string"))
        let registry = APIRegistry.core
        let markdown = registry.markdownReference()
        let luaOwn = markdown.components(separatedBy: "## Lua's own globals").last?.components(separatedBy: "\n## ").first ?? ""
        for name in globals {
            let documented = markdown.contains("### `\(name)(") || markdown.contains("## `\(name)`") || markdown.contains("### `\(name)` (")
                || luaOwn.contains("`\(name)`")
            #expect(documented, "\(name) is not documented")
        }
        // Used as a script would use each one, none is an unknown name to check.
        let file = workspace.folder.appendingPathComponent("uses.lua")
        try globals.map { "local _ = \($0).x" }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let findings = ScriptCheck(api: registry).check(file: file.path, shownAs: "uses.lua")
        #expect(!findings.contains { $0.message.contains("unknown name") }, "\(findings)")
        // And check knows no more than the sandbox has: a name it lacks is reported.
        try "local _ = pairz.x".write(to: file, atomically: true, encoding: .utf8)
        #expect(ScriptCheck(api: registry).check(file: file.path, shownAs: "uses.lua").map(\.message)
            == ["unknown name 'pairz' (did you mean 'pairs'?)"])
    }

    /// A spec's globals beyond a run's are the registry's spec functions, and `expect`'s
    /// checks its `Expectation` type.
    @Test func aSpecsGlobalsAreTheRegistrys() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("comity-spec-globals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Scripts"), withIntermediateDirectories: true)
        let spec = folder.appendingPathComponent("Scripts/globals_spec.lua")
        try """
            it("lists", function()
              local names, checks = {}, {}
              for k in pairs(_G) do names[#names + 1] = k end
              for k in pairs(expect(1)) do checks[#checks + 1] = k end
              table.sort(names)
              table.sort(checks)
              print(table.concat(names, ","))
              print(table.concat(checks, ","))
            end)
            """.write(to: spec, atomically: true, encoding: .utf8)
        let results = SpecRunner(workspace: folder) { try SQLiteStore(inMemory: .standard) }.run(file: spec, shownAs: "globals_spec.lua")
        let result = try #require(results.first)
        #expect(result.passed, "\(result.failure ?? "")")
        let registry = APIRegistry.core
        let runGlobals = LuaSandbox.globalNames.union(registry.globals.map(\.name))
            .union(registry.functions.map { String($0.name.prefix { $0 != "." }) })
        let specGlobals = Set(registry.specFunctions.map { String($0.name.prefix { $0 != "." }) })
        #expect(Set((result.output.first ?? "").split(separator: ",").map(String.init)).subtracting(runGlobals) == specGlobals)
        let expectation = try #require(registry.types.first { $0.name == "Expectation" })
        #expect(result.output.last == expectation.fields.map(\.name).sorted().joined(separator: ","))
    }

    /// Each `find` made a function box that lived until the state closed; now its
    /// iterator lets go of it when the loop ends, is left by `break`, or is collected.
    @Test func manyFindsKeepTheNumberOfLiveFunctionsBounded() throws {
        let workspace = try RecordWorkspace()
        try workspace.store.write(commit: false) { transaction in
            let sandbox = try LuaSandbox(limits: .default) { _ in }
            defer { sandbox.close() }
            try APIRegistry.core.install(in: sandbox, now: try Timestamp(parsing: "2021-01-26T08:00:00Z"), timeZone: .gmt,
                                         transaction: transaction, run: "finds")
            try sandbox.run("""
                for i = 1, 3 do orgs.create { name = "Org " .. i, kind = "national_ngo", country = "RU" } end
                for o in orgs.find {} do end -- the first find binds what every find shares
                """, chunkName: "setup.lua")
            let state = sandbox.state
            let baseline = state.liveFunctionCount
            let counted = try sandbox.run("""
                local seen = 0
                for i = 1, 300 do for o in orgs.find {} do seen = seen + 1 end end      -- to the end
                for i = 1, 300 do for o in orgs.find {} do seen = seen + 1 break end end -- left by break
                local ok = pcall(function() for o in orgs.find {} do error("stop") end end) -- left by an error
                return seen
                """, chunkName: "finds.lua")
            #expect(counted == [.integer(1200)])
            #expect(state.liveFunctionCount == baseline)
            // Iterators taken and dropped before their end are let go when collected.
            try sandbox.run("for i = 1, 300 do local next = orgs.find {} ; next() end", chunkName: "dropped.lua")
            try state.collectGarbage()
            #expect(state.liveFunctionCount == baseline)
            // An iterator called after its end returns nothing, and stays ended.
            #expect(try sandbox.run("""
                local next = orgs.find {}
                local a, b, c, d = next(), next(), next(), next()
                return d == nil, next() == nil
                """, chunkName: "after.lua") == [true, true])
            #expect(state.liveFunctionCount == baseline)
        }
    }
}
