import Hummingbird

/// `HEAD` wherever `GET` is answered (RFC 9110, 9.3.2): the GET's status and headers,
/// its length in `Content-Length`, no body. Hummingbird routes HEAD only where a route
/// declares one, and finds the route before any middleware runs, so the request is
/// made a GET here, outside the router.
struct HeadRequests<Inner: HTTPResponderBuilder>: HTTPResponderBuilder {
    let inner: Inner

    func buildResponder() -> Responder { Responder(inner: inner.buildResponder()) }

    struct Responder: HTTPResponder {
        typealias Context = Inner.Responder.Context
        let inner: Inner.Responder

        func respond(to request: Request, context: Context) async throws -> Response {
            guard request.method == .head else { return try await inner.respond(to: request, context: context) }
            var head = request.head
            head.method = .get
            let response = try await inner.respond(to: Request(head: head, body: request.body), context: context)
            var headers = response.headers
            if headers[.contentLength] == nil, let length = response.body.contentLength { headers[.contentLength] = String(length) }
            return Response(status: response.status, headers: headers, body: ResponseBody())
        }
    }
}
