/// What became of a webhook delivery that passed its signature check.
public enum WebhookAcceptance: Sendable, Equatable {
    /// Kept in the inbox (`delivery`), with its hook's workflow queued as `queuedRun`.
    case queued(delivery: Int64, queuedRun: Int64)
    /// Its hook had a delivery of this id already (`delivery`): nothing was kept or queued.
    case replayed(delivery: Int64)
}
