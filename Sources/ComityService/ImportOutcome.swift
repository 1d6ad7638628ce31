import ComityEngine

/// An import and the runs its committed events queued, drained after it.
public struct ImportOutcome {
    public let file: ImportedFile
    public let queued: [ScriptRun]
}
