import ComityCore
import ComityService
import Foundation
import HTTPTypes
import Hummingbird

/// `GET /v1/reports/NAME?format=html|csv|json|md` (Markdown by default; a plugin's
/// format too): the report script `Scripts/reports/NAME.lua` run as `comity report`
/// runs it, read-only, with the query's other pairs as its parameters.
enum ReportRoutes {
    static func add(to api: RouterGroup<ComityRequestContext>, engine: EngineExecutor) {
        api.get("reports/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            // A name, never a path: the API reaches only the workspace's reports.
            guard !name.isEmpty, name.utf8.allSatisfy({ Self.nameBytes.contains($0) }) else {
                return ProblemDetails.response(.notFound, "no report '\(name)': a report's name is its file's in Scripts/reports/, without .lua")
            }
            var format = "md"
            var options = RunOptions()
            for (key, value) in RecordQueryParameters.items(request.uri.query) {
                if key == "format" { format = value } else { options.parameters[key] = value }
            }
            let (chosen, given) = (format, options.parameters)
            let person = context.token?.person
            let text: String
            do {
                text = try await engine.perform { engine in
                    var options = RunOptions()
                    options.parameters = given
                    // A person's token gets the report as that person sees the data.
                    options.actingAs = person.map { "person#\($0)" }
                    return try engine.report(name, format: chosen, options: options) { _ in }
                }
            } catch let error as EngineError {
                switch error {
                case .failed: return ProblemDetails.response(.notFound, "\(error)")
                case .usage: return ProblemDetails.response(.badRequest, "\(error)")
                case .runFailed, .noReport: return ProblemDetails.response(.unprocessableContent, "the report failed: \(error)")
                }
            }
            var headers: HTTPFields = [.contentType: Self.contentType(chosen), HTTPField.Name("X-Content-Type-Options")!: "nosniff"]
            // A report's HTML shows the network's own data: opened from the API in a
            // browser, it runs no script and reaches nothing else of this origin.
            if chosen == "html" { headers[HTTPField.Name("Content-Security-Policy")!] = htmlPolicy }
            return Response(status: .ok, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }

    /// What an HTML report may do in a browser: show itself, run nothing.
    static let htmlPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

    /// Letters, digits, `-` and `_`.
    static let nameBytes = Set(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_".utf8))

    static func contentType(_ format: String) -> String {
        switch format {
        case "html": "text/html; charset=utf-8"
        case "csv": "text/csv; charset=utf-8"
        case "json": "application/json"
        case "md": "text/markdown; charset=utf-8"
        default: "text/plain; charset=utf-8"
        }
    }
}
