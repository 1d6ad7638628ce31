import ComityEngine
import ComityScheduler
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The daemon's grace is a promise: after it, the run in progress is cancelled, and a
/// cycle that still does not end is left behind so that the daemon stops anyway.
@Suite struct DaemonStopTests {
    @Test func aCycleThatCannotBeStoppedIsLeftBehindAfterTheGraceAndTheMargin() async throws {
        let workspace = try ScheduledWorkspace([:], at: "2026-11-29T07:00:00Z")
        // A cycle stuck in something no cancellation reaches: its catalog never returns.
        let entered = Box(false)
        let release = DispatchSemaphore(value: 0)
        let daemon = SchedulerDaemon(
            scheduler: workspace.scheduler,
            catalog: {
                entered.set(true)
                release.wait()
                return WorkflowCatalog(workflows: [])
            },
            grace: .milliseconds(200), stopMargin: .milliseconds(500))
        defer { release.signal() }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: daemon)], logger: Logger(label: "test")))
        let outcome = Box<String?>(nil)
        let running = Task {
            do {
                try await group.run()
                outcome.set("returned")
            } catch {
                outcome.set("\(error)")
            }
        }
        while !entered.get() { try await Task.sleep(for: .milliseconds(20)) }
        let asked = ContinuousClock.now
        await group.triggerGracefulShutdown()
        // Generous: the promise is 0.7 s here, but other suites' blocking tests can hold
        // the threads the shutdown handler and this loop need; without the promise it
        // would wait forever.
        while outcome.get() == nil, ContinuousClock.now - asked < .seconds(60) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let result = try #require(outcome.get(), "the daemon did not stop within 60 s of being asked")
        #expect(result.contains("a run did not stop within"), "\(result)")
        _ = running
    }
}

/// A value shared between the test and the daemon's threads.
final class Box<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func get() -> Value { value.withLock { $0 } }
    func set(_ new: Value) { value.withLock { $0 = new } }
}
