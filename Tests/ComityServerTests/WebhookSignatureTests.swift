import ComityEngine
import Crypto
import Foundation
import Testing
@testable import ComityServer

/// The signature styles, checked against signatures made here with swift-crypto.
@Suite struct WebhookSignatureTests {
    static let body = Data(#"{"name":"Hope Foundation"}"#.utf8)
    static let now: Int64 = 1_764_000_000

    static func github(_ body: Data, secret: String) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    static func standard(id: String, at seconds: Int64, _ body: Data, key: Data) -> String {
        let signed = Data("\(id).\(seconds).".utf8) + body
        return "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))).base64EncodedString()
    }

    func verify(_ headers: [String: String], body: Data = body, secret: String = "kobo-secret-1",
                style: WebhookSettings.Style? = nil) -> Result<String, WebhookRefusal> {
        let style = style ?? (headers["x-hub-signature-256"] != nil ? .github : .standard)
        return WebhookSignature.verify(headers: headers, body: body, secret: secret, style: style, now: Self.now, tolerance: 300)
    }

    @Test func aGitHubStyleSignatureHoldsOnlyForItsBodyAndSecret() {
        let signature = Self.github(Self.body, secret: "kobo-secret-1")
        #expect(verify(["x-hub-signature-256": signature, "x-github-delivery": "d-1"]) == .success("d-1"))
        guard case .failure(.badSignature) = verify(["x-hub-signature-256": signature, "x-github-delivery": "d-1"], secret: "other-secret")
        else { Issue.record("another secret's signature was taken"); return }
        guard case .failure(.badSignature) = verify(["x-hub-signature-256": signature, "x-github-delivery": "d-1"], body: Self.body + Data(" ".utf8))
        else { Issue.record("a changed body was taken"); return }
        for malformed in ["sha256=", "sha1=" + String(repeating: "0", count: 40), "sha256=" + String(repeating: "zz", count: 32), signature + "00"] {
            guard case .failure(.badSignature) = verify(["x-hub-signature-256": malformed, "x-github-delivery": "d-1"]) else {
                Issue.record("'\(malformed)' was taken"); continue
            }
        }
        guard case .failure(.missingDelivery) = verify(["x-hub-signature-256": signature]) else {
            Issue.record("a delivery without its id was taken"); return
        }
    }

    static func typeform(_ body: Data, secret: String) -> String {
        "sha256=" + Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))).base64EncodedString()
    }

    @Test func aTypeformSignatureHoldsForItsBodyWhoseEventIdNamesTheDelivery() {
        let body = Data(#"{"event_id":"01HV8Z","event_type":"form_response","form_response":{"answers":[]}}"#.utf8)
        let signature = Self.typeform(body, secret: "tf-secret")
        #expect(verify(["typeform-signature": signature], body: body, secret: "tf-secret", style: .typeform) == .success("01HV8Z"))
        let refused: [(String, [String: String], Data, String)] = [
            ("another secret", ["typeform-signature": signature], body, "other"),
            ("a changed body", ["typeform-signature": signature], body + Data(" ".utf8), "tf-secret"),
            ("hex, not base64", ["typeform-signature": Self.github(body, secret: "tf-secret")], body, "tf-secret"),
            ("no signature", [:], body, "tf-secret"),
            ("a GitHub header", ["x-hub-signature-256": Self.github(body, secret: "tf-secret")], body, "tf-secret"),
        ]
        for (name, headers, sent, secret) in refused {
            guard case .failure(.badSignature) = verify(headers, body: sent, secret: secret, style: .typeform) else {
                Issue.record("\(name) was taken"); continue
            }
        }
        // Signed, but naming no delivery: a replay could not be told.
        let anonymous = Data(#"{"event_type":"form_response"}"#.utf8)
        guard case .failure(.missingDelivery) = verify(["typeform-signature": Self.typeform(anonymous, secret: "s")], body: anonymous, secret: "s", style: .typeform)
        else { Issue.record("a body without event_id was taken"); return }
    }

    @Test func aStandardWebhooksSignatureHoldsWithinTheToleranceAndWithARotatedSecret() {
        let key = Data((0..<24).map { UInt8($0 * 7 % 256) })
        let secret = "whsec_" + key.base64EncodedString()
        let good = Self.standard(id: "msg_1", at: Self.now - 10, Self.body, key: key)
        let headers = ["webhook-id": "msg_1", "webhook-timestamp": "\(Self.now - 10)", "webhook-signature": good]
        #expect(verify(headers, secret: secret) == .success("msg_1"))
        // While a secret is rotated, the sender signs with both: any v1 that holds is enough.
        var rotated = headers
        rotated["webhook-signature"] = "v1,AAAA " + good
        #expect(verify(rotated, secret: secret) == .success("msg_1"))
        // The id and the timestamp are signed: changing either breaks it.
        var otherID = headers
        otherID["webhook-id"] = "msg_2"
        guard case .failure(.badSignature) = verify(otherID, secret: secret) else { Issue.record("another id was taken"); return }
        var stale = headers
        stale["webhook-timestamp"] = "\(Self.now - 301)"
        stale["webhook-signature"] = Self.standard(id: "msg_1", at: Self.now - 301, Self.body, key: key)
        guard case .failure(.staleTimestamp) = verify(stale, secret: secret) else { Issue.record("a stale delivery was taken"); return }
        var future = stale
        future["webhook-timestamp"] = "\(Self.now + 301)"
        future["webhook-signature"] = Self.standard(id: "msg_1", at: Self.now + 301, Self.body, key: key)
        guard case .failure(.staleTimestamp) = verify(future, secret: secret) else { Issue.record("a delivery from the future was taken"); return }
        var noID = headers
        noID["webhook-id"] = nil
        guard case .failure(.missingDelivery) = verify(noID, secret: secret) else { Issue.record("a delivery without an id was taken"); return }
    }

    /// Headers are the sender's: any text, any number, without a crash.
    @Test func hostileHeadersAreRefusedNotTrappedOn() {
        for signature in ["sha256=" + "é" + String(repeating: "a", count: 62), "sha256=" + String(repeating: "+f", count: 32),
                          "sha256=" + String(repeating: "😀", count: 16), "sha256=" + String(repeating: "A", count: 64)] {
            guard case .failure(.badSignature) = verify(["x-hub-signature-256": signature, "x-github-delivery": "d-1"]) else {
                Issue.record("'\(signature)' was taken"); continue
            }
        }
        for stamp in ["-9223372036854775808", "9223372036854775807", "1e9", ""] {
            let headers = ["webhook-id": "msg_1", "webhook-timestamp": stamp, "webhook-signature": "v1,AAAA"]
            switch verify(headers) {
            case .failure(.staleTimestamp), .failure(.badSignature): break
            default: Issue.record("timestamp '\(stamp)' was taken")
            }
        }
        let long = ["x-hub-signature-256": Self.github(Self.body, secret: "kobo-secret-1"), "x-github-delivery": String(repeating: "d", count: 201)]
        guard case .failure(.missingDelivery) = verify(long) else { Issue.record("a 201-byte delivery id was taken"); return }
    }

    @Test func anUnsignedDeliveryIsRefused() {
        for style in WebhookSettings.Style.allCases {
            guard case .failure(.badSignature(let detail)) = verify(["content-type": "application/json"], style: style) else {
                Issue.record("an unsigned delivery was taken by a \(style) hook"); continue
            }
            let header = switch style {
            case .github: "X-Hub-Signature-256"
            case .standard: "webhook-signature"
            case .typeform: "Typeform-Signature"
            }
            #expect(detail.contains(header), "\(detail)")
        }
    }

    /// With a plain secret both styles share a key: a Standard Webhooks signature over
    /// `ID.TIMESTAMP.BODY` is also a valid GitHub signature of that text as a body. Each
    /// hook takes its own style only, so the one cannot be passed off as the other.
    @Test func aHookTakesOnlyItsOwnStyle() {
        let secret = "kobo-secret-1"
        let stamp = Self.now - 10
        let standard = Self.standard(id: "msg_1", at: stamp, Self.body, key: Data(secret.utf8))
        let headers = ["webhook-id": "msg_1", "webhook-timestamp": "\(stamp)", "webhook-signature": standard]
        #expect(verify(headers, secret: secret, style: .standard) == .success("msg_1"))
        guard case .failure(.badSignature) = verify(headers, secret: secret, style: .github) else {
            Issue.record("a github hook took a Standard Webhooks delivery"); return
        }
        // The same bytes as a GitHub signature of the signed text, on a standard hook.
        let mac = Data(base64Encoded: String(standard.dropFirst(3))) ?? Data()
        let forged = ["x-hub-signature-256": "sha256=" + mac.map { String(format: "%02x", $0) }.joined(), "x-github-delivery": "new-id"]
        let signedText = Data("msg_1.\(stamp).".utf8) + Self.body
        #expect(verify(forged, body: signedText, secret: secret, style: .github) == .success("new-id")) // the key is shared...
        guard case .failure(.badSignature) = verify(forged, body: signedText, secret: secret, style: .standard) else {
            Issue.record("a standard hook took a GitHub signature"); return // ...so only the declared style is taken
        }
    }
}
