import ComityCore
import Foundation
import Testing

/// The store as a whole: opened again with what it kept, opened by several at once when
/// new, refusing a database of a newer Comity, waiting a bounded time for a lock, and
/// rolling a run back whole on a full disk.
enum StoreFileCases {
    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("aStoreOpenedAgainHasWhatWasCommitted") { factory in
            let world = try World(factory)
            _ = try world.store.write(commit: true) { tx in try world.grant("kept", nil, tx: tx) }
            let again = try factory.open(world.location, StoreOpening())
            try again.read { tx throws in
                #expect(try tx.count(.organisation, RecordQuery()) == 2)
                #expect(try tx.record(.grant, where: "title", is: .string("kept")) != nil)
                #expect(try tx.audit(of: world.asi).count == 1)
            }
        },

        StoreConformanceCase("aNewStoreOpenedByManyAtOnceIsMigratedOnce") { factory in
            let location = factory.newLocation()
            let failures = Shared<[String]>([])
            let done = DispatchSemaphore(value: 0)
            for i in 0..<3 {
                Thread {
                    defer { done.signal() }
                    do {
                        let store = try factory.open(location, StoreOpening(lockWait: 30))
                        _ = try store.write(commit: true) { tx in
                            try tx.create(.organisation, ["name": .string("opener \(i)")], context: context)
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }.start()
            }
            for _ in 0..<3 { done.wait() }
            #expect(failures.withLock { $0 } == [])
            let opened = try factory.open(location, StoreOpening())
            let count = try opened.read { tx in try tx.count(.organisation, RecordQuery()) }
            #expect(count == 3)
        },

        StoreConformanceCase("aDatabaseFromANewerComityIsRefusedAndLeftAsItIs", requires: .versionMarks) { factory in
            let world = try World(factory)
            try factory.markWrittenByNewerVersion(world.location)
            for _ in 0..<2 {
                #expect {
                    _ = try factory.open(world.location, StoreOpening())
                } throws: { error in
                    (error as? StoreError)?.kind == .newerVersion && "\(error)".contains("written by a newer version of comity")
                }
            }
            #expect(try factory.isIntact(world.location))
        },

        /// Two writers of the same record: the second waits, a bounded time, for the
        /// first's lock (SQLite locks the whole database; PostgreSQL the row).
        StoreConformanceCase("aLockedDatabaseWaitsABoundedTimeThenSaysSo") { factory in
            let location = factory.newLocation()
            let holder = try factory.open(location, StoreOpening())
            let waiter = try factory.open(location, StoreOpening(lockWait: 0.2))
            let shared = try holder.write(commit: true) { tx in
                try tx.create(.organisation, ["name": .string("shared")], context: context).reference
            }
            let started = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let finished = DispatchSemaphore(value: 0)
            let held = Shared<(any Store)?>(holder)
            Thread {
                defer { finished.signal() }
                guard let holder = held.withLock({ $0 }) else { return }
                _ = try? holder.write(commit: true) { tx in
                    _ = try tx.update(shared, ["name": .string("held")], context: context)
                    started.signal()
                    release.wait()
                }
            }.start()
            started.wait()
            let clock = ContinuousClock()
            let begin = clock.now
            #expect {
                try waiter.write(commit: true) { tx in
                    try tx.update(shared, ["name": .string("late")], context: context)
                }
            } throws: { error in
                (error as? StoreError)?.kind == .locked && "\(error)".contains("is locked by another process")
            }
            #expect(clock.now - begin < .seconds(5))
            release.signal()
            finished.wait()
            // Once the lock is gone, the same write goes through.
            _ = try waiter.write(commit: true) { tx in try tx.update(shared, ["name": .string("late")], context: context) }
            #expect(try waiter.read { tx in try tx.record(shared)?.fields["name"] } == .string("late"))
        },

        /// A full disk, made by a size limit: the run fails with a clear error, is rolled
        /// back, and what was stored before is intact.
        StoreConformanceCase("aFullDatabaseRollsBackTheRunAndKeepsWhatWasThere", requires: .sizeLimit) { factory in
            let location = factory.newLocation()
            let roomy = try factory.open(location, StoreOpening())
            _ = try roomy.write(commit: true) { tx in try tx.create(.organisation, ["name": .string("kept")], context: context) }
            let cramped = try factory.open(location, StoreOpening(room: 8192))
            #expect {
                try cramped.write(commit: true) { tx in
                    for i in 1...5000 {
                        _ = try tx.create(.organisation, ["name": .string("Organisation \(i) with a long name to fill pages")], context: context)
                    }
                }
            } throws: { error in
                (error as? StoreError)?.kind == .notWritable && "\(error)".contains("the disk is full or failing; the run was rolled back")
            }
            var names: [String] = []
            try roomy.read { tx in
                try tx.forEach(.organisation, RecordQuery()) { names.append($0.fields["name"]?.description ?? ""); return true }
            }
            #expect(names == ["kept"])
            #expect(try factory.isIntact(location))
        },
    ]
}
