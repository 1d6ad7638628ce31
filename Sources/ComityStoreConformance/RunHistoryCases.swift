import ComityCore
import Testing

/// The run history: saved at the start and at the end, filtered, interrupted runs found.
enum RunHistoryCases {
    static func run(_ id: String, workflow: String?, at seconds: Int64, outcome: RunRecord.Outcome = .running,
                    slot: Timestamp? = nil, pid: Int32 = 1) -> RunRecord {
        RunRecord(id: id, workflow: workflow, file: "\(workflow ?? "x").lua", contentHash: "h",
                  trigger: slot.map { RunTrigger(.schedule, slot: $0) } ?? .manual, parameters: ["days": "14"],
                  clock: Timestamp(secondsSince1970: seconds), startedAt: Timestamp(secondsSince1970: seconds), outcome: outcome,
                  processID: pid)
    }

    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("runsAreSavedAtTheStartAndTheEndAndFiltered") { factory in
            let store = try factory.newStore()
            let slot = Timestamp(secondsSince1970: 3_600)
            try store.write(commit: true) { tx in
                try tx.saveRun(run("a", workflow: "intake", at: 100))
                try tx.saveRun(run("b", workflow: "followups", at: 200, outcome: .failed))
                try tx.saveRun(run("c", workflow: "intake", at: 300, slot: slot))
                var caused = run("d", workflow: "followups", at: 50, outcome: .succeeded)
                caused.trigger = RunTrigger(.event, event: "grant.awarded", causedBy: "b")
                try tx.saveRun(caused)
                var ended = run("a", workflow: "intake", at: 100, outcome: .succeeded)
                ended.endedAt = Timestamp(secondsSince1970: 150)
                ended.log = ["one", "two"]
                ended.recordsCreated = 3
                ended.actingAs = "Elena Topoleva (editor, Agency for Social Information)"
                try tx.saveRun(ended)
            }
            try store.read { tx throws in
                let a = try tx.run(id: "a")
                #expect(a?.outcome == .succeeded && a?.endedAt == Timestamp(secondsSince1970: 150))
                #expect(a?.log == ["one", "two"] && a?.recordsCreated == 3 && a?.parameters == ["days": "14"])
                // Whom it acted as; the workspace's runs act as no one.
                #expect(a?.actingAs == "Elena Topoleva (editor, Agency for Social Information)")
                #expect(try tx.run(id: "b")?.actingAs == nil)
                #expect(try tx.run(id: "missing") == nil)
                #expect(try tx.runs(RunFilter()).map(\.id) == ["c", "b", "a", "d"]) // newest first
                #expect(try tx.runs(RunFilter(workflow: "intake")).map(\.id) == ["c", "a"])
                var byTrigger = RunFilter()
                byTrigger.triggerKind = .schedule
                #expect(try tx.runs(byTrigger).map(\.id) == ["c"])
                byTrigger.triggerKind = .event
                #expect(try tx.runs(byTrigger).map(\.id) == ["d"])
                var byCause = RunFilter()
                byCause.causedBy = "b"
                #expect(try tx.runs(byCause).map(\.id) == ["d"])
                byCause.causedBy = "a"
                #expect(try tx.runs(byCause).isEmpty)
                #expect(try tx.runs(RunFilter(unsuccessfulOnly: true)).map(\.id) == ["b"])
                #expect(try tx.runs(RunFilter(outcome: .running)).map(\.id) == ["c"])
                #expect(try tx.runs(RunFilter(slot: slot)).map(\.id) == ["c"])
                #expect(try tx.runs(RunFilter(since: Timestamp(secondsSince1970: 200))).map(\.id) == ["c", "b"])
                #expect(try tx.runs(RunFilter(limit: 1)).map(\.id) == ["c"])
                var page = RunFilter(limit: 2)
                page.offset = 2
                #expect(try tx.runs(page).map(\.id) == ["a", "d"])
                page.offset = 4
                #expect(try tx.runs(page).isEmpty)
                var byPrefix = RunFilter()
                byPrefix.idPrefixes = ["b", "c"]
                #expect(try tx.runs(byPrefix).map(\.id) == ["c", "b"])
                byPrefix.idPrefixes = []
                #expect(try tx.runs(byPrefix).isEmpty)
            }
        },

