import LuaBridge
import Testing

/// The sandbox's own pattern matcher must agree with Lua's, and stop on limits.
@Suite struct PatternTests {
    /// A deterministic generator, so that a failing case can be found again.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func cases(count: Int) -> [LuaValue] {
        var random = SplitMix64(state: 2021_01_26)
        let letters: [Character] = ["a", "b", "c", "(", ")", " ", "1", "2", ".", "%", "-", "x", "A"]
        let atoms = [".", "a", "b", "%a", "%d", "%s", "%w", "%p", "%u", "%A", "[ab]", "[^a]", "[a-c]", "[%d ]", "(", ")",
                     "()", "%b()", "%f[%a]", "%f[%W]", "%1", "x", "%.", "%%", "[]a]", "[a-]"]
        let quantifiers = ["", "", "", "*", "+", "-", "?"]
        var result: [LuaValue] = []
        for _ in 0..<count {
            let subject = String((0..<Int.random(in: 0...14, using: &random)).map { _ in letters.randomElement(using: &random)! })
            var pattern = Bool.random(using: &random) && Bool.random(using: &random) ? "^" : ""
            for _ in 0..<Int.random(in: 1...5, using: &random) {
                let atom = atoms.randomElement(using: &random)!
                pattern += atom
                if !["(", ")", "()", "%b()", "%1"].contains(atom), !atom.hasPrefix("%f") {
                    pattern += quantifiers.randomElement(using: &random)!
                }
            }
            if Int.random(in: 0..<5, using: &random) == 0 { pattern += "$" }
            let initial = Int64.random(in: -3...4, using: &random)
            result.append(.table(LuaTable(hash: ["s": .string(LuaString(subject)), "p": .string(LuaString(pattern)),
                                                 "i": .integer(initial)])))
        }
        return result
    }

    static let exercise = """
        local cases = ...
        local function show(ok, ...)
          if not ok then return "error: " .. tostring((...)):gsub("^[^:]*:%d+: ", "") end
          local parts = {}
          for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
          return table.concat(parts, ",")
        end
        local out = {}
        for n, c in ipairs(cases) do
          local line = {
            show(pcall(string.find, c.s, c.p, c.i)),
            show(pcall(string.match, c.s, c.p, c.i)),
            show(pcall(string.gsub, c.s, c.p, "<%0>")),
            show(pcall(string.gsub, c.s, c.p, function(...) return "[" .. select("#", ...) .. "]" end, 3)),
            show(pcall(string.gsub, c.s, c.p, { a = "A", [""] = false })),
            show(pcall(function()
              local all = {}
              for a, b in string.gmatch(c.s, c.p, c.i) do all[#all + 1] = tostring(a) .. "/" .. tostring(b) end
              return table.concat(all, ";")
            end)),
          }
          out[n] = c.s .. " | " .. c.p .. " | " .. c.i .. " => " .. table.concat(line, " ")
        end
        return out
        """

    @Test func agreesWithLuasOwnMatcher() throws {
        let cases = LuaValue.table(LuaTable(array: Self.cases(count: 4000)))
        let reference = try LuaState()
        try reference.openStandardLibraries()
        let expected = try reference.call(try reference.load(Array(Self.exercise.utf8), chunkName: "ref"), [cases])
        let box = try sandbox(LuaLimits(memory: 256 << 20, time: .seconds(120)))
        let actual = try box.state.call(try box.state.load(Array(Self.exercise.utf8), chunkName: "box"), [cases])
        guard case .table(let want) = expected.first, case .table(let got) = actual.first else {
            Issue.record("no results")
            return
        }
        #expect(want.array.count == 4000)
        var mismatches = 0
        for (w, g) in zip(want.array, got.array) where w != g {
            mismatches += 1
            if mismatches <= 5 { Issue.record("Lua: \(w)\nours: \(g)") }
        }
        #expect(mismatches == 0)
    }

    @Test(arguments: [
        "string.find(string.rep('a', 1e5), '.-.-.-b')",
        "string.match(string.rep('a', 5000), '^' .. string.rep('a-', 10) .. 'b$')",
        "for w in string.gmatch(string.rep('a', 1e5), '.-.-.-b') do end",
        "string.gsub(string.rep('a', 1e5), '.-.-.-b', '')",
        "string.find(string.rep('a', 1 << 24), string.rep('a', 1 << 14) .. 'b', 1, true)",
        "string.find(string.rep('(', 1e5), '%b()%b()%b()x')",
    ])
    func pathologicalPatternsStopAtTheTimeLimit(source: String) throws {
        let error = try failure(source, limits: LuaLimits(memory: 64 << 20, time: .milliseconds(300)))
        #expect(error.kind == .limit(.time), "\(error.message)")
    }

    @Test func pathologicalPatternsCountAsInstructions() throws {
        let error = try failure(
            "string.find(string.rep('a', 1e5), '.-.-.-b')",
            limits: LuaLimits(memory: 64 << 20, time: .seconds(60), instructions: 10_000_000))
        #expect(error.kind == .limit(.instructions))
    }
}
