import ComityCore
import Testing

/// Savepoints: nested, released, rolled back; what a rollback undoes is everything the
/// transaction keeps (records, audit, events, queued runs, messages, once-keys), and
/// only what was written inside.
enum SavepointCases {
    struct Rejected: Error {}

    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("nestedSavepointsKeepOrUndoExactlyWhatWasWrittenInside") { factory in
            let world = try World(factory)
            let run = ChangeContext(run: "run-s", at: morning)
            try world.store.write(commit: true) { tx in
                let outer = try tx.openSavepoint()
                _ = try tx.create(.organisation, ["name": .string("outer")], context: run)
                let inner = try tx.openSavepoint()
                _ = try tx.create(.organisation, ["name": .string("inner, undone")], context: run)
                try tx.enqueue(QueuedRun(workflow: "undone", file: "undone.lua", trigger: .manual, enqueuedAt: morning))
                #expect(try tx.claimOnce(workflow: "w", key: "undone", run: "run-s", at: morning))
                _ = try tx.queueMessage(OutgoingMessage(to: [MailAddress(address: "a@example.org")], subject: "undone", body: "",
                                                        queuedAt: morning))
                try tx.rollBack(toSavepoint: inner)
                #expect(try tx.events(byRun: "run-s").count == 1)
                // Ended: it cannot be ended again.
                #expect(throws: (any Error).self) { try tx.releaseSavepoint(inner) }
                let kept = try tx.openSavepoint()
                _ = try tx.create(.organisation, ["name": .string("inner, kept")], context: run)
                try tx.releaseSavepoint(kept)
                try tx.releaseSavepoint(outer)
                // Releasing an outer one ends those inside it.
                let a = try tx.openSavepoint()
                let b = try tx.openSavepoint()
                _ = try tx.create(.organisation, ["name": .string("released with a")], context: run)
                try tx.releaseSavepoint(a)
                #expect(throws: (any Error).self) { try tx.rollBack(toSavepoint: b) }
                // Rolling back an outer one undoes those inside it, released or not.
                let c = try tx.openSavepoint()
                let d = try tx.openSavepoint()
                _ = try tx.create(.organisation, ["name": .string("undone with c")], context: run)
                try tx.releaseSavepoint(d)
                try tx.rollBack(toSavepoint: c)
            }
            try world.store.read { tx throws in
                let names = try tx.changes(byRun: "run-s").filter { $0.action == .create }
                    .compactMap { try tx.record($0.record)?.fields["name"] }
                #expect(names == [.string("outer"), .string("inner, kept"), .string("released with a")])
                #expect(try tx.events(byRun: "run-s").map(\.name) == Array(repeating: "organisation.created", count: 3))
                #expect(try tx.queuedRunCount() == 0)
                #expect(try tx.messages(nil).isEmpty)
                #expect(try tx.changeCounts(byRun: "run-s") == (created: 3, changed: 0))
            }
            // The once-key was undone with its savepoint: it can be claimed again.
            #expect(try world.store.write(commit: true) { tx in try tx.claimOnce(workflow: "w", key: "undone", run: "run-t", at: morning) })
        },

        // Past any batch a store writes its audit in (SQLite and PostgreSQL send audit
        // rows several to a statement): a rolled-back part's rows go, written or not.
        StoreConformanceCase("manyCreatesKeepExactlyTheAuditOfWhatIsKept") { factory in
            let world = try World(factory)
            let run = ChangeContext(run: "run-many", at: morning)
            try world.store.write(commit: true) { tx in
                for i in 0..<200 {
                    if i % 7 == 0 {
                        try? tx.inSavepoint {
                            _ = try tx.create(.organisation, ["name": .string("undone \(i)")], context: run)
                            throw Rejected()
                        }
                    } else {
                        _ = try tx.create(.organisation, ["name": .string("kept \(i)")], context: run)
                    }
                }
                // A part that writes more than a batch, then fails.
                try? tx.inSavepoint {
                    for i in 0..<150 { _ = try tx.create(.organisation, ["name": .string("undone in bulk \(i)")], context: run) }
                    throw Rejected()
                }
                #expect(try tx.changeCounts(byRun: "run-many") == (created: 171, changed: 0))
            }
            try world.store.read { tx throws in
                let audited = try tx.changes(byRun: "run-many").filter { $0.action == .create }
                #expect(audited.count == 171)
                let names = try audited.compactMap { try tx.record($0.record)?.fields["name"] }
                #expect(names.count == 171)
                #expect(names.allSatisfy { if case .string(let name) = $0 { name.hasPrefix("kept ") } else { false } })
                #expect(try tx.count(.organisation, RecordQuery(filters: [RecordQuery.Filter("name", .prefix, .string("undone"))])) == 0)
            }
        },

        StoreConformanceCase("inSavepointUndoesAFailedPartAndKeepsTheRest") { factory in
            let world = try World(factory)
            try world.store.write(commit: true) { tx in
                #expect(throws: Rejected.self) {
                    try tx.inSavepoint {
                        _ = try tx.update(world.asi, ["description": .string("undone")], context: context)
                        _ = try tx.step(try world.grant("undone", nil, tx: tx).reference, "submit", [:], context: context)
                        throw Rejected()
                    }
                }
                _ = try tx.inSavepoint { try tx.update(world.asi, ["website": .string("https://asi.org.ru")], context: context) }
            }
            try world.store.read { tx throws in
                let asi = try tx.record(world.asi)
                #expect(asi?.fields["description"] == nil && asi?.fields["website"] == .string("https://asi.org.ru"))
                #expect(try tx.count(.grant, RecordQuery()) == 0)
                #expect(try tx.events(byRun: "run-1").map(\.name)
                    == ["organisation.created", "organisation.created", "organisation.updated"])
                #expect(try tx.audit(of: world.asi).map(\.field) == [nil, "website"])
            }
        },

        StoreConformanceCase("eventsReadInsideTheTransactionAreThoseKeptSoFarWithTheirIds") { factory in
            let world = try World(factory)
            let before = try world.store.read { tx in try tx.events(since: 0) }.map(\.id)
            let (inside, byID, since) = try world.store.write(commit: true) { tx in
                let grant = try world.grant("G", nil, tx: tx)
                try? tx.inSavepoint {
                    _ = try tx.step(grant.reference, "submit", [:], context: context)
                    throw Rejected()
                }
                _ = try tx.step(grant.reference, "submit", [:], context: context)
                let inside = try tx.events(byRun: "run-1")
                let byID = try inside.map { try tx.event(id: $0.id) }
                return (inside, byID, try tx.events(since: before.last ?? 0).map(\.id))
            }
            #expect(inside.map(\.name) == ["organisation.created", "organisation.created", "grant.created", "grant.submitted", "grant.updated"])
            #expect(byID == inside.map { Optional($0) })
            #expect(since == Array(inside.suffix(3).map(\.id)))
            // Ids are new and in order; after the commit they are the stored events' ids.
            #expect(Set(inside.map(\.id)).count == inside.count && inside.map(\.id) == inside.map(\.id).sorted())
            #expect(try world.store.read { tx in try tx.events(byRun: "run-1") } == inside)
        },
    ]
}
