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
        let problem = ProblemDetails(title: status.reasonPhrase, status: status.code, detail: cut(detail), field: field.map { cut($0, to: 200) })
        var fields = headers
        fields[.contentType] = "application/problem+json"
        let data = (try? JSONEncoder.sorted.encode(problem)) ?? Data()
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension ProblemDetails {
    /// A detail as long as a person reads: a refusal that quotes what it was sent (a
    /// 100 KB role) does not send it all back.
    static func cut(_ text: String, to limit: Int = 2_000) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "… (\(text.count - limit) more characters)"
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
