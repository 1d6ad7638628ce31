/// A store that cannot do what was asked, for a reason outside the data itself.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Another process holds the database longer than the wait allows.
        case locked
        /// The database was written by a newer Comity; it is left untouched.
        case newerVersion
        /// The file or its folder cannot be written, or the disk is full.
        case notWritable
        /// No record with that id.
        case notFound
        /// A unique value is taken already.
        case duplicate
        /// The database cannot be reached (a server restarting, a network cut): nothing
        /// of the transaction was kept, and the same work may be tried again.
        case unavailable
        /// A worker's lease on a run ended (it expired and another worker took the run
        /// over): nothing of its run may be committed.
        case leaseLost
        /// The principal a run or a request acts as may not do this (see `AccessPolicy`).
        case forbidden
        /// Anything else the database reported.
        case database
    }

    public var kind: Kind
    public var message: String
    /// For a duplicate: the record that holds the value already, and the message said
    /// without it, for one who may not see that record (`PrincipalTransaction`).
    public var holder: RecordReference?
    public var messageWithoutHolder: String?

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
