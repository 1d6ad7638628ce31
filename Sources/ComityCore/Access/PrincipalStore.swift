import Foundation

/// A store as one person sees it: every transaction it opens is a `PrincipalTransaction`
/// of that person's policy, loaded afresh (a membership or a share changed since counts).
/// For what takes a whole store (an export): `comity export --as`.
public final class PrincipalStore: Store {
    public let base: any Store
    /// The person: an id, an email or a name.
    public let person: String
    let timeZone: TimeZone

    public init(_ base: any Store, person: String, timeZone: TimeZone) {
        self.base = base
        self.person = person
        self.timeZone = timeZone
    }

    public var schema: DomainSchema { base.schema }

    public func write<T>(commit: Bool, _ body: (any StoreTransaction) throws -> T) throws -> T {
        try base.write(commit: commit) { try body(try scoped($0)) }
    }

    public func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try base.read { try body(try scoped($0)) }
    }

    private func scoped(_ transaction: any StoreTransaction) throws -> any StoreTransaction {
        let scoped = try PrincipalTransaction(transaction, actingAs: person, now: Timestamp(Date()), timeZone: timeZone, schema: base.schema)
        // What takes a whole store shows ids as they are (an export): links to hidden records go.
        scoped.hidesLinks = true
        return scoped
    }
}
