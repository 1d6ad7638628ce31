import ComityCore
import Foundation
import Testing

/// The API tokens and the webhook inbox of `comity serve`.
enum AccessCases {
    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("tokensAreFoundByTheirHashRevokedOnceAndTheirNamesNeverReused") { factory in
            let store = try factory.newStore()
            let token = AccessToken(name: "coordinator", hash: String(repeating: "ab", count: 32), scope: .write, createdAt: morning)
            try store.write(commit: true) { tx in
                try tx.saveToken(token)
                try tx.saveToken(AccessToken(name: "auditor", hash: String(repeating: "cd", count: 32), scope: .read, createdAt: morning))
            }
            try store.read { tx throws in
                #expect(try tx.tokens().map(\.name) == ["auditor", "coordinator"])
                #expect(try tx.token(hash: token.hash) == token)
                #expect(try tx.token(hash: String(repeating: "00", count: 32)) == nil)
            }
            let used = Timestamp(secondsSince1970: morning.secondsSince1970 + 60)
            try store.write(commit: true) { tx in try tx.touchToken(name: "coordinator", at: used) }
            #expect(try store.write(commit: true) { tx in try tx.revokeToken(name: "coordinator", at: used) })
            #expect(try store.write(commit: true) { tx in try tx.revokeToken(name: "coordinator", at: used) } == false)
            #expect(try store.write(commit: true) { tx in try tx.revokeToken(name: "nobody", at: used) } == false)
            let revoked = try store.read { tx in try tx.token(hash: token.hash) }
            #expect(revoked?.lastUsedAt == used && revoked?.revokedAt == used && revoked?.allows(.read) == false)
            // A revoked token's name is still taken: a name in old logs means one token.
            let again = AccessToken(name: "coordinator", hash: String(repeating: "ef", count: 32), scope: .read, createdAt: used)
            #expect(throws: StoreError.self) { try store.write(commit: true) { tx in try tx.saveToken(again) } }
            #expect(try store.read { tx in try tx.tokens().count } == 2)
        },
        StoreConformanceCase("aDeliveryIsKeptOncePerHookAndSenderIdWithItsBodyAndHeaders") { factory in
            let store = try factory.newStore()
            let body = Data([0x7B, 0x7D, 0x00, 0xFF]) // bytes as sent, not text
            let delivery = WebhookDelivery(hook: "kobo", delivery: "d-1", receivedAt: morning,
                                           headers: ["content-type": "application/json", "x-github-event": "submission"], body: body)
            let first = try store.write(commit: true) { tx in try tx.receiveDelivery(delivery) }
            let id = try #require(first)
            // The same id again is a replay, for this hook only.
            #expect(try store.write(commit: true) { tx in try tx.receiveDelivery(delivery) } == nil)
            var other = delivery
            other.hook = "tally"
            #expect(try store.write(commit: true) { tx in try tx.receiveDelivery(other) } != nil)
            try store.read { tx throws in
                var expected = delivery
                expected.id = id
                #expect(try tx.delivery(id: id) == expected)
                #expect(try tx.delivery(hook: "kobo", delivery: "d-1")?.id == id)
                #expect(try tx.delivery(hook: "kobo", delivery: "d-2") == nil)
                // By its body, within a window, for this hook only.
                #expect(try tx.delivery(hook: "kobo", body: body, since: morning)?.id == id)
                #expect(try tx.delivery(hook: "kobo", body: body, since: Timestamp(secondsSince1970: morning.secondsSince1970 + 1)) == nil)
                #expect(try tx.delivery(hook: "kobo", body: body + Data([0]), since: morning) == nil)
                #expect(try tx.delivery(hook: "typeform", body: body, since: morning) == nil)
            }
            // Rolled back with its transaction: nothing kept, so the sender may send it again.
            let lost = WebhookDelivery(hook: "kobo", delivery: "d-3", receivedAt: morning, headers: [:], body: Data())
            _ = try store.write(commit: false) { tx in try tx.receiveDelivery(lost) }
            #expect(try store.write(commit: true) { tx in try tx.receiveDelivery(lost) } != nil)
        },
    ]
}
