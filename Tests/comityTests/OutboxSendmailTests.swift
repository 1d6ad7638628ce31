import Foundation
import Testing

/// `comity outbox deliver` under sendmails that misbehave: judged by the exit status,
/// never killed by SIGPIPE, stopped with their children after the timeout.
@Suite struct OutboxSendmailTests {
    /// A workspace whose outbox goes to `script` (a shell script) as sendmail, with one
    /// message queued whose body is `bodySize` bytes.
    func workspace(sendmail script: String, timeout: String = "3s", bodySize: Int = 20) throws -> URL {
        let folder = try comityTests.workspace([
            "send.lua": "mail.send { to = 'info@asi.org.ru', subject = 'Hello', body = string.rep('x', \(bodySize)) }",
        ])
        let sendmail = folder.appendingPathComponent("fake-sendmail")
        try ("#!/bin/sh\n" + script).write(to: sendmail, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sendmail.path)
        try "return { mail = { from = 'net@example.org', transport = 'sendmail', command = '\(sendmail.path)', timeout = '\(timeout)' } }"
            .write(to: folder.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        let queued = try Comity.run(["run", "send.lua"], in: folder)
        #expect(queued.status == 0, "\(queued.stderr)")
        return folder
    }

    func processID(in file: URL) throws -> Int32 {
        let text = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try #require(Int32(text))
    }

    /// Gone, or a zombie waiting for whoever adopted it to reap it.
    func isGone(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return true }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }

    @Test func aSendmailThatExitsZeroLeavingABackgroundChildHasSentTheMessageOnce() throws {
        let folder = try workspace(sendmail: """
            cat >> "$(dirname "$0")/received.txt"
            # A child that keeps standard error (and everything else) open after we exit.
            sh -c 'echo $$ > "$0"; exec sleep 30' "$(dirname "$0")/child.pid" &
            sleep 0.2
            exit 0
            """)
        defer { if let pid = try? processID(in: folder.appendingPathComponent("child.pid")) { kill(pid, SIGKILL) } }
        let started = Date()
        let first = try Comity.run(["outbox", "deliver"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("1 sent, 0 failed, 0 held"), "\(first.stdout)\(first.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
        for _ in 0..<2 {
            #expect(try Comity.run(["outbox", "deliver"], in: folder).stdout.hasPrefix("0 sent, 0 failed, 0 held"))
        }
        let received = try String(contentsOf: folder.appendingPathComponent("received.txt"), encoding: .utf8)
        #expect(received.components(separatedBy: "Subject: Hello").count == 2) // one copy
    }

    @Test func aSendmailThatExitsWithoutReadingALargeMessageIsAFailedDeliveryNotASignal() throws {
        let folder = try workspace(sendmail: "exit 0\n", bodySize: 4 << 20)
        let delivered = try Comity.run(["outbox", "deliver"], in: folder)
        #expect(delivered.status == 1, "\(delivered.stderr)") // not 141 (SIGPIPE)
        #expect(delivered.stderr.contains("message 1: not delivered, kept queued:"), "\(delivered.stderr)")
        #expect(delivered.stderr.contains("exited before reading the whole message"), "\(delivered.stderr)")
        #expect(try Comity.run(["outbox"], in: folder).stdout.contains("1  queued  info@asi.org.ru"))
    }

    @Test func aSendmailStoppedAfterItsTimeoutTakesItsChildrenWithIt() throws {
        let folder = try workspace(sendmail: """
            sh -c 'echo $$ > "$0"; exec sleep 60' "$(dirname "$0")/child.pid" &
            sleep 60
            """, timeout: "1s")
        let started = Date()
        let delivered = try Comity.run(["outbox", "deliver"], in: folder)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(delivered.status == 1)
        #expect(delivered.stderr.contains("did not finish within 1s; stopped"), "\(delivered.stderr)")
        let child = try processID(in: folder.appendingPathComponent("child.pid"))
        defer { kill(child, SIGKILL) }
        let deadline = Date().addingTimeInterval(5)
        while !isGone(child), Date() < deadline { usleep(50_000) }
        #expect(isGone(child), "sendmail's child \(child) is still running")
        #expect(try Comity.run(["outbox"], in: folder).stdout.contains("1  queued  info@asi.org.ru"))
    }
}
