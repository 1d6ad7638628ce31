import ComityCore
import Foundation
import Testing

/// What a run sees: a find iterates the rows that matched when it was called, each once,
/// with their values then; and an id is never handed out twice, so a handle to a record
/// a rollback took finds nothing.
enum SnapshotCases {
    struct Failure: Error {}

    static func org(_ name: String, _ tx: any StoreTransaction) throws -> RecordReference {
        try tx.create(.organisation, ["name": .string(name)], context: context).reference
    }

    static func names(_ tx: any StoreTransaction, _ query: RecordQuery = RecordQuery()) throws -> [String] {
        var names: [String] = []
        try tx.forEach(.organisation, query) { record in
            if case .string(let name)? = record.fields["name"] { names.append(name) }
            return true
        }
        return names
    }

    /// Every use of a handle to a record that is not there is refused, naming it.
    static func expectRefused(_ reference: RecordReference, in store: any Store) throws {
        let said = "Organisation \(reference.id) does not exist (it was rolled back, or never committed)"
        try store.write(commit: false) { tx in
            #expect(try tx.record(reference) == nil)
            let event = try tx.create(.event, ["title": .string("E"), "starts_at": .time(morning)], context: context).reference
            let other = try SnapshotCases.org("Other", tx)
            let uses: [(String, () throws -> Void)] = [
                ("update", { _ = try tx.update(reference, ["name": .string("X")], context: context) }),
                ("archive", { _ = try tx.archive(reference, context: context) }),
                ("restore", { _ = try tx.restore(reference, context: context) }),
                ("participant", { try tx.addParticipant(event, reference, role: "speaker", context: context) }),
                ("funder", { _ = try tx.create(.grant, ["title": .string("G"), "funder": .reference(reference),
                                                        "recipient": .reference(other)], context: context) }),
                ("organisers", { _ = try tx.update(event, ["organisers": .references([reference])], context: context) }),
            ]
            for (use, body) in uses {
                #expect("\(use)", performing: body, throws: { "\($0)".contains(said) })
            }
        }
    }

