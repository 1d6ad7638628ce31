import ComityCore
import ComityService
import Foundation
import Hummingbird

/// `GET /v1/queue`, `DELETE /v1/queue/ID` (a waiting run taken off) and `GET /v1/metrics`
/// (the server's counters, with the queue's and the outbox's state read at the scrape).
enum QueueRoutes {
    static func add(to api: RouterGroup<ComityRequestContext>, engine: EngineExecutor, metrics: ServerMetrics) {
        api.get("queue") { _, _ in
            let waiting = try await engine.read { engine in try engine.store.read { try $0.queuedRuns() } }
            return try JSONResponse.response(QueueJSON(waiting: waiting.map(QueuedRunJSON.init)))
        }
        api.get("metrics") { _, _ in
            let (waiting, oldest, outbox, runs) = try await engine.read { engine in
                try engine.store.read { tx -> (Int, Int64, [OutgoingMessage.Status: Int], [RunTotal]) in
                    // Counted by the store: a scrape reads no run or message whole.
                    let now = Timestamp(Date())
                    // The earliest due time of all waiting runs is the oldest wait when it has come.
                    let oldest = max(0, now.secondsSince1970 - (try tx.nextQueuedRunDue()?.secondsSince1970 ?? now.secondsSince1970))
                    return (try tx.queuedRunCount(), oldest, try tx.messageCounts(), try tx.runTotals())
                }
            }
            metrics.record(waiting: waiting, oldestWaitSeconds: oldest, outbox: outbox)
            metrics.record(runs: runs)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.text)))
        }
        api.delete("queue/:id") { _, context in
            guard let id = PathID.number(context) else {
                return ProblemDetails.response(.badRequest, "a queued run's id is a whole number, as /v1/queue lists it")
            }
            switch try await engine.perform({ try $0.cancelQueuedRun(id: id) }) {
            case .cancelled(let run):
                context.logger.info("queued run cancelled", metadata: ["queued_run": "\(id)", "workflow": "\(run.workflow)",
                                                                      "token": "\(context.token?.name ?? "-")"])
                return try JSONResponse.response(QueuedRunJSON(run))
            case .leased:
                return ProblemDetails.response(.conflict, "queued run \(id) is leased to a worker and runs now; it cannot be cancelled")
            case .notWaiting:
                return ProblemDetails.response(.notFound, "no run \(id) waits in the queue (see /v1/queue)")
            }
        }
    }
}
