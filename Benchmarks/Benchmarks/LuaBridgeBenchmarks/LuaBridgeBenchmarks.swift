import BaselineC
import Benchmark
import LuaBridge

// Each figure is meant to be read as a ratio to the baseline measured beside it in
// the same run (see README "Benchmarks"): the machines are shared and noisy.

let callsPerIteration: Int64 = 100_000

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .instructions, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(3),
        maxIterations: 200
    )

    // MARK: Calling Swift from Lua

    Benchmark("call: C lua_CFunction f(i) -> i + 1 (baseline), 100k calls") { (benchmark: Benchmark, state: CStateBox) in
        for _ in benchmark.scaledIterations {
            blackHole(baseline_run_loop(state.pointer, callsPerIteration))
        }
    } setup: {
        CStateBox()
    }

    Benchmark("call: Swift function f(i) -> i + 1 with typed checks, 100k calls") { (benchmark: Benchmark, state: StateBox) in
        for _ in benchmark.scaledIterations {
            blackHole(baseline_run_loop(state.pointer, callsPerIteration))
        }
    } setup: {
        let state = try LuaState()
        try state.openStandardLibraries()
        try state.register("f") { call in
            call.returning(try call.integer(1) + 1)
        }
        precondition(baseline_define_loop(state.pointer) == 0)
        precondition(baseline_run_loop(state.pointer, 10) == 10)
        return StateBox(state)
    }

    // MARK: A state ready to run a script

    Benchmark("state: luaL_newstate + luaL_openlibs + lua_close (baseline)") { benchmark in
        for _ in benchmark.scaledIterations {
            baseline_open_and_close()
        }
    }

    Benchmark("state: sandboxed state with default limits, made and closed") { benchmark in
        for _ in benchmark.scaledIterations {
            let sandbox = try LuaSandbox(limits: .default) { _ in }
            sandbox.close()
            blackHole(sandbox)
        }
    }

    // MARK: Limits on pure-Lua code

    let loop = Array("local s = 0 for i = 1, 1000000 do s = s + i % 7 end return s".utf8)

    Benchmark("loop: pure Lua, 1M iterations, no limits (baseline)") { (benchmark: Benchmark, sandbox: SandboxBox) in
        for _ in benchmark.scaledIterations {
            blackHole(try sandbox.sandbox.run(loop, chunkName: "loop"))
        }
    } setup: {
        SandboxBox(try LuaSandbox(limits: .unlimited) { _ in })
    }

    Benchmark("loop: pure Lua, 1M iterations, default limits") { (benchmark: Benchmark, sandbox: SandboxBox) in
        for _ in benchmark.scaledIterations {
            blackHole(try sandbox.sandbox.run(loop, chunkName: "loop"))
        }
    } setup: {
        var limits = LuaLimits.default
        limits.time = .seconds(3600) // the default kind of limit, long enough for the whole benchmark
        return SandboxBox(try LuaSandbox(limits: limits) { _ in })
    }

    Benchmark("loop: pure Lua, 1M iterations, with an instruction limit") { (benchmark: Benchmark, sandbox: SandboxBox) in
        for _ in benchmark.scaledIterations {
            blackHole(try sandbox.sandbox.run(loop, chunkName: "loop"))
        }
    } setup: {
        var limits = LuaLimits.default
        limits.time = .seconds(3600)
        limits.instructions = 1 << 60
        return SandboxBox(try LuaSandbox(limits: limits) { _ in })
    }

    // MARK: pcall without writes

    // What an error caught by pcall keeps costs nothing when nothing is written: the
    // sandbox's pcall (a frame noted in C, savepoints asked for only at a write) vs
    // Lua's own in a stock state.
    let pcallLoop = Array(PcallLoop.source.utf8)

    Benchmark("pcall: stock Lua pcall, 1M calls, no writes (baseline)") { (benchmark: Benchmark, state: StateBox) in
        for _ in benchmark.scaledIterations {
            blackHole(try state.state.run(pcallLoop, chunkName: "pcall"))
        }
    } setup: {
        let state = try LuaState()
        try state.openStandardLibraries()
        return StateBox(state)
    }

    Benchmark("pcall: sandbox pcall with savepoints, 1M calls, no writes") { (benchmark: Benchmark, sandbox: SandboxBox) in
        for _ in benchmark.scaledIterations {
            blackHole(try sandbox.sandbox.run(pcallLoop, chunkName: "pcall"))
        }
    } setup: {
        let sandbox = try LuaSandbox(limits: .unlimited) { _ in }
        sandbox.state.savepoints = PcallLoop.NoSavepoints()
        return SandboxBox(sandbox)
    }
}

/// Setup values cross into the measured closure; these states are only ever used
/// by one benchmark at a time.
final class StateBox: @unchecked Sendable {
    let state: LuaState
    init(_ state: LuaState) { self.state = state }
    var pointer: OpaquePointer { state.pointer }
}

final class CStateBox: @unchecked Sendable {
    let pointer: OpaquePointer
    init() {
        guard let state = baseline_state_with_c_function() else { fatalError("luaL_newstate failed") }
        pointer = state
    }
    deinit { baseline_close(pointer) }
}

final class SandboxBox: @unchecked Sendable {
    let sandbox: LuaSandbox
    init(_ sandbox: LuaSandbox) { self.sandbox = sandbox }
}

/// The loop both pcall benchmarks run, and a host whose savepoints are never asked for.
enum PcallLoop {
    static let source = """
        local n = 0
        local pcall = pcall -- a local in both: what is measured is pcall, not a global lookup
        local function f(i) if i % 100 == 0 then error("every hundredth") end return i end
        for i = 1, 1000000 do
          local ok, v = pcall(f, i)
          if ok then n = n + v end
        end
        return n
        """

    final class NoSavepoints: LuaSavepoints {
        func openSavepoint(level: Int) throws { fatalError("no write, no savepoint") }
        func releaseSavepoint(level: Int) throws {}
        func rollBackSavepoint(level: Int) throws {}
    }
}