        StoreConformanceCase("runsAreFoundByTheStartOfTheirIdOnly") { factory in
            let store = try factory.newStore()
            let ids = ["0a1b2c3d-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-000000000002", "0a1bffff-0000-4000-8000-000000000003",
                       "import-0a1b9999-0000-4000-8000-000000000004", "ffffffff-0a1b-4000-8000-000000000005", "0a1"]
            try store.write(commit: true) { tx in
                for (index, id) in ids.enumerated() { try tx.saveRun(run(id, workflow: "w", at: Int64(100 + index))) }
            }
            try store.read { tx throws in
                func found(_ prefixes: [String]) throws -> Set<String> {
                    var filter = RunFilter(limit: 100)
                    filter.idPrefixes = prefixes
                    return Set(try tx.runs(filter).map(\.id))
                }
                #expect(try found(["0a1b"]) == Set(ids[0...2]))
                #expect(try found(["0a1b2c3d-0000-4000-8000-000000000002"]) == [ids[1]])
                #expect(try found(["0a1b", "import-0a1b"]) == Set(ids[0...3]))
                #expect(try found(["0a1b%", "0a1b_"]).isEmpty) // no pattern characters
                #expect(try found(["0a1"]) == Set(ids[0...2] + [ids[5]]))
            }
        },

        StoreConformanceCase("theHistoryIsSummedPerWorkflowAndOutcomeWithDurationsAndTakeOvers") { factory in
            let store = try factory.newStore()
            try store.write(commit: true) { tx in
                for (id, workflow, started, took, outcome) in [("a", "intake", 100, 0, RunRecord.Outcome.succeeded), ("b", "intake", 200, 4, .succeeded),
                                                               ("c", "intake", 300, 400, .failed), ("d", nil, 400, 2, .succeeded)] as [(String, String?, Int64, Int64, RunRecord.Outcome)] {
                    var ended = run(id, workflow: workflow, at: started, outcome: outcome)
                    ended.endedAt = Timestamp(secondsSince1970: started + took)
                    try tx.saveRun(ended)
                }
                try tx.saveRun(run("e", workflow: "intake", at: 500))
                var taken = run("f", workflow: "intake", at: 600, outcome: .interrupted)
                taken.endedAt = Timestamp(secondsSince1970: 700)
                taken.error = RunLease.takenOverError + " (it died); run g took it over"
                try tx.saveRun(taken)
            }
            let totals = try store.read { try $0.runTotals() }
            func total(_ workflow: String?, _ outcome: RunRecord.Outcome) -> RunTotal? { totals.first { $0.workflow == workflow && $0.outcome == outcome } }
            #expect(totals.count == 5, "\(totals)")
            // Buckets of 1, 5, 30, 60, 300, 1800 seconds, cumulative.
            #expect(total("intake", .succeeded) == RunTotal(workflow: "intake", outcome: .succeeded, count: 2, ended: 2, seconds: 4,
                                                            withinBounds: [1, 2, 2, 2, 2, 2], takenOver: 0))
            #expect(total("intake", .failed)?.withinBounds == [0, 0, 0, 0, 0, 1] && total("intake", .failed)?.seconds == 400)
            #expect(total("intake", .running)?.count == 1 && total("intake", .running)?.ended == 0)
            #expect(total("intake", .interrupted)?.takenOver == 1)
            #expect(total(nil, .succeeded)?.count == 1)
        },

        StoreConformanceCase("runsWhoseProcessIsGoneAreMarkedInterrupted") { factory in
            let store = try factory.newStore()
            let marked = try store.write(commit: true) { tx in
                try tx.saveRun(run("alive", workflow: "w", at: 1, pid: 10))
                try tx.saveRun(run("gone", workflow: "w", at: 2, pid: 20))
                try tx.saveRun(run("gone, ending", workflow: "w", at: 3, pid: 20))
                try tx.saveRun(run("done", workflow: "w", at: 4, outcome: .succeeded, pid: 20))
                return try tx.markInterruptedRuns(isAlive: { $0 == 10 }, excluding: ["gone, ending"], at: Timestamp(secondsSince1970: 9))
            }
            #expect(marked == ["gone"])
            let gone = try store.read { tx in try tx.run(id: "gone") }
            #expect(gone?.outcome == .interrupted && gone?.endedAt == Timestamp(secondsSince1970: 9))
            #expect(gone?.error?.contains("stopped before the run ended") == true)
            #expect(try store.read { tx in try tx.run(id: "alive")?.outcome } == .running)
        },

        StoreConformanceCase("changeCountsAreOfTheRunAcrossTransactions") { factory in
            let world = try World(factory)
            let session = ChangeContext(run: "session", at: morning)
            try world.store.write(commit: true) { tx in
                _ = try tx.create(.organisation, ["name": .string("one")], context: session)
                _ = try tx.update(world.asi, ["description": .string("d")], context: session)
                _ = try tx.update(world.asi, ["website": .string("https://asi.org.ru")], context: session)
                #expect(try tx.changeCounts(byRun: "session") == (created: 1, changed: 1))
            }
            try world.store.write(commit: true) { tx in
                _ = try tx.create(.organisation, ["name": .string("two")], context: session)
                #expect(try tx.changeCounts(byRun: "session") == (created: 2, changed: 1))
            }
            #expect(try world.store.read { tx in try tx.changeCounts(byRun: "nobody") } == (created: 0, changed: 0))
        },
    ]
}
