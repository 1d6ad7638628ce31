import ComityCore
import Foundation
import Testing

/// The trigger queue: oldest due first, each run taken exactly once, by any number of
/// takers at once (threads of one process, and other processes).
enum QueueCases {
    static func queued(_ workflow: String, at seconds: Int64, notBefore: Int64? = nil, event: String? = nil) -> QueuedRun {
        QueuedRun(workflow: workflow, file: "\(workflow).lua",
                  trigger: RunTrigger(.event, event: event ?? "grant.awarded", record: RecordReference(.grant, 4), eventID: 7,
                                      causedBy: "run-0", depth: 1),
                  enqueuedAt: Timestamp(secondsSince1970: seconds), notBefore: notBefore.map(Timestamp.init(secondsSince1970:)),
                  attempt: notBefore == nil ? 1 : 2)
    }

    /// A waiting run is cancelled once, a leased one not, and a rolled-back cancel
    /// leaves its run waiting. (A function of its own: Swift 6.3.1's SendNonSendable
    /// pass crashed, or worse, on these closures written inside the case's.)
    static func cancelling(_ factory: any StoreFactory) throws {
        let store = try factory.newStore()
        func cancel(_ id: Int64, commit: Bool = true) throws -> QueuedRun? {
            try store.write(commit: commit) { tx in try tx.cancelQueuedRun(id: id) }
        }
        try store.write(commit: true) { tx in
            try tx.enqueue(queued("first", at: 10))
            try tx.enqueue(queued("second", at: 20))
            try tx.registerWorker(WorkerRecord(id: "w", host: "here", processID: 1, version: "test", startedAt: morning, heartbeat: morning))
        }
        let ids = try store.read { tx in try tx.queuedRuns().map(\.id) }
        try #require(ids.count == 2)
        let (first, second) = (ids[0], ids[1])
        let leased = try store.write(commit: true) { tx in
            try tx.leaseQueuedRuns(worker: "w", limit: 1, leaseSeconds: 60, newRunID: { "run-w" })
        }
        #expect(leased.map(\.run.id) == [first])
        // The leased run is its worker's: not cancelled.
        #expect(try cancel(first) == nil)
        // Rolled back, the cancel leaves the run waiting.
        #expect(try cancel(second, commit: false)?.id == second)
        let cancelled = try cancel(second)
        #expect(cancelled?.workflow == "second" && cancelled?.trigger == queued("second", at: 20).trigger)
        #expect(try cancel(second) == nil)
        #expect(try cancel(9_999) == nil)
        let (waiting, stillLeased) = try store.read { tx in (try tx.queuedRunCount(), try tx.leasedRuns().map(\.run.id)) }
        #expect(waiting == 0 && stillLeased == [first])
    }

    /// A queued run's parameters come back as given, from every way of reading it.
    static func keepingParameters(_ factory: any StoreFactory) throws {
        let store = try factory.newStore()
        let given = ["round": "2027", "note": "été \"quoted\"", "empty": ""]
        var first = queued("first", at: 10)
        first.parameters = given
        var second = queued("second", at: 20)
        second.parameters = given
        let ids = try store.write(commit: true) { tx in
            let ids = [try tx.enqueue(first), try tx.enqueue(second), try tx.enqueue(queued("plain", at: 30))]
            try tx.registerWorker(WorkerRecord(id: "w", host: "here", processID: 1, version: "test", startedAt: morning, heartbeat: morning))
            return ids
        }
        // Each run's id is the one enqueue answered.
        #expect(try store.read { tx in try tx.queuedRuns().map(\.id) } == ids)
        #expect(try store.read { tx in try tx.queuedRuns().map(\.parameters) } == [given, given, [:]])
        let taken = try store.write(commit: true) { tx in try tx.takeQueuedRun(dueAt: Timestamp(secondsSince1970: 100)) }
        #expect(taken?.parameters == given)
        let leased = try store.write(commit: true) { tx in
            try tx.leaseQueuedRuns(worker: "w", limit: 2, leaseSeconds: 60, newRunID: { "run-w" })
        }
        #expect(leased.map(\.run.parameters) == [given, [:]])
        #expect(try store.read { tx in try tx.leasedRuns().map(\.run.parameters) }.sorted { $0.count > $1.count } == [given, [:]])
    }

