import Foundation
import Synchronization

/// How far a run has got, read from another thread: `comity run` shows it on a
/// terminal while a long run goes on.
public final class RunProgress: Sendable {
    private let written = Atomic<Int>(0)
    private let started = ContinuousClock.now

    public init() {}

    /// Records created or changed so far.
    public var recordsWritten: Int { written.load(ordering: .relaxed) }

    func recordWrite() { written.add(1, ordering: .relaxed) }

    /// `12,345 records written (4,100/s)`.
    public var summary: String {
        let seconds = (ContinuousClock.now - started).inSeconds
        let count = recordsWritten
        let rate = seconds > 0 ? Int(Double(count) / seconds) : 0
        return "\(count.formatted()) records written (\(rate.formatted())/s)"
    }
}
