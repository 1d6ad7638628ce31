import ComityCore
import ComityService
import Foundation
import Hummingbird

/// `GET /v1/outbox[?status=queued|sending|sent|held]`: the messages runs queued, oldest
/// first, with their attachments' names and sizes (never their bytes) and no blind copies.
enum OutboxRoutes {
    static func add(to api: RouterGroup<ComityRequestContext>, engine: EngineExecutor) {
        api.get("outbox") { request, _ in
            var status: OutgoingMessage.Status?
            if let text = request.uri.queryParameters.get("status") {
                guard let given = OutgoingMessage.Status(rawValue: text) else {
                    return ProblemDetails.response(.badRequest, "status '\(text)' is not one of \(OutgoingMessage.Status.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = given
            }
            let chosen = status
            let messages = try await engine.read { engine in
                try engine.store.read { try $0.messages(chosen, withAttachmentData: false) }
            }
            return try JSONResponse.response(OutboxJSON(messages: messages.map(MessageJSON.init)))
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

/// `/v1/outbox`'s answer.
struct OutboxJSON: Encodable {
    var messages: [MessageJSON]
}
