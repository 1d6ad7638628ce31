import Dispatch

/// Where the tests' in-process servers run their tasks: threads of their own, not Swift's
/// cooperative pool. That pool has a thread per core (two on the CI machine), and the
/// suite's synchronous tests hold its threads for seconds while they wait for child
/// processes; a server sharing it would answer nothing meanwhile, and its clients would
/// time out for a reason that is not the server's.
final class ServerTaskExecutor: TaskExecutor {
    static let shared = ServerTaskExecutor()
    private let queue = DispatchQueue(label: "comity.test.server", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
