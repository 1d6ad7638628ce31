import Foundation
import LuaBridge
import Testing

/// The deadline is tripped by a signal to the thread that runs the script, never by
/// touching the state from the timer's thread.
@Suite struct DeadlineTests {
    /// Runs `body` on a thread of its own whose signals are all blocked (as dispatch's
    /// worker threads block asynchronous ones); waits up to 20 s for it.
    func onThreadBlockingSignals(_ body: @escaping @Sendable () -> String) -> String? {
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        let thread = Thread {
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
            result.set(body())
            done.signal()
        }
        thread.start()
        return done.wait(timeout: .now() + 20) == .success ? result.value : nil
    }

    @Test func theDeadlineReachesAThreadThatBlocksSignals() {
        let outcome = onThreadBlockingSignals {
            do {
                let box = try LuaSandbox(limits: LuaLimits(time: .milliseconds(300))) { _ in }
                defer { box.close() }
                try box.run("local co = coroutine.wrap(function() while true do end end) co()", chunkName: "spin.lua")
                return "finished"
            } catch {
                return (error as? LuaError)?.message ?? "\(error)"
            }
        }
        #expect(outcome?.hasSuffix("time limit exceeded (300ms)") == true, "\(outcome ?? "still running after 20 s")")
    }

    @Test func aCancellationFromAnotherThreadStopsARunInACoroutine() {
        let cancellation = LuaCancellation()
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(200)) { cancellation.cancel() }
        let outcome = onThreadBlockingSignals {
            do {
                let box = try LuaSandbox(limits: .unlimited, output: { _ in }, cancellation: cancellation)
                defer { box.close() }
                try box.run("""
                    local inner = coroutine.wrap(function() while true do end end)
                    coroutine.wrap(function() inner() end)()
                    """, chunkName: "spin.lua")
                return "finished"
            } catch {
                return (error as? LuaError)?.message ?? "\(error)"
            }
        }
        #expect(outcome?.hasSuffix("cancelled: the process running it was asked to stop") == true, "\(outcome ?? "still running after 20 s")")
    }

    /// Each state arms only its own hooks: a run whose limit is not hit goes on while
    /// another on the same thread (a nested state) is stopped.
    @Test func aNestedStateOnTheSameThreadIsStoppedAloneAndTheOuterGoesOn() throws {
        let outer = try sandbox(LuaLimits(time: .seconds(20)))
        defer { outer.close() }
        try outer.state.register("inner_run") { call in
            let inner = try LuaSandbox(limits: LuaLimits(time: .milliseconds(200))) { _ in }
            defer { inner.close() }
            do {
                try inner.run("while true do end", chunkName: "inner.lua")
                return try call.returning("inner finished")
            } catch {
                return try call.returning((error as? LuaError)?.message ?? "\(error)")
            }
        }
        let results = try outer.run("local m = inner_run(); local n = 0; for i = 1, 1000 do n = n + i end; return m, n", chunkName: "outer.lua")
        #expect(results.first?.stringValue?.hasSuffix("time limit exceeded (200ms)") == true, "\(results)")
        #expect(results.last == .integer(500500))
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?
    var value: String? { lock.withLock { stored } }
    func set(_ text: String) { lock.withLock { stored = text } }
}
