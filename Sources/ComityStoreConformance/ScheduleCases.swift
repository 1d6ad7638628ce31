import ComityCore
import Testing

/// Schedules: saved and replaced, due when their slot has come and no lease holds them,
/// leased by one runner at a time, and a lease fenced off by a slot that moved on.
enum ScheduleCases {
    static func schedule(_ workflow: String, next: Int64?, paused: Bool = false, error: String? = nil) -> ScheduleRecord {
        ScheduleRecord(workflow: workflow, file: "\(workflow).lua", expression: "0 8 * * *", timeZone: "Europe/Moscow",
                       catchUp: .all, catchUpWindow: 3_600, overlap: .skip, leaseSeconds: 90,
                       nextSlot: next.map(Timestamp.init(secondsSince1970:)), paused: paused, error: error)
    }

    static func at(_ seconds: Int64) -> Timestamp { Timestamp(secondsSince1970: seconds) }

    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("schedulesAreSavedReplacedAndRemoved") { factory in
            let store = try factory.newStore()
            try store.write(commit: true) { tx in
                try tx.saveSchedule(schedule("b", next: 100))
                try tx.saveSchedule(schedule("a", next: 200))
                var replaced = schedule("b", next: 300)
                replaced.lastSlot = at(100)
                replaced.lastRun = "run-1"
                replaced.lease = ScheduleLease(owner: "worker-1", slot: at(300), until: at(390))
                try tx.saveSchedule(replaced)
            }
            try store.read { tx throws in
                #expect(try tx.schedules().map(\.workflow) == ["a", "b"])
                let b = try tx.schedule(workflow: "b")
                #expect(b?.nextSlot == at(300) && b?.lastSlot == at(100) && b?.lastRun == "run-1")
                #expect(b?.lease == ScheduleLease(owner: "worker-1", slot: at(300), until: at(390)))
                #expect(b?.catchUp == .all && b?.overlap == .skip && b?.leaseSeconds == 90 && b?.timeZone == "Europe/Moscow")
            }
            try store.write(commit: true) { tx in try tx.removeSchedule(workflow: "a") }
            #expect(try store.read { tx in try tx.schedules().map(\.workflow) } == ["b"])
            #expect(try store.read { tx in try tx.schedule(workflow: "a") } == nil)
        },

        StoreConformanceCase("dueSchedulesAreThoseWhoseSlotCameAndNoLeaseHolds") { factory in
            let store = try factory.newStore()
            try store.write(commit: true) { tx in
                try tx.saveSchedule(schedule("due-late", next: 200))
                try tx.saveSchedule(schedule("due-early", next: 100))
                try tx.saveSchedule(schedule("future", next: 900))
                try tx.saveSchedule(schedule("paused", next: 100, paused: true))
                try tx.saveSchedule(schedule("broken", next: 100, error: "bad cron"))
                try tx.saveSchedule(schedule("unscheduled", next: nil))
            }
            try store.read { tx throws in
                #expect(try tx.dueSchedules(at: at(500), limit: 10).map(\.workflow) == ["due-early", "due-late"])
                #expect(try tx.dueSchedules(at: at(500), limit: 1).map(\.workflow) == ["due-early"])
                #expect(try tx.nextScheduleDue() == at(100))
            }
            #expect(try store.write(commit: true) { tx in
                try tx.leaseSchedule(workflow: "due-early", ScheduleLease(owner: "w1", slot: at(100), until: at(700)), now: at(500))
            })
            try store.read { tx throws in
                // Held: not due until its lease ends, which is when it next comes due.
                #expect(try tx.dueSchedules(at: at(500), limit: 10).map(\.workflow) == ["due-late"])
                #expect(try tx.dueSchedules(at: at(700), limit: 10).map(\.workflow) == ["due-early", "due-late"])
            }
            try store.write(commit: true) { tx in try tx.removeSchedule(workflow: "due-late") }
            #expect(try store.read { tx in try tx.nextScheduleDue() } == at(700))
        },

        StoreConformanceCase("aLeaseIsOneRunnersAndFencedByItsSlot") { factory in
            let store = try factory.newStore()
            try store.write(commit: true) { tx in try tx.saveSchedule(schedule("w", next: 100)) }
            func lease(_ owner: String, slot: Int64, until: Int64, now: Int64) throws -> Bool {
                try store.write(commit: true) { tx in
                    try tx.leaseSchedule(workflow: "w", ScheduleLease(owner: owner, slot: at(slot), until: at(until)), now: at(now))
                }
            }
            #expect(try lease("w1", slot: 100, until: 200, now: 110))
            #expect(try !lease("w2", slot: 100, until: 300, now: 150)) // held by another
            #expect(try lease("w1", slot: 100, until: 250, now: 150)) // its holder renews it
            #expect(try lease("w2", slot: 100, until: 400, now: 260)) // expired: another takes it
            #expect(try store.read { tx in try tx.schedule(workflow: "w")?.lease?.owner } == "w2")
            // The slot moved on (the run of slot 100 ended): a lease of slot 100 is fenced off.
            try store.write(commit: true) { tx in
                var moved = try #require(try tx.schedule(workflow: "w"))
                moved.nextSlot = at(1_000)
                moved.lastSlot = at(100)
                moved.lease = nil
                try tx.saveSchedule(moved)
            }
            #expect(try !lease("w3", slot: 100, until: 1_100, now: 1_050))
            #expect(try lease("w3", slot: 1_000, until: 1_100, now: 1_050))
            // Nobody leases a schedule not there, or paused.
            #expect(try !store.write(commit: true) { tx in
                try tx.leaseSchedule(workflow: "absent", ScheduleLease(owner: "w1", slot: at(1), until: at(2)), now: at(1))
            })
            try store.write(commit: true) { tx in try tx.saveSchedule(schedule("p", next: 100, paused: true)) }
            #expect(try !store.write(commit: true) { tx in
                try tx.leaseSchedule(workflow: "p", ScheduleLease(owner: "w1", slot: at(100), until: at(200)), now: at(150))
            })
        },
    ]
}
