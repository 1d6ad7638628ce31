/// Which creation and change events (`TYPE.created`, `TYPE.updated`) a transaction
/// records. Lifecycle events (`grant.awarded`) are always recorded; these are recorded
/// only for the types some workflow listens to, so that a bulk create nobody listens
/// to writes no event rows. The engine works it out from the workflows' `on`
/// patterns (`EventQueuing`); a transaction records all of them until told otherwise.
public struct EventRecording: Sendable, Hashable {
    /// Types whose creations are recorded as `TYPE.created`.
    public var created: Set<RecordType>
    /// Types whose changes are recorded as `TYPE.updated`.
    public var updated: Set<RecordType>

    public init(created: Set<RecordType>, updated: Set<RecordType>) {
        self.created = created
        self.updated = updated
    }

    /// Every creation and change: what a transaction records unless told otherwise.
    public static let all = EventRecording(created: Set(RecordType.allCases), updated: Set(RecordType.allCases))
    /// Lifecycle events only: no workflow listens to a creation or a change.
    public static let lifecycleOnly = EventRecording(created: [], updated: [])
}
