import ComityCore

/// What one person sees and may change, by record type: `comity access show`, and the
/// demo's view of a principal next to the coordinator's.
public struct AccessView: Sendable {
    public struct Row: Sendable {
        public let type: RecordType
        /// Records the person may see (archived ones aside), may change, and all there are.
        public let visible: Int
        public let changeable: Int
        public let total: Int
    }

    /// How errors and the audit name the person: `Elena Topoleva (editor, ...)`.
    public let principal: String
    public let rows: [Row]
}

/// A share as `comity access shares` lists it: with the organisations' names.
public struct ShareListing: Sendable {
    public let share: RecordShare
    public let ownerName: String
    public let granteeName: String
}
