import ComityCore

/// A retry: the run retried, and the new run with those the queue ran after it.
public struct RetryOutcome {
    public let previous: RunRecord
    public let run: FileRun
}
