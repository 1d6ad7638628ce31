import Foundation
import Testing

/// mail.send, the outbox and its transports, and the inbox, through the real command.
@Suite struct OutboxCommandTests {
    static let send = """
        local o = orgs.create { name = "ASI", email = "info@asi.org.ru" }
        mail.send { to = o.email, subject = "Спасибо — thanks", body = "Line one\\nLine two", about = o }
        if params.fail then error("after queueing") end
        """

    /// Two workspaces sharing `mail.folder`, or a restored database, reuse message-1: the
    /// folder transport replaced the earlier message-1.eml and .recipients.
    @Test func theFolderTransportNeverOverwritesAnExistingMessageFile() throws {
        let folder = try workspace(["comity.lua": "return {}", "send.lua": Self.send])
        let mail = folder.appendingPathComponent("mail")
        try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
        try "earlier message".write(to: mail.appendingPathComponent("message-1.eml"), atomically: true, encoding: .utf8)
        try "earlier@example.org\n".write(to: mail.appendingPathComponent("message-1-2.recipients"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["run", "send.lua"], in: folder).status == 0)
        let delivered = try Comity.run(["outbox", "deliver"], in: folder)
        #expect(delivered.stdout.hasPrefix("1 sent, 0 failed, 0 held"), "\(delivered.stdout)\(delivered.stderr)")
        #expect(try String(contentsOf: mail.appendingPathComponent("message-1.eml"), encoding: .utf8) == "earlier message")
        #expect(try String(contentsOf: mail.appendingPathComponent("message-1-2.recipients"), encoding: .utf8) == "earlier@example.org\n")
        // The next name free for both files; nothing half-made or temporary left behind.
        #expect(try String(contentsOf: mail.appendingPathComponent("message-1-3.eml"), encoding: .utf8).contains("To: info@asi.org.ru\r\n"))
        #expect(try String(contentsOf: mail.appendingPathComponent("message-1-3.recipients"), encoding: .utf8) == "info@asi.org.ru\n")
        let names = try FileManager.default.contentsOfDirectory(atPath: mail.path).sorted()
        #expect(names == ["message-1-2.recipients", "message-1-3.eml", "message-1-3.recipients", "message-1.eml"], "\(names)")
    }

    /// `outbox release` finds its one message by id, whatever the id given.
    @Test func aHeldMessageIsReleasedByItsIdAndOnlyIt() throws {
        let folder = try workspace(["comity.lua": "return {}", "send.lua": Self.send])
        for _ in 0..<3 { #expect(try Comity.run(["run", "send.lua"], in: folder).status == 0) }
        // Held, as a message whose sending was cut off is: python's sqlite3 stands in for that crash.
        let hold = Process()
        hold.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        hold.arguments = ["python3", "-c", "import sqlite3; c = sqlite3.connect('.comity/comity.db'); c.execute(\"UPDATE outbox SET status = 'held' WHERE id = 2\"); c.commit()"]
        hold.currentDirectoryURL = folder
        try hold.run()
        hold.waitUntilExit()
        try #require(hold.terminationStatus == 0)
        let released = try Comity.run(["outbox", "release", "2"], in: folder)
        #expect(released.status == 0 && released.stdout == "message 2 queued again\n", "\(released.stdout)\(released.stderr)")
        let queued = try Comity.run(["outbox", "release", "1"], in: folder)
        #expect(queued.status == 1 && queued.stderr.contains("message 1 is queued, not held"), "\(queued.stderr)")
        for id in ["0", "99", "-9223372036854775808"] {
            let missing = try Comity.run(["outbox", "release", "--", id], in: folder)
            #expect(missing.status == 1 && missing.stderr.contains("no message \(id) in the outbox"), "\(id): \(missing.stderr)")
        }
        let listed = try Comity.run(["outbox", "--json"], in: folder)
        let messages = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(messages.map { $0["status"] as? String } == ["queued", "queued", "queued"])
    }

    @Test func messagesAreQueuedByRunsAndDeliveredOnceToAFolder() throws {
        let folder = try workspace(["comity.lua": "return {}", "send.lua": Self.send])
        let failed = try Comity.run(["run", "send.lua", "--param", "fail=yes"], in: folder)
        #expect(failed.status == 1)
        #expect(try Comity.run(["outbox"], in: folder).stdout == "the outbox is empty\n") // a failed run queues nothing
        #expect(try Comity.run(["run", "send.lua"], in: folder).status == 0)
        let delivered = try Comity.run(["outbox", "deliver"], in: folder)
        #expect(delivered.stdout.hasPrefix("1 sent, 0 failed, 0 held"), "\(delivered.stdout)\(delivered.stderr)")
        let eml = try String(contentsOf: folder.appendingPathComponent("mail/message-1.eml"), encoding: .utf8)
        #expect(eml.contains("To: info@asi.org.ru\r\n"))
        #expect(eml.contains("Subject: =?UTF-8?B?\(Data("Спасибо — thanks".utf8).base64EncodedString())?=\r\n"))
        #expect(eml.hasSuffix("\r\n\r\nLine one\r\nLine two\r\n"))
        // Never twice.
        #expect(try Comity.run(["outbox", "deliver"], in: folder).stdout.hasPrefix("0 sent, 0 failed, 0 held"))
        let listed = try Comity.run(["outbox", "--json"], in: folder)
        let messages = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(messages.map { $0["status"] as? String } == ["sent"])
        // The failed run's organisation took id 1, rolled back: ids are never handed out twice.
        #expect(messages.first?["about"] as? String == "organisation#2")
    }

    @Test func aFailedDeliveryStaysQueuedWithItsErrorAndIsRetried() throws {
        let folder = try workspace(["send.lua": Self.send])
        let sendmail = folder.appendingPathComponent("fake-sendmail")
        let received = folder.appendingPathComponent("received.txt")
        func fake(exit status: Int) throws {
            try "#!/bin/sh\ncat >> \(received.path)\necho 'relay refused' >&2\nexit \(status)\n".write(to: sendmail, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sendmail.path)
        }
        try "return { mail = { from = 'net@example.org', transport = 'sendmail', command = '\(sendmail.path)' } }"
            .write(to: folder.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["run", "send.lua"], in: folder).status == 0)
        try fake(exit: 75)
        let first = try Comity.run(["outbox", "deliver"], in: folder)
        #expect(first.status == 1)
        #expect(first.stderr.contains("message 1: not delivered, kept queued: \(sendmail.path) exited with status 75: relay refused"))
        #expect(try Comity.run(["outbox"], in: folder).stdout.contains("1  queued  info@asi.org.ru"))
        try fake(exit: 0)
        #expect(try Comity.run(["outbox", "deliver"], in: folder).stdout.hasPrefix("1 sent"))
        let text = try String(contentsOf: received, encoding: .utf8)
        #expect(text.contains("From: net@example.org\r\n"))
        #expect(try Comity.run(["outbox", "--status", "sent"], in: folder).stdout.contains("(2 attempt(s))"))
    }

