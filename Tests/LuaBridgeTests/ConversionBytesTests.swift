import Foundation
import LuaBridge
import Testing

/// A table copied into Swift counts its bytes, not only its entries: fifty references
/// to one 10 MB string are a 500 MB copy, which used to be made whole (and four
/// hundred of them ended the process on a failed allocation).
@Suite struct ConversionBytesTests {
    @Test func aCopyCountsAgainstTheMemoryCap() throws {
        let box = try sandbox(LuaLimits(memory: 64 << 20, time: .seconds(5), instructions: nil, output: 4096))
        defer { box.close() }
        try box.state.register("copy") { call in
            _ = try call.value(1)
            return .none
        }
        let clock = ContinuousClock()
        let start = clock.now
        #expect {
            try box.run("""
                local s = ('x'):rep(10 * 1024 * 1024)
                local t = {}
                for i = 1, 400 do t[i] = s end
                copy(t)
                """, chunkName: "copy.lua")
        } throws: { error in
            (error as? LuaError)?.kind == .limit(.memory)
        }
        #expect(clock.now - start < .seconds(3))
        // The limit holds for the rest of the run: a pcall cannot swallow it.
        #expect(box.state.limitHit == .memory)
    }

    @Test func aCopyIsBoundedByBytesWithoutACap() throws {
        let state = try LuaState()
        try state.openStandardLibraries()
        state.conversionLimits.maxBytes = 1 << 20
        #expect {
            try state.run("local s = ('x'):rep(300000) return { s, s, s, s }", chunkName: "t")
        } throws: { error in
            (error as? LuaError)?.message == "cannot convert a table of more than 1 MB into Swift"
        }
        let fits = try state.run("local s = ('x'):rep(300000) return { s, s, s }", chunkName: "t")
        #expect(fits.count == 1)
    }

    @Test func aLongCopyStopsAtTheDeadline() throws {
        let box = try sandbox(LuaLimits(memory: 1 << 30, time: .milliseconds(300), instructions: nil, output: 4096))
        defer { box.close() }
        box.state.conversionLimits.maxEntries = 50_000_000
        try box.state.register("copy") { call in
            _ = try call.value(1)
            return .none
        }
        let clock = ContinuousClock()
        let start = clock.now
        #expect {
            try box.run("""
                local t = {}
                for i = 1, 2e6 do t[i] = { i } end
                while true do copy(t) end
                """, chunkName: "copy.lua")
        } throws: { error in
            (error as? LuaError)?.kind == .limit(.time)
        }
        #expect(clock.now - start < .seconds(3))
    }
}
