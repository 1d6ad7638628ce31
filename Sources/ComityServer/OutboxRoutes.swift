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
            do throws(QueryParameterError) {
                if let text = parameters.get("limit") { selection.limit = try PageQuery.limit(text) }
                if let text = parameters.get("cursor") { selection.past = try PageQuery.cursor(text) }
            } catch {
                return ProblemDetails.response(.badRequest, error.description)
            }
            // One more than the page, to know whether another follows: the last page answers null.
            let limit = selection.limit ?? 100
            selection.limit = limit + 1
            let chosen = selection
            let found = try await engine.read { engine in try engine.store.read { try $0.messages(chosen) } }
            let page = Array(found.prefix(limit))
            let next = found.count > limit ? page.last.map { String($0.id) } : nil
            return try JSONResponse.response(PageJSON(name: "messages", items: page.map(MessageJSON.init), nextCursor: next))
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
