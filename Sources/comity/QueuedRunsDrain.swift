import ComityEngine

/// Runs what a command's commit queued (the workflows its events start), each in its
/// own transaction, printing what they print and how each failed one failed.
enum QueuedRunsDrain {
    /// Returns how many of the runs failed.
    static func run(_ runner: ScriptRunner) throws -> Int {
        var failures = 0
        for triggered in try TriggerQueue(runner: runner).drain(output: { Output.print($0) }) {
            if let error = triggered.outcome.error {
                failures += 1
                Output.error("\(triggered.workflowName ?? triggered.file) (triggered by \(triggered.record.trigger.summary)): "
                    + ErrorReport.text(for: error))
            }
        }
        return failures
    }
}
