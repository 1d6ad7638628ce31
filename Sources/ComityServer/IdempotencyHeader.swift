import ComityCore
import ComityService
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The `Idempotency-Key` header of a write (as the IETF draft names it): a client that
/// lost an answer sends the write again with the same key and gets the first answer
/// (marked `Idempotent-Replayed: true`), not a second write.
enum IdempotencyHeader {
    static let key = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    /// The request's claim (nil without the header), or the answer to a key that is none.
    static func claim(_ request: Request, body: Data) -> Result<IdempotencyClaim?, Refusal> {
        guard let key = request.headers[key] else { return .success(nil) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return .failure(Refusal())
        }
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method) \(request.uri.path)\n".utf8))
        hasher.update(data: body)
        return .success(IdempotencyClaim(key: key, request: HexText.lowercase(hasher.finalize())))
    }

    /// A key that is not 1 to 255 visible ASCII characters.
    struct Refusal: Error {
        var response: Response {
            ProblemDetails.response(.badRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID")
        }
    }

    /// The answer to a key seen before.
    static func response(_ replay: IdempotentReplay) -> Response {
        switch replay {
        case .answeredBefore(let kept):
            return Response(status: HTTPResponse.Status(code: kept.status), headers: [.contentType: "application/json", replayed: "true"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: kept.body)))
        case .keyReused(let kept):
            return ProblemDetails.response(.unprocessableContent,
                                           "Idempotency-Key '\(kept.key)' was sent before with another request (another path or body); "
                                               + "use a new key for a new write")
        }
    }
}
