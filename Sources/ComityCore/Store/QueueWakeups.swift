/// A store that can tell a waiting worker early that work was queued, so that it need
/// not wait for its next poll. Only a hint: polling stays the ground truth, and a
/// wake-up lost (a dropped connection) delays work by at most one poll.
public protocol QueueWakeups: Store {
    /// Calls `wake` (on a thread of the store's) after each committed transaction
    /// that queued a run or gave one back, until the subscription is cancelled; also
    /// once after the store lost and regained its way of hearing them, since
    /// something may have been queued meanwhile.
    func subscribeToQueueWakeups(_ wake: @escaping @Sendable () -> Void) throws -> any QueueWakeupSubscription
}

/// A subscription to a store's queue wake-ups.
public protocol QueueWakeupSubscription: Sendable {
    /// Stops the wake-ups; none is delivered after it returns.
    func cancel()
}
