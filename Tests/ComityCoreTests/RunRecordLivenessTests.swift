import ComityCore
import Foundation
import Testing

/// Whether a run recorded `running` may still be going on, as a scheduler's overlap
/// check asks: by its process on this machine, by its age on another.
struct RunRecordLivenessTests {
    static func running(processID: Int32, host: String?, startedAt: Int64) -> RunRecord {
        RunRecord(id: UUID().uuidString, workflow: "w", file: "Scripts/w.lua", contentHash: "", trigger: .manual, parameters: [:],
                  clock: Timestamp(secondsSince1970: startedAt), startedAt: Timestamp(secondsSince1970: startedAt),
                  processID: processID, host: host)
    }

    static let now = Timestamp(secondsSince1970: 1_700_000_000)

    @Test func aRunOfThisMachineGoesOnWhileItsProcessDoes() {
        #expect(Self.running(processID: getpid(), host: nil, startedAt: 0).mayBeGoingOn(now: Self.now, longest: 60))
        #expect(Self.running(processID: getpid(), host: LocalProcess.hostName, startedAt: 0).mayBeGoingOn(now: Self.now, longest: 60))
        // A process id no process has (above any pid_max).
        #expect(!Self.running(processID: 99_999_999, host: nil, startedAt: Self.now.secondsSince1970).mayBeGoingOn(now: Self.now, longest: 60))
    }

    /// Another machine's process id says nothing here (the same number may be a live
    /// process of this machine): its age against the longest a run may last decides.
    @Test func aRunOfAnotherMachineGoesOnUntilItCouldNoLonger() {
        let started = Self.now.secondsSince1970 - 30
        #expect(Self.running(processID: 99_999_999, host: "machine-b", startedAt: started).mayBeGoingOn(now: Self.now, longest: 60))
        #expect(!Self.running(processID: getpid(), host: "machine-b", startedAt: started).mayBeGoingOn(now: Self.now, longest: 29))
    }

    @Test func anEndedRunGoesOnNowhere() {
        var run = Self.running(processID: getpid(), host: nil, startedAt: Self.now.secondsSince1970)
        run.outcome = .succeeded
        #expect(!run.mayBeGoingOn(now: Self.now, longest: 60))
    }
}
