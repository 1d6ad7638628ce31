import ComityEngine

/// How the runs a command's commit queued ended: each failed one on standard error.
enum QueuedRunReport {
    /// Says how each failed run failed; returns how many failed.
    static func failures(_ runs: [ScriptRun]) -> Int {
        var failures = 0
        for triggered in runs {
            if let error = triggered.outcome.error {
                failures += 1
                Output.error("\(triggered.workflowName ?? triggered.file) (triggered by \(triggered.record.trigger.summary)): "
                    + ErrorReport.text(for: error))
            }
        }
        return failures
    }
}
