import ComityCore
import ComityService
import Foundation
import Hummingbird

/// `GET /v1/outbox[?status=queued|sending|sent|held][&limit=N][&cursor=C]`: the messages
/// runs queued, oldest first, a page at a time (the outbox keeps every message it sent),
/// with their attachments' names and sizes (never their bytes) and no blind copies.
enum OutboxRoutes {
    static func add(to api: RouterGroup<ComityRequestContext>, engine: EngineExecutor) {
        api.get("outbox") { request, _ in
            if let refused = KnownQueryParameters.refusal(request, takes: ["status", "limit", "cursor"]) { return refused }
            var selection = MessageSelection(limit: 100)
            let parameters = request.uri.queryParameters
            if let text = parameters.get("status") {
                guard let given = OutgoingMessage.Status(rawValue: text) else {
                    return ProblemDetails.response(.badRequest, "status '\(text)' is not one of \(OutgoingMessage.Status.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                selection.status = given
            }
            if let text = parameters.get("limit") {
                guard let number = Int(text), (1...1000).contains(number) else {
                    return ProblemDetails.response(.badRequest, "limit '\(text)' must be a whole number from 1 to 1000")
                }
                selection.limit = number
            }
            if let text = parameters.get("cursor") {
                guard text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let after = Int64(text) else {
                    return ProblemDetails.response(.badRequest, "cursor '\(text)' is not one this server gave: pass a page's next_cursor as it is")
                }
                selection.past = after
            }
            // One more than the page, to know whether another follows: the last page answers null.
            let limit = selection.limit ?? 100
            selection.limit = limit + 1
            let chosen = selection
            let found = try await engine.read { engine in try engine.store.read { try $0.messages(chosen) } }
            let page = Array(found.prefix(limit))
            let next = found.count > limit ? page.last.map { String($0.id) } : nil
            return try JSONResponse.response(OutboxJSON(messages: page.map(MessageJSON.init), nextCursor: next))
        }
    }
}

/// A queued message as the API shows it.
struct MessageJSON: Encodable {
    struct Attachment: Encodable {
        var filename: String
        var contentType: String
        var size: Int
    }

    var id: Int64
    var to: [String]
    var cc: [String]
    var subject: String
    var status: String
    var attempts: Int
    var lastError: String?
    var queuedAt: String
    var sentAt: String?
    var run: String?
    var about: String?
    var attachments: [Attachment]

    init(_ message: OutgoingMessage) {
        id = message.id
        to = message.to.map(\.description)
        cc = message.cc.map(\.description)
        subject = message.subject
        status = message.status.rawValue
        attempts = message.attempts
        lastError = message.lastError
        queuedAt = message.queuedAt.description
        sentAt = message.sentAt?.description
        run = message.run
        about = message.about?.description
        attachments = message.attachments.map { Attachment(filename: $0.filename, contentType: $0.contentType, size: $0.size) }
    }
}

/// `/v1/outbox`'s answer: `next_cursor` is there, null on the last page.
struct OutboxJSON: Encodable {
    var messages: [MessageJSON]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case messages
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messages, forKey: .messages)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
