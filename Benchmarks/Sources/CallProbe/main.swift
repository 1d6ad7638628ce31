// Instruction counts for the call benchmark, for `valgrind --tool=callgrind`, which
// counts instructions instead of timing them and so is not disturbed by other load:
//   CallProbe c|swift N   runs N calls of f(i) -> i + 1 from a Lua loop;
//   CallProbe pcall-stock|pcall-sandbox N   runs N pcalls that write nothing, with
//   Lua's own pcall in a stock state or the sandbox's with savepoints set.
import BaselineC
import Foundation
import LuaBridge

let arguments = CommandLine.arguments
guard arguments.count == 3, let calls = Int64(arguments[2]),
      ["c", "swift", "pcall-stock", "pcall-sandbox"].contains(arguments[1]) else {
    print("usage: CallProbe c|swift|pcall-stock|pcall-sandbox CALLS")
    exit(64)
}

/// Savepoints a loop that writes nothing never asks for.
final class NoSavepoints: LuaSavepoints {
    func openSavepoint(level: Int) throws { fatalError("no write, no savepoint") }
    func releaseSavepoint(level: Int) throws {}
    func rollBackSavepoint(level: Int) throws {}
}

let pcallLoop = """
    local n = 0
    local pcall = pcall -- a local in both: what is measured is pcall, not a global lookup
    local function f(i) if i % 100 == 0 then error("every hundredth") end return i end
    for i = 1, \(calls) do
      local ok, v = pcall(f, i)
      if ok then n = n + v end
    end
    return n
    """

if arguments[1] == "pcall-stock" {
    let state = try LuaState()
    try state.openStandardLibraries()
    print(try state.run(pcallLoop, chunkName: "pcall"))
} else if arguments[1] == "pcall-sandbox" {
    let sandbox = try LuaSandbox(limits: .unlimited) { _ in }
    sandbox.state.savepoints = NoSavepoints()
    print(try sandbox.run(pcallLoop, chunkName: "pcall"))
    sandbox.close()
} else if arguments[1] == "c" {
    guard let state = baseline_state_with_c_function() else { exit(1) }
    print(baseline_run_loop(state, calls))
    baseline_close(state)
} else {
    let state = try LuaState()
    try state.openStandardLibraries()
    try state.register("f") { call in
        call.returning(try call.integer(1) + 1)
    }
    guard baseline_define_loop(state.pointer) == 0 else { exit(1) }
    print(baseline_run_loop(state.pointer, calls))
}
