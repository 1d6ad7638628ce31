import Hummingbird

/// Counts every answer by its status, errors included (a route's HTTPError, a body too
/// large for the decoder), for `comity_http_requests_total`.
struct RequestMetrics: RouterMiddleware {
    typealias Context = ComityRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.request(status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            metrics.request(status: error.status.code)
            throw error
        } catch {
            metrics.request(status: 500)
            throw error
        }
    }
}
