// Instruction counts for the call benchmark, for `valgrind --tool=callgrind`, which
// counts instructions instead of timing them and so is not disturbed by other load:
//   CallProbe c|swift N   runs N calls of f(i) -> i + 1 from a Lua loop.
import BaselineC
import Foundation
import LuaBridge

let arguments = CommandLine.arguments
guard arguments.count == 3, let calls = Int64(arguments[2]), ["c", "swift"].contains(arguments[1]) else {
    print("usage: CallProbe c|swift CALLS")
    exit(64)
}

if arguments[1] == "c" {
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
