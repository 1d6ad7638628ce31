import ComityCore
import Foundation
import Testing

/// The API tokens and the webhook inbox of `comity serve`.
enum AccessCases {
    /// An answer is kept once per token and key, found while it is remembered, and
    /// replaced only once forgotten; a rolled-back write keeps none.
    static func idempotentResponses(_ factory: any StoreFactory) throws {
        let store = try factory.newStore()
        let answer = IdempotentResponse(token: "bot", key: "k-1", request: String(repeating: "ab", count: 32), status: 201,
                                        body: Data([0x7B, 0x7D, 0x00, 0xFF]), createdAt: morning)
        let dayBefore = Timestamp(secondsSince1970: morning.secondsSince1970 - 86_400)
        _ = try store.write(commit: false) { tx in try tx.keepIdempotentResponse(answer, since: dayBefore) }
        #expect(try store.read { tx in try tx.idempotentResponse(token: "bot", key: "k-1", since: dayBefore) } == nil)
        try store.write(commit: true) { tx in try tx.keepIdempotentResponse(answer, since: dayBefore) }
        #expect(try store.read { tx in try tx.idempotentResponse(token: "bot", key: "k-1", since: dayBefore) } == answer)
        // Another token's key of the same text is its own.
        #expect(try store.read { tx in try tx.idempotentResponse(token: "other", key: "k-1", since: dayBefore) } == nil)
        var other = answer
        other.token = "other"
        try store.write(commit: true) { tx in try tx.keepIdempotentResponse(other, since: dayBefore) }
        // Remembered: a second answer for the key is refused, and the first stays.
        var second = answer
        second.status = 200
        second.createdAt = Timestamp(secondsSince1970: morning.secondsSince1970 + 60)
        #expect(throws: StoreError.self) { try store.write(commit: true) { tx in try tx.keepIdempotentResponse(second, since: dayBefore) } }
        #expect(try store.read { tx in try tx.idempotentResponse(token: "bot", key: "k-1", since: dayBefore) }?.status == 201)
        // Forgotten (older than the window): not found, and the key may be used again.
        let later = Timestamp(secondsSince1970: morning.secondsSince1970 + 1)
        #expect(try store.read { tx in try tx.idempotentResponse(token: "bot", key: "k-1", since: later) } == nil)
        try store.write(commit: true) { tx in try tx.keepIdempotentResponse(second, since: later) }
        #expect(try store.read { tx in try tx.idempotentResponse(token: "bot", key: "k-1", since: later) } == second)
    }

    static let all: [StoreConformanceCase] = [
        StoreConformanceCase("anIdempotentAnswerIsKeptOncePerTokenAndKeyUntilForgotten") { factory in try idempotentResponses(factory) },
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