    static let all: [StoreConformanceCase] = [
        // MARK: A find is a snapshot

        StoreConformanceCase("updatesThatMoveRowsInTheOrderVisitEachOnce") { factory in
            let store = try factory.newStore()
            let week: Int64 = 7 * 86_400
            // Still matching once moved: a live statement would meet each moved row again.
            let feb1 = try Timestamp(parsing: "2021-03-01T00:00:00Z")
            try store.write(commit: true) { tx in
                for day in 1...3 {
                    _ = try tx.create(.task, ["title": .string("Task \(day)"),
                                              "due": .time(Timestamp(secondsSince1970: morning.secondsSince1970 + Int64(day) * 3600))],
                                      context: context)
                }
            }
            let visited = try store.write(commit: true) { tx in
                var visited: [Int64] = []
                let tasks = try tx.cursor(.task, RecordQuery(filters: [.init("due", .less, .time(feb1))], orderBy: [("due", false)]))
                while let task = try tasks.next() {
                    visited.append(task.id)
                    guard case .time(let due)? = task.fields["due"] else { continue }
                    _ = try tx.update(task.reference, ["due": .time(Timestamp(secondsSince1970: due.secondsSince1970 + week))], context: context)
                }
                return visited
            }
            #expect(visited == [1, 2, 3])
            let dues = try store.read { tx in try (1...3).map { try tx.record(RecordReference(.task, Int64($0)))?.fields["due"] } }
            #expect(dues == (1...3).map { .time(Timestamp(secondsSince1970: morning.secondsSince1970 + Int64($0) * 3600 + week)) })
        },

        StoreConformanceCase("createsThatMatchAreNotVisitedAndTheLoopEnds") { factory in
            let store = try factory.newStore()
            try store.write(commit: true) { tx in for name in ["A", "B", "C"] { _ = try SnapshotCases.org(name, tx) } }
            let visited = try store.write(commit: true) { tx in
                var visited: [String] = []
                let orgs = try tx.cursor(.organisation, RecordQuery())
                while let org = try orgs.next() {
                    guard visited.count < 100, case .string(let name)? = org.fields["name"] else { break }
                    visited.append(name)
                    _ = try SnapshotCases.org(name + " copy", tx)
                }
                return visited
            }
            #expect(visited == ["A", "B", "C"])
            #expect(try store.read { tx in try tx.count(.organisation, RecordQuery()) } == 6)
        },

        StoreConformanceCase("rowsKeepTheirValuesAsOfTheCallWhateverTheLoopWrites") { factory in
            let store = try factory.newStore()
            let (a, b, c) = try store.write(commit: true) { tx in (try SnapshotCases.org("A", tx), try SnapshotCases.org("B", tx), try SnapshotCases.org("C", tx)) }
            let event = try store.write(commit: true) { tx in
                try tx.create(.event, ["title": .string("Round table"), "starts_at": .time(morning), "organisers": .references([a])],
                              context: context).reference
            }
            let seen = try store.write(commit: true) { tx in
                var seen: [String] = []
                let orgs = try tx.cursor(.organisation, RecordQuery(orderBy: [("name", false)]))
                while let org = try orgs.next() {
                    seen.append(org.fields["name"]?.description ?? "?")
                    if org.reference == a {
                        // The rest is renamed and archived, and the event's organisers change.
                        _ = try tx.update(b, ["name": .string("Z renamed")], context: context)
                        _ = try tx.archive(c, context: context)
                        _ = try tx.update(event, ["organisers": .references([b, c])], context: context)
                    }
                }
                return seen
            }
            #expect(seen == ["A", "B", "C"])

            // A list of records comes as of the call too.
            let organisers = try store.write(commit: false) { tx in
                var organisers: [FieldValue?] = []
                let events = try tx.cursor(.event, RecordQuery())
                _ = try SnapshotCases.org("D", tx) // nothing copied yet: the write detaches the open find
                _ = try tx.update(event, ["organisers": .references([a])], context: context)
                while let record = try events.next() { organisers.append(record.fields["organisers"]) }
                return organisers
            }
            #expect(organisers == [.references([b, c])])
        },

        StoreConformanceCase("nestedFindsOfOneShapeAndLimitsHoldAcrossWrites") { factory in
            let store = try factory.newStore()
            try store.write(commit: true) { tx in for name in ["A", "B", "C"] { _ = try SnapshotCases.org(name, tx) } }
            let pairs = try store.write(commit: false) { tx in
                var pairs: [String] = []
                let outer = try tx.cursor(.organisation, RecordQuery(orderBy: [("name", false)]))
                while let first = try outer.next() {
                    let inner = try tx.cursor(.organisation, RecordQuery(orderBy: [("name", false)]))
                    while let second = try inner.next() {
                        pairs.append("\(first.fields["name"]?.description ?? "")\(second.fields["name"]?.description ?? "")")
                        _ = try SnapshotCases.org("A" + (second.fields["name"]?.description ?? ""), tx)
                    }
                }
                return pairs
            }
            // The outer find saw three rows; each inner one saw what matched when it was called.
            #expect(pairs.count == 3 + 6 + 12)
            #expect(pairs.prefix(3) == ["AA", "AB", "AC"])

            let limited = try store.write(commit: false) { tx in
                var seen: [String] = []
                let orgs = try tx.cursor(.organisation, RecordQuery(orderBy: [("name", true)], limit: 2))
                while let org = try orgs.next() {
                    seen.append(org.fields["name"]?.description ?? "")
                    _ = try tx.update(org.reference, ["name": .string("0")], context: context)
                }
                return seen
            }
            #expect(limited == ["C", "B"])
        },

        StoreConformanceCase("aRolledBackSavepointInsideAFindLeavesItsRowsAsOfTheCall") { factory in
            let store = try factory.newStore()
            try store.write(commit: true) { tx in for name in ["A", "B", "C", "D"] { _ = try SnapshotCases.org(name, tx) } }
            let seen = try store.write(commit: true) { tx in
                var seen: [String] = []
                let orgs = try tx.cursor(.organisation, RecordQuery(orderBy: [("name", false)]))
                while let org = try orgs.next() {
                    let name = org.fields["name"]?.description ?? ""
                    seen.append(name)
                    // Inside a savepoint that fails: the copy made there is rolled back with it.
                    _ = try? tx.inSavepoint {
                        _ = try SnapshotCases.org("B2", tx)
                        throw Failure()
                    }
                    if name == "B" { _ = try tx.update(org.reference, ["name": .string("E")], context: context) }
                }
                return seen
            }
            #expect(seen == ["A", "B", "C", "D"])
            #expect(try store.read { tx in try SnapshotCases.names(tx, RecordQuery(orderBy: [("name", false)])) } == ["A", "C", "D", "E"])

            // A find made inside a savepoint that failed is refused after it, not read on.
            try store.write(commit: false) { tx in
                var escaped: (any RecordCursor)?
                _ = try? tx.inSavepoint {
                    escaped = try tx.cursor(.organisation, RecordQuery())
                    _ = try SnapshotCases.org("F", tx)
                    throw Failure()
                }
                let cursor = try #require(escaped)
                #expect(throws: StoreError.self) { try cursor.next() }
            }
        },

        // MARK: Ids are never handed out twice

        /// A find still open when its transaction ended (a Lua iterator collected after
        /// the run) closes later without disturbing the store's next transaction.
        StoreConformanceCase("aFindClosedAfterItsTransactionLeavesTheNextOneAlone") { factory in
            let store = try factory.newStore()
            _ = try store.write(commit: true) { tx in
                for i in 1...3 { _ = try SnapshotCases.org("Org \(i)", tx) }
            }
            let fromRead = try store.read { tx in
                let cursor = try tx.cursor(.organisation, RecordQuery())
                _ = try cursor.next()
                return cursor
            }
            let fromWrite = try store.write(commit: true) { tx in try tx.cursor(.organisation, RecordQuery()) }
            let failed = Shared<(any RecordCursor)?>(nil)
            #expect(throws: Failure.self) {
                try store.write(commit: true) { tx -> Void in
                    let cursor = try tx.cursor(.organisation, RecordQuery())
                    failed.withLock { $0 = cursor }
                    throw Failure()
                }
            }
            // Closed (as a collected iterator would be) while the next transaction runs.
            let made = try store.write(commit: true) { tx in
                fromRead.close()
                fromWrite.close()
                failed.withLock { $0?.close() }
                return try SnapshotCases.org("After", tx)
            }
            #expect(try store.read { tx in try tx.record(made)?.fields["name"] } == .string("After"))
            #expect(try store.read { tx in try tx.count(.organisation, RecordQuery()) } == 4)
        },

