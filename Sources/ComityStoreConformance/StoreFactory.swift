import ComityCore
import Foundation

/// What a store under test can do beyond the protocols, which decides the cases it runs.
public struct StoreCapabilities: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Other processes open the same store and take from its queue.
    public static let otherProcesses = StoreCapabilities(rawValue: 1 << 0)
    /// The store can be limited to a size, which a run then fails to pass (a full disk).
    public static let sizeLimit = StoreCapabilities(rawValue: 1 << 1)
    /// The store can be marked as written by a newer Comity.
    public static let versionMarks = StoreCapabilities(rawValue: 1 << 2)

    public static let all: StoreCapabilities = [.otherProcesses, .sizeLimit, .versionMarks]
}

/// How a store is opened for a case.
public struct StoreOpening: Sendable {
    public var schema: DomainSchema
    /// How long a write waits for another's lock.
    public var lockWait: TimeInterval
    /// Bytes of room left beyond what the store holds now (a full disk soon); nil: no limit.
    public var room: Int?

    public init(schema: DomainSchema = .standard, lockWait: TimeInterval = 5, room: Int? = nil) {
        self.schema = schema
        self.lockWait = lockWait
        self.room = room
    }
}

/// Makes the stores a conformance case runs on: each case asks for a new location (an
/// empty database) and opens it, once or several times, as several processes would.
public protocol StoreFactory: Sendable {
    var capabilities: StoreCapabilities { get }
    /// A place for a new, empty store, not yet opened.
    func newLocation() -> String
    /// Opens (creating and migrating when new) the store at `location`.
    func open(_ location: String, _ opening: StoreOpening) throws -> any Store
    /// Marks the store at `location` as written by a newer Comity (`.versionMarks`).
    func markWrittenByNewerVersion(_ location: String) throws
    /// Whether the store's own check finds its data intact (SQLite's integrity check).
    func isIntact(_ location: String) throws -> Bool
    /// Takes runs off the queue of the store at `location` in `processes` other
    /// processes at once, each until none is due at `now`; the ids of the runs each
    /// process took (`.otherProcesses`).
    func takeQueuedRunsInOtherProcesses(_ location: String, processes: Int, dueAt now: Timestamp) throws -> [[Int64]]
}

extension StoreFactory {
    /// A new, empty store.
    public func newStore(_ opening: StoreOpening = StoreOpening()) throws -> any Store {
        try open(newLocation(), opening)
    }
}
