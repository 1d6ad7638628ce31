import ComityCore
import Foundation
import Testing

/// The outbox: messages queued with everything they carry, listed by status, their
/// sending states saved.
enum OutboxCases {
    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("messagesAreQueuedListedAndMoveThroughTheirStates") { factory in
            let store = try factory.newStore()
            let attachment = MessageAttachment(filename: "report.csv", contentType: "text/csv", origin: "reports/q1.csv",
                                               data: Data("a,b\n1,2\n".utf8))
            let message = OutgoingMessage(
                to: [MailAddress(name: "Анна", address: "anna@example.org")], cc: [MailAddress(address: "cc@example.org")],
                bcc: [MailAddress(address: "bcc@example.org")], replyTo: [MailAddress(address: "reply@example.org")],
                subject: "Отчёт", body: "See attached.", html: "<p>See attached.</p>", attachments: [attachment],
                about: RecordReference(.grant, 3), queuedAt: morning, run: "run-1", processID: 42)
            let (first, second) = try store.write(commit: true) { tx in
                (try tx.queueMessage(message), try tx.queueMessage(OutgoingMessage(to: [MailAddress(address: "b@example.org")],
                                                                                  subject: "Second", body: "", queuedAt: morning)))
            }
            #expect(first != second)
            try store.read { tx throws in
                let listed = try tx.messages(nil)
                #expect(listed.map(\.id) == [first, second]) // oldest first
                var expected = message
                expected.id = first
                #expect(listed.first == expected)
                let names = try tx.messages(.queued, withAttachmentData: false).first?.attachments.first
                #expect(names?.filename == "report.csv" && names?.size == attachment.data.count)
            }
            var sending = try #require(try store.read { tx in try tx.messages(.queued) }.first)
            sending.status = .sending
            sending.attempts = 1
            sending.processID = 7
            try store.write(commit: true) { tx in try tx.saveMessage(sending) }
            var held = sending
            held.status = .held
            held.lastError = "550 mailbox unavailable"
            try store.write(commit: true) { tx in try tx.saveMessage(held) }
            var sent = try #require(try store.read { tx in try tx.messages(.queued) }.first)
            sent.status = .sent
            sent.sentAt = morning
            try store.write(commit: true) { tx in try tx.saveMessage(sent) }
            try store.read { tx throws in
                #expect(try tx.messages(.queued).isEmpty && tx.messages(.sending).isEmpty)
                let heldNow = try tx.messages(.held)
                #expect(heldNow.map(\.id) == [first])
                #expect(heldNow.first?.lastError == "550 mailbox unavailable" && heldNow.first?.attempts == 1)
                #expect(try tx.messages(.sent).map(\.id) == [second] && tx.messages(.sent).first?.sentAt == morning)
                #expect(try tx.messageCounts() == [.held: 1, .sent: 1])
            }
            try store.write(commit: true) { tx in
                for _ in 0..<3 { _ = try tx.queueMessage(OutgoingMessage(to: [MailAddress(address: "c@example.org")], subject: "More", body: "", queuedAt: morning)) }
            }
            #expect(try store.read { try $0.messageCounts() } == [.held: 1, .sent: 1, .queued: 3])
        },

        StoreConformanceCase("messagesAreChosenByStatusAPageAtATimeInEitherOrder") { factory in
            let store = try factory.newStore()
            let ids = try store.write(commit: true) { tx in
                try (0..<7).map { index in
                    var message = OutgoingMessage(to: [MailAddress(address: "m\(index)@example.org")], subject: "m\(index)", body: "",
                                                  attachments: [MessageAttachment(filename: "a\(index).txt", contentType: "text/plain", origin: "x",
                                                                                  data: Data("attachment \(index)".utf8))],
                                                  queuedAt: morning)
                    message.id = try tx.queueMessage(message)
                    if index % 3 == 0 {
                        message.status = .sent
                        try tx.saveMessage(message)
                    }
                    return message.id
                }
            }
            try store.read { tx throws in
                func chosen(_ selection: MessageSelection) throws -> [Int64] { try tx.messages(selection).map(\.id) }
                #expect(try chosen(MessageSelection(limit: 3)) == Array(ids[0..<3]))
                #expect(try chosen(MessageSelection(past: ids[2], limit: 3)) == Array(ids[3..<6]))
                #expect(try chosen(MessageSelection(past: ids[5], limit: 3)) == [ids[6]])
                #expect(try chosen(MessageSelection(newestFirst: true, limit: 2)) == [ids[6], ids[5]])
                #expect(try chosen(MessageSelection(newestFirst: true, past: ids[5], limit: 2)) == [ids[4], ids[3]])
                #expect(try chosen(MessageSelection(status: .sent, newestFirst: true)) == [ids[6], ids[3], ids[0]])
                #expect(try chosen(MessageSelection(status: .queued, past: ids[1], limit: 2)) == [ids[2], ids[4]])
                #expect(try chosen(MessageSelection(limit: 0)).isEmpty)
                // A page's attachments are its own messages', with bytes only when asked.
                let page = try tx.messages(MessageSelection(withAttachmentData: true, newestFirst: true, past: ids[5], limit: 2))
                #expect(page.map { $0.attachments.map(\.filename) } == [["a4.txt"], ["a3.txt"]])
                #expect(page.first?.attachments.first?.data == Data("attachment 4".utf8))
                let names = try tx.messages(MessageSelection(limit: 1))
                #expect(names.first?.attachments.first?.data.isEmpty == true && names.first?.attachments.first?.size == 12)
            }
        },
    ]
}

/// The keys of `ctx.once`: claimed once per workflow, kept or undone with the transaction.
enum OnceKeyCases {
    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("aOnceKeyIsClaimedOncePerWorkflowAndOnlyWhenCommitted") { factory in
            let store = try factory.newStore()
            let (first, again) = try store.write(commit: false) { tx in
                (try tx.claimOnce(workflow: "w", key: "k", run: "dry", at: morning),
                 try tx.claimOnce(workflow: "w", key: "k", run: "dry", at: morning))
            }
            #expect(first && !again)
            struct Failed: Error {}
            #expect(throws: Failed.self) {
                try store.write(commit: true) { tx in
                    _ = try tx.claimOnce(workflow: "w", key: "k", run: "failed", at: morning)
                    throw Failed()
                }
            }
            #expect(try store.write(commit: true) { tx in try tx.claimOnce(workflow: "w", key: "k", run: "r1", at: morning) })
            #expect(try !store.write(commit: true) { tx in try tx.claimOnce(workflow: "w", key: "k", run: "r2", at: morning) })
            #expect(try store.write(commit: true) { tx in try tx.claimOnce(workflow: "other", key: "k", run: "r2", at: morning) })
            #expect(try store.write(commit: true) { tx in try tx.claimOnce(workflow: "w", key: "k2", run: "r2", at: morning) })
        },
    ]
}
