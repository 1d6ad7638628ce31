import LuaBridge
import Testing

/// Swift functions Lua owns (`function(_:releasedBy:_:)`): let go when released, or
/// when Lua collects them, never kept until the state closes.
@Suite struct OwnedFunctionTests {
    @Test func aReleasedFunctionLetsGoOfItsBodyAndReturnsNothing() throws {
        let counter = LiveCounter()
        let state = try LuaState()
        try state.openStandardLibraries()
        let before = state.liveFunctionCount
        let release = LuaFunctionRelease()
        do {
            let tracked = Tracked(counter, value: 3)
            var left: Int64 = 2
            // Counts down, and lets go of itself at the end, as a find's iterator does.
            let countdown = try state.function("countdown", releasedBy: release) { call in
                guard left > 0 else {
                    release.release()
                    return try call.returning(.nil)
                }
                left -= 1
                return call.returning(tracked.value + left)
            }
            try state.setGlobal("countdown", countdown)
        }
        #expect(state.liveFunctionCount == before + 1)
        #expect(counter.alive == 1)
        #expect(try state.run("return countdown(), countdown(), countdown()", chunkName: "t") == [4, 3, .nil])
        #expect(release.isReleased)
        #expect(state.liveFunctionCount == before)
        #expect(counter.alive == 0) // the body, and what it held, is gone though Lua still has the function
        // Called again after its end, it returns nothing (and touches nothing freed).
        #expect(try state.run("return select('#', countdown()), countdown()", chunkName: "t") == [0])
        release.release() // a second release does nothing
    }

    @Test func aFunctionLuaCollectsLetsGoOfItsBody() throws {
        let counter = LiveCounter()
        let state = try LuaState()
        try state.openStandardLibraries()
        let before = state.liveFunctionCount
        var releases: [LuaFunctionRelease] = []
        for _ in 0..<200 {
            let release = LuaFunctionRelease()
            releases.append(release)
            let tracked = Tracked(counter)
            // Made, called once and dropped, as an abandoned iterator is.
            let value = try state.function("f", releasedBy: release) { call in call.returning(tracked.value) }
            _ = try state.call(value, [])
        }
        try state.collectGarbage()
        #expect(counter.alive == 0)
        #expect(state.liveFunctionCount == before)
        #expect(releases.allSatisfy { $0.isReleased })
        for release in releases { release.release() } // after collection: nothing to do, nothing touched
    }

    @Test func closingTheStateReleasesWhatIsLeft() throws {
        let counter = LiveCounter()
        do {
            let state = try LuaState()
            let release = LuaFunctionRelease()
            let tracked = Tracked(counter)
            try state.setGlobal("f", try state.function("f", releasedBy: release) { call in call.returning(tracked.value) })
            #expect(counter.alive == 1)
        }
        #expect(counter.alive == 0)
    }
}
