import Foundation

/// Ends an idle wait early. Signals coalesce: however many arrive during a cycle (a
/// notification per committed transaction, a shutdown), the next wait returns once,
/// so a burst of them costs one extra look at the queue, not one each.
final class WakeupSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending = false

    func signal() {
        condition.lock()
        pending = true
        condition.signal()
        condition.unlock()
    }

    /// Waits until signalled or `seconds` have passed; whether it was signalled.
    @discardableResult
    func wait(seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: max(seconds, 0))
        condition.lock()
        defer { condition.unlock() }
        while !pending {
            if !condition.wait(until: deadline) { break }
        }
        let signalled = pending
        pending = false
        return signalled
    }
}