    /// Fills a new store's queue with `count` runs due at 0; its location.
    static func filledQueue(_ factory: any StoreFactory, _ count: Int) throws -> (location: String, ids: Set<Int64>) {
        let location = factory.newLocation()
        let store = try factory.open(location, StoreOpening())
        let ids = try store.write(commit: true) { tx in
            for i in 0..<count { try tx.enqueue(queued("w\(i)", at: 0)) }
            return Set(try tx.queuedRuns().map(\.id))
        }
        return (location, ids)
    }

    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("theOldestDueRunIsTakenWithItsTriggerAndOnlyOnce") { factory in
            let store = try factory.newStore()
            try store.write(commit: true) { tx in
                try tx.enqueue(queued("later", at: 10, notBefore: 500))
                try tx.enqueue(queued("first", at: 20))
                try tx.enqueue(queued("second", at: 30))
            }
            try store.read { tx throws in
                #expect(try tx.queuedRunCount() == 3)
                #expect(try tx.queuedRuns().map(\.workflow) == ["first", "second", "later"])
                #expect(try tx.nextQueuedRunDue() == Timestamp(secondsSince1970: 20))
            }
            let taken = try store.write(commit: true) { tx in try tx.takeQueuedRun(dueAt: Timestamp(secondsSince1970: 100)) }
            #expect(taken?.workflow == "first" && taken?.file == "first.lua" && taken?.attempt == 1)
            #expect(taken?.trigger == RunTrigger(.event, event: "grant.awarded", record: RecordReference(.grant, 4), eventID: 7,
                                                 causedBy: "run-0", depth: 1))
            #expect(taken?.enqueuedAt == Timestamp(secondsSince1970: 20))
            // A rolled-back take leaves the run queued.
            _ = try store.write(commit: false) { tx in try tx.takeQueuedRun(dueAt: Timestamp(secondsSince1970: 100)) }
            #expect(try store.write(commit: true) { tx in try tx.takeQueuedRun(dueAt: Timestamp(secondsSince1970: 100)) }?.workflow == "second")
            // Not due yet: a retry's backoff.
            #expect(try store.write(commit: true) { tx in try tx.takeQueuedRun(dueAt: Timestamp(secondsSince1970: 100)) } == nil)
            #expect(try store.read { tx in try tx.nextQueuedRunDue() } == Timestamp(secondsSince1970: 500))
            let later = try store.write(commit: true) { tx in try tx.takeQueuedRun(dueAt: Timestamp(secondsSince1970: 500)) }
            #expect(later?.workflow == "later" && later?.attempt == 2 && later?.notBefore == Timestamp(secondsSince1970: 500))
            try store.read { tx throws in
                #expect(try tx.queuedRunCount() == 0 && tx.queuedRuns().isEmpty && tx.nextQueuedRunDue() == nil)
            }
        },

        StoreConformanceCase("aWaitingRunIsCancelledOnceAndALeasedOneNot") { factory in try cancelling(factory) },
        StoreConformanceCase("aQueuedRunKeepsItsIdAndParametersWhetherTakenListedOrLeased") { factory in try keepingParameters(factory) },
        StoreConformanceCase("concurrentTakersInThreadsTakeEachRunExactlyOnce") { factory in
            let (location, ids) = try filledQueue(factory, 60)
            let taken = Shared<[Int64]>([])
            let failures = Shared<[String]>([])
            let threads = 4
            let done = DispatchSemaphore(value: 0)
            for _ in 0..<threads {
                Thread {
                    defer { done.signal() }
                    do {
                        // Each taker its own store, as each worker would open one.
                        let store = try factory.open(location, StoreOpening(lockWait: 30))
                        while let run = try store.write(commit: true, { tx in try tx.takeQueuedRun(dueAt: Timestamp(secondsSince1970: 1)) }) {
                            taken.withLock { $0.append(run.id) }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }.start()
            }
            for _ in 0..<threads { done.wait() }
            #expect(failures.withLock { $0 } == [])
            let all = taken.withLock { $0 }
            #expect(all.count == ids.count)
            #expect(Set(all) == ids)
        },

        StoreConformanceCase("concurrentTakersInProcessesTakeEachRunExactlyOnce", requires: .otherProcesses) { factory in
            let (location, ids) = try filledQueue(factory, 60)
            let byProcess = try factory.takeQueuedRunsInOtherProcesses(location, processes: 3, dueAt: Timestamp(secondsSince1970: 1))
            let all = byProcess.flatMap { $0 }
            #expect(byProcess.count == 3)
            #expect(all.count == ids.count)
            #expect(Set(all) == ids)
            let reopened = try factory.open(location, StoreOpening())
            #expect(try reopened.read { tx in try tx.queuedRunCount() } == 0)
        },
    ]
}
