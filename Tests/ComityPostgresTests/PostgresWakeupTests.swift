import ComityCore
@testable import ComityPostgres
import Foundation
import Synchronization
import Testing

/// The queue wake-ups of LISTEN/NOTIFY: a notification for each committed transaction
/// that changed the queue, none for others, and a listener that survives losing its
/// connection.
@Suite(.enabled(if: TestServer.isAvailable, "needs the test server of `make test` (COMITY_TEST_POSTGRES)"))
struct PostgresWakeupTests {
    /// Counts wake-ups and lets a test wait for the next one.
    final class WakeupCounter: Sendable {
        private let count = Mutex(0)
        private let arrived = DispatchSemaphore(value: 0)

        var value: Int { count.withLock { $0 } }

        func wake() {
            count.withLock { $0 += 1 }
            arrived.signal()
        }

        /// Whether a wake-up came within `seconds` (a bound for a loaded machine, not a
        /// measurement: the benchmark measures).
        func waitForOne(within seconds: Double = 20) -> Bool {
            arrived.wait(timeout: .now() + seconds) == .success
        }
    }

    static func queued(_ workflow: String = "w") -> QueuedRun {
        QueuedRun(workflow: workflow, file: "Scripts/\(workflow).lua", trigger: .manual, enqueuedAt: Timestamp(secondsSince1970: 1_611_648_000))
    }

    /// Waits until the listener's own session is on the server, so that what is
    /// committed next is heard.
    static func waitForListener(_ location: PostgresLocation) throws {
        for _ in 0..<400 {
            let listening = try PostgresStore.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'comity-listen' AND datname = '\(location.database)'",
                at: location)
            if listening.first.flatMap({ Int($0) }) ?? 0 > 0 {
                // Connected; LISTEN follows on the same connection straight away.
                Thread.sleep(forTimeInterval: 0.2)
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("the listener did not connect")
    }

    /// Commits that change nothing in the queue, and a rolled-back one that did, wake
    /// no one; a commit that queued ten runs wakes once. Notifications arrive in commit
    /// order, so once the last one's has come, any of the earlier ones' would have too.
    @Test func onlyCommitsThatQueueWake() throws {
        let url = try TestServer.newDatabase()
        let store = try PostgresStore(url: url)
        let counter = WakeupCounter()
        let subscription = try store.subscribeToQueueWakeups { counter.wake() }
        defer { subscription.cancel() }
        try Self.waitForListener(store.location)

        _ = try store.write(commit: true) { try $0.create(.organisation, ["name": .string("ASI")], context: ChangeContext(run: "r", at: Timestamp(Date()))) }
        try store.write(commit: false) { try $0.enqueue(Self.queued()) }
        #expect(throws: (any Error).self) {
            try store.write(commit: true) { transaction in
                try transaction.enqueue(Self.queued())
                throw StoreError(.database, "given up")
            }
        }
        try store.write(commit: true) { transaction in
            for i in 0..<10 { try transaction.enqueue(Self.queued("w\(i)")) }
        }
        #expect(counter.waitForOne())
        Thread.sleep(forTimeInterval: 0.3)
        #expect(counter.value == 1)

        // A run given back (a worker that stops) is work again: it wakes too.
        let lease = try #require(try store.write(commit: true) { try $0.leaseQueuedRuns(worker: "a", limit: 1, leaseSeconds: 30) { UUID().uuidString } }.first)
        try store.write(commit: true) { try $0.releaseLease(lease) }
        #expect(counter.waitForOne())
        #expect(counter.value == 2)
    }

    /// A listener whose connection the server ends (a restart, an administrator) comes
    /// back by itself, wakes once on coming back, and hears later commits again.
    @Test func aListenerReconnectsAndWakesOnReturn() throws {
        let url = try TestServer.newDatabase()
        let store = try PostgresStore(url: url)
        let counter = WakeupCounter()
        let subscription = try store.subscribeToQueueWakeups { counter.wake() }
        defer { subscription.cancel() }
        try Self.waitForListener(store.location)

        let ended = try PostgresStore.query(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'comity-listen' AND datname = '\(store.location.database)'",
            at: store.location)
        #expect(ended == ["1"])
        #expect(counter.waitForOne(), "no wake-up on coming back")
        try Self.waitForListener(store.location)
        let before = counter.value
        try store.write(commit: true) { try $0.enqueue(Self.queued()) }
        #expect(counter.waitForOne())
        #expect(counter.value == before + 1)
    }

    /// After `cancel` returns, nothing more is delivered, and the listener's session ends.
    @Test func aCancelledSubscriptionIsSilent() throws {
        let url = try TestServer.newDatabase()
        let store = try PostgresStore(url: url)
        let counter = WakeupCounter()
        let subscription = try store.subscribeToQueueWakeups { counter.wake() }
        try Self.waitForListener(store.location)
        subscription.cancel()
        try store.write(commit: true) { try $0.enqueue(Self.queued()) }
        #expect(!counter.waitForOne(within: 1))
        var sessions = -1
        for _ in 0..<100 {
            sessions = Int(try PostgresStore.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'comity-listen' AND datname = '\(store.location.database)'",
                at: store.location).first ?? "") ?? -1
            if sessions == 0 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(sessions == 0)
    }
}

/// The machine of a run, which a database several machines share keeps beside its
/// process id.
@Suite(.enabled(if: TestServer.isAvailable, "needs the test server of `make test` (COMITY_TEST_POSTGRES)"))
struct PostgresRunHostTests {
    @Test func aRunKeepsItsMachine() throws {
        let store = try PostgresStore(url: try TestServer.newDatabase())
        func run(_ id: String, host: String?) -> RunRecord {
            RunRecord(id: id, workflow: "w", file: "Scripts/w.lua", contentHash: "", trigger: .manual, parameters: [:],
                      clock: Timestamp(secondsSince1970: 0), startedAt: Timestamp(secondsSince1970: 0), processID: 4242, host: host)
        }
        try store.write(commit: true) { transaction in
            try transaction.saveRun(run("elsewhere", host: "machine-b"))
            try transaction.saveRun(run("here", host: nil))
        }
        let read = try store.read { transaction in (try transaction.run(id: "elsewhere"), try transaction.run(id: "here")) }
        #expect(read.0?.host == "machine-b")
        #expect(read.1?.host == nil)
        // Saved again by this machine (marked interrupted, say): still the other machine's.
        var changed = try #require(read.0)
        changed.outcome = .interrupted
        try store.write(commit: true) { try $0.saveRun(changed) }
        #expect(try store.read { try $0.run(id: "elsewhere") }?.host == "machine-b")
        #expect(try PostgresStore.query("SELECT host FROM runs WHERE id = 'here'", at: store.location) == [LocalProcess.hostName])
    }
}
