import Foundation
import Hummingbird

/// An error answer as RFC 9457 problem details (`application/problem+json`): the
/// status, its title and a detail that says what to change.
struct ProblemDetails: Encodable {
    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String
    /// The field a refusal is about (`amount_requested`), when there is one.
    var field: String?

    static func response(_ status: HTTPResponse.Status, _ detail: String, field: String? = nil, headers: HTTPFields = [:]) -> Response {
        let problem = ProblemDetails(title: status.reasonPhrase, status: status.code, detail: detail, field: field)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        let data = (try? JSONEncoder.sorted.encode(problem)) ?? Data()
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONEncoder {
    /// Keys sorted and snake_case, as `--json` writes them.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }
}

/// A JSON answer.
enum JSONResponse {
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.sorted.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
