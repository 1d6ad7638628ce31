import ComityCore
import ComityService
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// 200 requests at once, on 200 connections, while a transaction of another engine holds
/// SQLite's one writer longer than the lock timeout (as a long run does) and until the
/// reads are answered: they are answered before the writer is let go; each write is written or refused with 503 and
/// Retry-After, and what was answered 201 is what is stored: no write is lost.
@Suite struct BusyDatabaseTests {
    @Test func readsKeepAnsweringAndWritesWaitOrAreRefusedWhileARunHoldsTheWriter() async throws {
        let (space, writer, reader) = try APIWriteTests.workspace()
        let seeded = try space.open().store.read { try $0.count(.organisation, RecordQuery()) }
        let taken = DispatchSemaphore(value: 0)
        let released = Mutex<ContinuousClock.Instant?>(nil as ContinuousClock.Instant?)
        let readsAnswered = AnsweredReads()
        let holding = space
        // Held past the lock timeout (5 s), so that the first writes give up, and until every
        // read is answered (at most five minutes, for a machine busy with every other suite):
        // a read that needed the writer would be answered only after it is let go.
        Thread.detachNewThread {
            do {
                let engine = try holding.open()
                try engine.store.write(commit: true) { tx in
                    _ = try tx.create(.organisation, ["name": .string("Held by a long run")], context: ChangeContext(run: "long-run", at: Timestamp(Date())))
                    taken.signal()
                    let start = ContinuousClock.now
                    while ContinuousClock.now - start < .seconds(300), readsAnswered.count.load(ordering: .relaxed) < 150 || ContinuousClock.now - start < .seconds(7) {
                        Thread.sleep(forTimeInterval: 0.05)
                    }
                    released.withLock { $0 = .now }
                }
            } catch {
                released.withLock { $0 = .now }
                taken.signal()
            }
        }
        taken.wait()
        let answers = try await space.serveRaw { port in
            try await withThrowingTaskGroup(of: (String, HTTPResponse.Status, String?, ContinuousClock.Instant).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(180)))
                        client.connect()
                        defer { Task { try? await client.shutdown() } }
                        let write = index % 4 == 0
                        let uri = write ? "/v1/orgs" : ["/v1/orgs?limit=5", "/v1/runs?limit=5", "/v1/queue"][index % 3]
                        let response = try await client.execute(TestClient.Request(
                            uri, method: write ? .post : .get, authority: "localhost",
                            headers: [.authorization: "Bearer \(write ? writer : reader)", .contentType: "application/json"],
                            body: write ? ByteBuffer(string: #"{"name": "Org \#(index)"}"#) : nil))
                        let answered = ContinuousClock.now
                        if !write { readsAnswered.count.add(1, ordering: .relaxed) }
                        return (write ? "write" : "read", response.head.status, response.head.headerFields[.retryAfter], answered)
                    }
                }
                var answers: [(String, HTTPResponse.Status, String?, ContinuousClock.Instant)] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
        }
        let release = try #require(released.withLock { $0 })
        let reads = answers.filter { $0.0 == "read" }
        let writes = answers.filter { $0.0 == "write" }
        #expect(reads.count == 150 && writes.count == 50)
        #expect(reads.allSatisfy { $0.1 == .ok }, "\(reads.map(\.1.code))")
        // Nothing that only reads waited for the writer.
        #expect(reads.allSatisfy { $0.3 < release }, "\(reads.filter { $0.3 >= release }.count) reads answered after the writer was let go")
        #expect(writes.allSatisfy { $0.1 == .created || ($0.1 == .serviceUnavailable && $0.2 != nil) }, "\(writes.map(\.1.code))")
        let created = writes.filter { $0.1 == .created }.count
        let stored = try space.open().store.read { try $0.count(.organisation, RecordQuery()) }
        #expect(stored == seeded + 1 + created, "answered 201: \(created); stored: \(stored - seeded - 1)")
    }
}

/// How many reads have been answered, shared by the requests and the holding thread.
final class AnsweredReads: Sendable {
    let count = Atomic<Int>(0)
}

/// A report asked for while another process holds SQLite's writer: its run cannot be
/// recorded, which is the database being busy (503, send it again), not the report
/// failing (422); and no answer names the server's files.
@Suite struct BusyReportTests {
    @Test func aReportWhileTheWriterIsHeldIsBusyNotFailedAndNamesNoServerPath() async throws {
        let (space, _, _, reader) = try DashboardTests.workspace()
        let taken = DispatchSemaphore(value: 0)
        let done = Atomic<Bool>(false)
        let holding = space
        Thread.detachNewThread {
            do {
                try holding.open().store.write(commit: true) { tx in
                    _ = try tx.create(.organisation, ["name": .string("Held by a long run")], context: ChangeContext(run: "long-run", at: Timestamp(Date())))
                    taken.signal()
                    let start = ContinuousClock.now
                    // Until the report is answered (at most five minutes, however loaded the machine).
                    while !done.load(ordering: .relaxed), ContinuousClock.now - start < .seconds(300) { Thread.sleep(forTimeInterval: 0.05) }
                }
            } catch {
                taken.signal()
            }
        }
        taken.wait()
        let bearer: HTTPFields = [.authorization: "Bearer \(reader)"]
        let (busy, unknown) = try await space.serve { client in
            let busy = try await client.execute(uri: "/v1/reports/orgs-count?format=csv", method: .get, headers: bearer)
            done.store(true, ordering: .relaxed)
            return (busy, try await client.execute(uri: "/v1/reports/nope", method: .get, headers: bearer))
        }
        done.store(true, ordering: .relaxed)
        #expect(busy.status == .serviceUnavailable && busy.headers[.retryAfter] != nil, "\(busy.status) \(busy.text)")
        #expect(busy.text.contains("the database is busy") && !busy.text.contains(space.folder.path), "\(busy.text)")
        #expect(unknown.status == .notFound && unknown.text.contains("Scripts/reports/nope.lua") && !unknown.text.contains(space.folder.path), "\(unknown.text)")
    }
}