        StoreConformanceCase("aRolledBackTransactionsIdsAreNotHandedOutAgain") { factory in
            let store = try factory.newStore()
            _ = try store.write(commit: true) { tx in try SnapshotCases.org("Kept", tx) }
            var stale: RecordReference?
            #expect(throws: Failure.self) {
                try store.write(commit: true) { tx in
                    stale = try SnapshotCases.org("Rolled back", tx)
                    throw Failure()
                }
            }
            let reference = try #require(stale)
            let later = try store.write(commit: true) { tx in try SnapshotCases.org("Later", tx) }
            #expect(later.id > reference.id)
            try SnapshotCases.expectRefused(reference, in: store)

            // A dry run's ids too, and the dry run leaves the file as it was.
            let dry = try store.write(commit: false) { tx in try SnapshotCases.org("Dry", tx) }
            let after = try store.write(commit: true) { tx in try SnapshotCases.org("After", tx) }
            #expect(after.id > dry.id)
            try SnapshotCases.expectRefused(dry, in: store)
        },

        StoreConformanceCase("aRolledBackSavepointsIdsAreNotHandedOutAgain") { factory in
            let store = try factory.newStore()
            let (inside, after) = try store.write(commit: true) { tx in
                var inside: RecordReference?
                _ = try? tx.inSavepoint {
                    inside = try SnapshotCases.org("Inside", tx)
                    _ = try tx.create(.grant, ["title": .string("G"), "funder": .reference(try #require(inside)),
                                               "recipient": .reference(try #require(inside))], context: context)
                    throw Failure()
                }
                return (try #require(inside), try SnapshotCases.org("After", tx))
            }
            #expect(after.id > inside.id)
            try SnapshotCases.expectRefused(inside, in: store)
            // The whole transaction rolled back after its savepoint: still not handed out again.
            let (savepointed, next) = try store.write(commit: false) { tx in
                var made: RecordReference?
                _ = try? tx.inSavepoint { made = try SnapshotCases.org("Inside", tx); throw Failure() }
                return (try #require(made), try SnapshotCases.org("Next", tx))
            }
            #expect(next.id > savepointed.id)
            #expect(try store.write(commit: true) { tx in try SnapshotCases.org("Last", tx) }.id > next.id)
        },

        StoreConformanceCase("anotherProcessDoesNotTakeTheIdsOfAFailedWrite") { factory in
            let path = factory.newLocation()
            let first = try factory.open(path, StoreOpening())
            var stale: RecordReference?
            #expect(throws: Failure.self) {
                try first.write(commit: true) { tx in stale = try SnapshotCases.org("Rolled back", tx); throw Failure() }
            }
            // A second store on the file knows nothing of the first's memory.
            let second = try factory.open(path, StoreOpening())
            let other = try second.write(commit: true) { tx in try SnapshotCases.org("Other", tx) }
            #expect(other.id > (try #require(stale)).id)
        },

    ]
}
