import ComityCore
import Foundation
import Testing

/// Leased runs: a run stays queued while a worker holds it, is taken over with the
/// next epoch once its lease expires, and only the holder of the current epoch can end
/// it (fencing); leases renewed by heartbeats, given back by a stopping worker, taken
/// by several at once exactly once; and schedule slots claimed once.
enum RunLeaseCases {
    static func worker(_ id: String) -> WorkerRecord {
        WorkerRecord(id: id, host: "host-\(id)", processID: 42, version: "test", startedAt: morning, heartbeat: morning)
    }

    static func ids(_ prefix: String) -> () -> String {
        var next = 0
        return {
            next += 1
            return "\(prefix)-\(next)"
        }
    }

    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("aLeasedRunStaysQueuedForItsWorkerUntilItsLeaseEnds") { factory in
            let store = try factory.newStore()
            try store.write(commit: true) { tx in
                try tx.enqueue(QueueCases.queued("first", at: 10))
                try tx.enqueue(QueueCases.queued("second", at: 20))
                try tx.registerWorker(worker("a"))
                try tx.registerWorker(worker("b"))
            }
            let a = try store.write(commit: true) { tx in try tx.leaseQueuedRuns(worker: "a", limit: 1, leaseSeconds: 60, newRunID: ids("a")) }
            #expect(a.map(\.run.workflow) == ["first"] && a.first?.epoch == 1 && a.first?.runID == "a-1" && a.first?.previousRunID == nil)
            #expect(a.first?.run.trigger == QueueCases.queued("first", at: 10).trigger)
            try store.read { tx throws in
                // Waiting: only the run nobody holds.
                #expect(try tx.queuedRunCount() == 1 && tx.queuedRuns().map(\.workflow) == ["second"])
                #expect(try tx.leasedRuns().map(\.run.workflow) == ["first"])
                #expect(try tx.leasedRuns().first?.worker == "a")
            }
            let b = try store.write(commit: true) { tx in try tx.leaseQueuedRuns(worker: "b", limit: 5, leaseSeconds: 60, newRunID: ids("b")) }
            #expect(b.map(\.run.workflow) == ["second"])
            #expect(try store.write(commit: true) { tx in try tx.leaseQueuedRuns(worker: "c", limit: 5, leaseSeconds: 60, newRunID: ids("c")) }.isEmpty)
            let held = try #require(a.first).run.id
            #expect(try store.write(commit: true) { tx in try tx.heartbeat(worker: "a", running: [held], leaseSeconds: 60) } == 1)
            // Only the leases the worker runs: not another's, nor one it does not name.
            #expect(try store.write(commit: true) { tx in try tx.heartbeat(worker: "a", running: [held + 1000], leaseSeconds: 60) } == 0)
            #expect(try store.write(commit: true) { tx in try tx.heartbeat(worker: "b", running: [held], leaseSeconds: 60) } == 0)
            let lease = try #require(a.first)
            // A rolled-back end leaves the lease as it was.
            _ = try store.write(commit: false) { tx in try tx.endLease(lease) }
            #expect(try store.read { tx in try tx.leasedRuns().count } == 2)
            try store.write(commit: true) { tx in try tx.endLease(lease) }
            #expect(try store.read { tx in try tx.leasedRuns().map(\.run.workflow) } == ["second"])
            #expect {
                try store.write(commit: true) { tx in try tx.endLease(lease) }
            } throws: { error in
                (error as? StoreError)?.kind == .leaseLost && "\(error)".contains("lost its lease")
            }
        },

        StoreConformanceCase("anExpiredLeaseIsTakenOverWithTheNextEpochAndItsOldHolderIsFencedOff") { factory in
            let store = try factory.newStore()
            let org = try store.write(commit: true) { tx in
                try tx.enqueue(QueueCases.queued("slow", at: 10))
                return try tx.create(.organisation, ["name": .string("before")], context: context).reference
            }
            // A lease of no seconds has run out as soon as it is given.
            let old = try #require(try store.write(commit: true) { tx in
                try tx.leaseQueuedRuns(worker: "paused", limit: 1, leaseSeconds: 0, newRunID: ids("p"))
            }.first)
            let new = try #require(try store.write(commit: true) { tx in
                try tx.leaseQueuedRuns(worker: "alive", limit: 1, leaseSeconds: 60, newRunID: ids("n"))
            }.first)
            #expect(new.run.id == old.run.id && new.epoch == old.epoch + 1 && new.previousRunID == "p-1" && new.runID == "n-1")
            // The old holder's run writes, then ends its lease with its commit: refused, and
            // nothing it wrote is kept.
            #expect {
                try store.write(commit: true) { tx in
                    _ = try tx.update(org, ["name": .string("written by the paused worker")], context: context)
                    _ = try tx.claimOnce(workflow: "slow", key: "k", run: old.runID, at: morning)
                    try tx.endLease(old)
                }
            } throws: { error in (error as? StoreError)?.kind == .leaseLost }
            try store.write(commit: true) { tx throws in
                #expect(try tx.claimOnce(workflow: "slow", key: "k", run: new.runID, at: morning))
                try tx.endLease(new)
            }
            try store.read { tx throws in
                #expect(try tx.record(org)?.fields["name"] == .string("before"))
                #expect(try tx.leasedRuns().isEmpty && tx.queuedRunCount() == 0)
            }
        },

        StoreConformanceCase("workersAreRegisteredBeatAndStopGivingBackTheirLeases") { factory in
            let store = try factory.newStore()
            let before = try store.read { tx in try tx.storeTime() }
            // The store's clock is the machine's, or its server's: near this one in a test.
            #expect(abs(before.secondsSince1970 - Timestamp(Date()).secondsSince1970) < 5)
            try store.write(commit: true) { tx in
                try tx.registerWorker(worker("w1"))
                try tx.enqueue(QueueCases.queued("held", at: 0))
            }
            let lease = try #require(try store.write(commit: true) { tx in
                try tx.leaseQueuedRuns(worker: "w1", limit: 3, leaseSeconds: 30, newRunID: ids("w"))
            }.first)
            #expect(lease.until.secondsSince1970 >= before.secondsSince1970 + 30)
            let listed = try store.read { tx in try tx.workers() }
            #expect(listed.map(\.id) == ["w1"] && listed.first?.host == "host-w1" && listed.first?.stoppedAt == nil)
            #expect(listed.first.map { $0.heartbeat.secondsSince1970 >= before.secondsSince1970 } == true)
            try store.write(commit: true) { tx in try tx.stopWorker("w1") }
            try store.read { tx throws in
                #expect(try tx.workers().first?.stoppedAt != nil)
                #expect(try tx.leasedRuns().isEmpty && tx.queuedRuns().map(\.workflow) == ["held"])
            }
            // Given back: the next worker takes it as a waiting run, with the next epoch.
            let again = try #require(try store.write(commit: true) { tx in
                try tx.leaseQueuedRuns(worker: "w2", limit: 1, leaseSeconds: 30, newRunID: ids("x"))
            }.first)
            #expect(again.epoch == 2 && again.previousRunID == nil)
        },

        StoreConformanceCase("concurrentWorkersLeaseEachRunExactlyOnce") { factory in
            let (location, queued) = try QueueCases.filledQueue(factory, 60)
            let ended = Shared<[Int64]>([])
            let failures = Shared<[String]>([])
            let done = DispatchSemaphore(value: 0)
            for n in 0..<4 {
                Thread {
                    defer { done.signal() }
                    do {
                        let store = try factory.open(location, StoreOpening(lockWait: 30))
                        while true {
                            let leases = try store.write(commit: true) { tx in
                                try tx.leaseQueuedRuns(worker: "w\(n)", limit: 3, leaseSeconds: 60, newRunID: ids("w\(n)"))
                            }
                            if leases.isEmpty { break }
                            for lease in leases {
                                try store.write(commit: true) { tx in try tx.endLease(lease) }
                                ended.withLock { $0.append(lease.run.id) }
                            }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }.start()
            }
            for _ in 0..<4 { done.wait() }
            #expect(failures.withLock { $0 } == [])
            let all = ended.withLock { $0 }
            #expect(all.count == queued.count && Set(all) == queued)
        },

        StoreConformanceCase("eachScheduleSlotIsClaimedOnce") { factory in
            let store = try factory.newStore()
            let slot = Timestamp(secondsSince1970: 1_611_648_000)
            // A claim rolled back with its run leaves the slot free.
            _ = try store.write(commit: false) { tx in try tx.claimSlot(workflow: "daily", slot: slot, run: "r0") }
            try store.write(commit: true) { tx throws in
                #expect(try tx.claimSlot(workflow: "daily", slot: slot, run: "r1"))
                #expect(try !tx.claimSlot(workflow: "daily", slot: slot, run: "r2"))
                #expect(try tx.claimSlot(workflow: "other", slot: slot, run: "r3"))
                #expect(try tx.claimSlot(workflow: "daily", slot: Timestamp(secondsSince1970: slot.secondsSince1970 + 86_400), run: "r4"))
            }
            #expect(try store.write(commit: true) { tx in try tx.claimSlot(workflow: "daily", slot: slot, run: "r5") } == false)
        },
    ]
}
