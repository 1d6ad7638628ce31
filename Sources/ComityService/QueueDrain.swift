import ComityEngine

/// What draining the queue ran, and how many runs still wait (retries not yet due).
public struct QueueDrain {
    public let runs: [ScriptRun]
    public let waiting: Int

    public var succeeded: Bool { runs.allSatisfy(\.succeeded) }
}
