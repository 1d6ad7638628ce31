import ComityCore
import ComityService
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import ComityServer
import Testing

/// `/v1/metrics`' runs come from the run history, so that one server counts every
/// worker's runs: started and finished by workflow and outcome, a duration histogram.
@Suite struct RunMetricsTests {
    @Test func runsAreCountedByWorkflowAndOutcomeOnceEachWithTheirDurations() async throws {
        let (space, _, _, reader) = try DashboardTests.workspace()
        try space.write("Scripts/fine.lua", #"return workflow { name = "fine", run = function(ctx) end }"#)
        let bearer: HTTPFields = [.authorization: "Bearer \(reader)"]
        let (first, second) = try await space.serve { client in
            let first = try await client.execute(uri: "/v1/metrics", method: .get, headers: bearer).text
            // Another run between two scrapes moves the counters by one, not by the history again.
            let engine = try space.open()
            _ = try engine.run(workflow: "fine", output: { _ in })
            _ = try engine.run(workflow: "fine", output: { _ in })
            let second = try await client.execute(uri: "/v1/metrics", method: .get, headers: bearer).text
            return (first, second)
        }
        let before = Set(first.split(separator: "\n").map(String.init))
        let after = Set(second.split(separator: "\n").map(String.init))
        for line in [#"comity_runs_started_total{workflow="flaky"} 1"#, #"comity_runs_finished_total{workflow="flaky",outcome="failed"} 1"#,
                     #"comity_run_duration_seconds_bucket{workflow="flaky",le="1"} 1"#, #"comity_run_duration_seconds_count{workflow="flaky"} 1"#,
                     "# TYPE comity_run_duration_seconds histogram", "comity_lease_takeovers_total 0"] {
            #expect(before.contains(line), "no \(line) in:\n\(first)")
        }
        #expect(!before.contains { $0.contains("workflow=\"fine\"") })
        for line in [#"comity_runs_started_total{workflow="fine"} 2"#, #"comity_runs_finished_total{workflow="fine",outcome="succeeded"} 2"#,
                     #"comity_runs_started_total{workflow="flaky"} 1"#, #"comity_run_duration_seconds_bucket{workflow="fine",le="+Inf"} 2"#] {
            #expect(after.contains(line), "no \(line) in:\n\(second)")
        }
    }

    /// The queue's depth and oldest wait and the outbox by status, counted by the store:
    /// a run due 90 s ago and one not yet due wait; messages in three states.
    @Test func theQueueAndTheOutboxAreCountedAtEachScrape() async throws {
        let (space, _, _, reader) = try DashboardTests.workspace()
        let engine = try space.open()
        let now = Timestamp(Date())
        try engine.store.write(commit: true) { tx in
            for (workflow, due) in [("late", now.secondsSince1970 - 90), ("later", now.secondsSince1970 + 3_600)] {
                try tx.enqueue(QueuedRun(workflow: workflow, file: "\(workflow).lua", trigger: .manual, enqueuedAt: Timestamp(secondsSince1970: due - 10),
                                         notBefore: Timestamp(secondsSince1970: due)))
            }
            for status in [OutgoingMessage.Status.queued, .queued, .sent, .held] {
                var message = OutgoingMessage(to: [MailAddress(address: "a@example.org")], subject: "s", body: "", queuedAt: now)
                message.id = try tx.queueMessage(message)
                message.status = status
                try tx.saveMessage(message)
            }
        }
        let waiting = try engine.store.read { try $0.queuedRunCount() }
        let scraped = try await space.serve { client in
            try await client.execute(uri: "/v1/metrics", method: .get, headers: [.authorization: "Bearer \(reader)"]).text
        }
        let lines = Set(scraped.split(separator: "\n").map(String.init))
        for line in ["comity_queue_waiting_runs \(Double(waiting))", #"comity_outbox_messages{status="queued"} 2.0"#,
                     #"comity_outbox_messages{status="sent"} 1.0"#, #"comity_outbox_messages{status="held"} 1.0"#,
                     #"comity_outbox_messages{status="sending"} 0.0"#] {
            #expect(lines.contains(line), "no \(line) in:\n\(scraped)")
        }
        #expect(waiting >= 2)
        let oldest = lines.first { $0.hasPrefix("comity_queue_oldest_wait_seconds ") }.flatMap { Double($0.split(separator: " ")[1]) } ?? -1
        #expect(oldest >= 90 && oldest < 3_600, "\(oldest)") // the run due in an hour is not a wait
    }

    @Test func aLabelValueIsEscapedAsTheTextFormatSays() {
        #expect(ServerMetrics.labelValue(#"a"b\c"# + "\nd") == #"a\"b\\c\nd"#)
    }
}
