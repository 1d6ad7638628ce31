import ComityEngine
import ComityExchange

/// An imported file: what became of its rows, and its header (for the rejected rows).
public struct ImportedFile {
    public let summary: RecordImport.Summary
    public let header: [String]
    /// The file as read (absolute).
    public let path: String
}
