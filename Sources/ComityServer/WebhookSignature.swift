import ComityEngine
import Crypto
import Foundation

/// The signature of a webhook delivery in the style its hook declares (one only: with a
/// plain secret both would share a key, and a signature of one style could be passed off
/// as the other's), an HMAC-SHA256 under the hook's secret, compared in constant time:
/// - GitHub's: `X-Hub-Signature-256: sha256=<hex>` over the body, the delivery id in
///   `X-GitHub-Delivery`;
/// - Typeform's: `Typeform-Signature: sha256=<base64>` over the body, the delivery id
///   the body's `event_id`;
/// - Standard Webhooks': `webhook-signature: v1,<base64>` (several, space-separated,
///   while a secret is rotated) over `ID.TIMESTAMP.BODY`, with `webhook-id` and
///   `webhook-timestamp` (seconds; refused beyond the tolerance either way). A secret
///   `whsec_<base64>` is keyed with its decoded bytes, another with its text.
enum WebhookSignature {
    /// The delivery's id when its signature holds; otherwise why not.
    static func verify(headers: [String: String], body: Data, secret: String, style: WebhookSettings.Style, now: Int64,
                       tolerance: Int64) -> Result<String, WebhookRefusal> {
        switch style {
        case .github:
            guard let signature = headers["x-hub-signature-256"] else {
                return .failure(.badSignature("the delivery is not signed: this hook takes X-Hub-Signature-256: sha256=<hex> (style github)"))
            }
            guard signature.hasPrefix("sha256="), let mac = hexBytes(signature.dropFirst(7)) else {
                return .failure(.badSignature("X-Hub-Signature-256 must be sha256=<64 hex digits>"))
            }
            let key = SymmetricKey(data: Data(secret.utf8))
            guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key) else {
                return .failure(.badSignature("X-Hub-Signature-256 does not match the body under the hook's secret"))
            }
            guard let delivery = headers["x-github-delivery"], !delivery.isEmpty else {
                return .failure(.missingDelivery("X-GitHub-Delivery is missing: it names the delivery, so that a replay is refused"))
            }
            guard delivery.utf8.count <= 200 else { return .failure(.missingDelivery("X-GitHub-Delivery is over 200 bytes long")) }
            return .success(delivery)
        case .typeform:
            guard let signature = headers["typeform-signature"] else {
                return .failure(.badSignature("the delivery is not signed: this hook takes Typeform-Signature: sha256=<base64> (style typeform)"))
            }
            guard signature.hasPrefix("sha256="), let mac = Data(base64Encoded: String(signature.dropFirst(7))), mac.count == 32 else {
                return .failure(.badSignature("Typeform-Signature must be sha256=<the HMAC's 32 bytes in base64>"))
            }
            guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: SymmetricKey(data: Data(secret.utf8))) else {
                return .failure(.badSignature("Typeform-Signature does not match the body under the hook's secret"))
            }
            // The id is in the signed body: a replay cannot come under another.
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let id = object["event_id"] as? String, !id.isEmpty else {
                return .failure(.missingDelivery("the body has no event_id: it names the delivery, so that a replay is refused"))
            }
            guard id.utf8.count <= 200 else { return .failure(.missingDelivery("event_id is over 200 bytes long")) }
            return .success(id)
        case .standard:
            guard let signatures = headers["webhook-signature"] else {
                return .failure(.badSignature("the delivery is not signed: this hook takes webhook-id, webhook-timestamp and webhook-signature (style standard)"))
            }
            guard let id = headers["webhook-id"], !id.isEmpty else {
                return .failure(.missingDelivery("webhook-id is missing: it names the delivery, so that a replay is refused"))
            }
            guard id.utf8.count <= 200 else { return .failure(.missingDelivery("webhook-id is over 200 bytes long")) }
            guard let stamp = headers["webhook-timestamp"], let seconds = Int64(stamp) else {
                return .failure(.badSignature("webhook-timestamp must be the sending time in whole seconds since 1970"))
            }
            // Any Int64 may come: the difference is computed so that it cannot overflow.
            let (difference, overflow) = now.subtractingReportingOverflow(seconds)
            guard !overflow, difference.magnitude <= UInt64(tolerance) else {
                let shown = overflow ? "far" : "\(difference.magnitude) s"
                return .failure(.staleTimestamp("webhook-timestamp is \(shown) from the server's clock (at most \(tolerance) s)"))
            }
            let key = SymmetricKey(data: standardKey(secret))
            let signed = Data("\(id).\(stamp).".utf8) + body
            for candidate in signatures.split(separator: " ") where candidate.hasPrefix("v1,") {
                if let mac = Data(base64Encoded: String(candidate.dropFirst(3))),
                   HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key) {
                    return .success(id)
                }
            }
            return .failure(.badSignature("no v1 signature in webhook-signature matches the body under the hook's secret"))
        }
    }

    static func standardKey(_ secret: String) -> Data {
        if secret.hasPrefix("whsec_"), let decoded = Data(base64Encoded: String(secret.dropFirst(6))) { return decoded }
        return Data(secret.utf8)
    }

    /// 64 hex digits as 32 bytes; nil for anything else (read as bytes: a header is
    /// the sender's, and may hold any character).
    private static func hexBytes(_ text: Substring) -> Data? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            case 0x41...0x46: digit - 0x41 + 10
            default: nil
            }
        }
        var bytes = Data(capacity: 32)
        for pair in stride(from: 0, to: 64, by: 2) {
            guard let high = value(digits[pair]), let low = value(digits[pair + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}

/// Why a delivery was refused before anything was kept.
enum WebhookRefusal: Error, Equatable {
    case badSignature(String)
    case staleTimestamp(String)
    case missingDelivery(String)

    var detail: String {
        switch self {
        case .badSignature(let text), .staleTimestamp(let text), .missingDelivery(let text): text
        }
    }

    /// What the log and the counters call it.
    var reason: String {
        switch self {
        case .badSignature: "bad signature"
        case .staleTimestamp: "stale timestamp"
        case .missingDelivery: "no delivery id"
        }
    }
}
