import Foundation
import Hummingbird

/// A request's body, read whole within a size and a time: a client that sends slowly
/// or too much holds nothing for long. Used by webhook intake and the API's writes.
enum RequestBody {
    enum Failure: Error {
        /// Over the limit (by its Content-Length or as it came).
        case tooLarge(declared: Int?)
        /// It did not all arrive within the timeout.
        case tooSlow
        /// The client hung up before its length.
        case cutOff
    }

    static func read(_ request: Request, limit: Int, timeout: Duration) async -> Result<Data, Failure> {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { return .failure(.tooLarge(declared: length)) }
        do {
            let body = request.body
            let buffer = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await body.collect(upTo: limit) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let collected = first else { throw BodyTimeout() }
                return collected
            }
            return .success(Data(buffer.readableBytesView))
        } catch is BodyTimeout {
            return .failure(.tooSlow)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return .failure(.tooLarge(declared: nil))
        } catch {
            return .failure(.cutOff)
        }
    }

    /// A body an API write cannot take, with its answer.
    struct Refused: Error {
        var response: Response
    }

    /// The body of an API write, within the server's limits; nothing was written when not.
    static func forWrite(_ request: Request, settings: ServerSettings) async -> Result<Data, Refused> {
        switch await read(request, limit: settings.maxBodySize, timeout: settings.bodyTimeout) {
        case .success(let data): return .success(data)
        case .failure(.tooLarge):
            return .failure(Refused(response: ProblemDetails.response(
                .contentTooLarge, "the body is over \(settings.maxBodySize) bytes, the most this server takes")))
        case .failure(.tooSlow):
            return .failure(Refused(response: ProblemDetails.response(
                .requestTimeout, "the body took over \(settings.bodyTimeout) to arrive; nothing was written")))
        case .failure(.cutOff):
            return .failure(Refused(response: ProblemDetails.response(.badRequest, "the body ended before its length; nothing was written")))
        }
    }

    private struct BodyTimeout: Error {}
}