    @Test func aSendmailThatHangsIsStoppedAndTheMessageKept() throws {
        let folder = try workspace(["send.lua": Self.send])
        let sendmail = folder.appendingPathComponent("hanging-sendmail")
        try "#!/bin/sh\nsleep 30\n".write(to: sendmail, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: sendmail.path)
        try "return { mail = { transport = 'sendmail', command = '\(sendmail.path)', timeout = '1s' } }"
            .write(to: folder.appendingPathComponent("comity.lua"), atomically: true, encoding: .utf8)
        #expect(try Comity.run(["run", "send.lua"], in: folder).status == 0)
        let started = Date()
        let delivered = try Comity.run(["outbox", "deliver"], in: folder)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(delivered.status == 1)
        #expect(delivered.stderr.contains("did not finish within 1s; stopped"), "\(delivered.stderr)")
        #expect(try Comity.run(["outbox"], in: folder).stdout.contains("1  queued  info@asi.org.ru"))
    }

    @Test func scriptsReadTheInboxOnlyAndFilesMoveWhenTheRunCommits() throws {
        let folder = try workspace([
            "comity.lua": "return {}",
            "inbox/applications.csv": "organisation,summary\n\"ASI, Moscow\",Youth exchange\nTetradka,Camps\n",
            "inbox/extra.json": #"{"ok": true, "items": [1, 2.5, "three"]}"#,
            "secret.txt": "not for scripts",
            "read.lua": """
                for _, name in ipairs(inbox.files()) do print(name) end
                for _, row in ipairs(csv.read("applications.csv")) do print(row._line, row.organisation, row.summary) end
                local extra = json.read("extra.json")
                print(extra.ok, extra.items[2], json.encode({ n = 1 }))
                print(select(2, pcall(csv.read, "../secret.txt")))
                inbox.move("applications.csv", "processed")
                if params.fail then error("changed my mind") end
                """,
        ])
        let failed = try Comity.run(["run", "read.lua", "--param", "fail=1"], in: folder)
        #expect(failed.status == 1)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("inbox/applications.csv").path))
        let run = try Comity.run(["run", "read.lua"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == """
            applications.csv
            extra.json
            2\tASI, Moscow\tYouth exchange
            3\tTetradka\tCamps
            true\t2.5\t{"n":1}
            bad argument #1 to 'csv.read' (a file inside inbox/ expected, got '../secret.txt')

            """)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("inbox/processed/applications.csv").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("inbox/applications.csv").path))
    }
}
