import ComityCore
import Testing

/// One requirement every store meets, checked with `#expect` against the protocols
/// only: a store runs every case whose capabilities it declares.
public struct StoreConformanceCase: Sendable, CustomTestStringConvertible {
    public let name: String
    /// What the store must be able to do for this case to run.
    public let requires: StoreCapabilities
    let body: @Sendable (any StoreFactory) throws -> Void

    init(_ name: String, requires: StoreCapabilities = [], _ body: @escaping @Sendable (any StoreFactory) throws -> Void) {
        self.name = name
        self.requires = requires
        self.body = body
    }

    public var testDescription: String { name }

    /// Runs the case on stores from `factory`; a case it lacks the capabilities for
    /// passes without running (the caller filters with `applies(to:)` to say so).
    public func run(_ factory: any StoreFactory) throws {
        guard applies(to: factory) else { return }
        try body(factory)
    }

    public func applies(to factory: any StoreFactory) -> Bool { factory.capabilities.isSuperset(of: requires) }
}

/// The store conformance suite: what any store (SQLite, PostgreSQL) must do, as cases a
/// store's tests run with its factory:
///
/// ```swift
/// @Test(arguments: StoreConformance.cases)
/// func conformance(_ requirement: StoreConformanceCase) throws { try requirement.run(SQLiteFactory()) }
/// ```
public enum StoreConformance {
    public static var cases: [StoreConformanceCase] {
        RecordCases.all + QueryCases.all + SnapshotCases.all + SavepointCases.all + RunHistoryCases.all + QueueCases.all
            + RunLeaseCases.all + ScheduleCases.all + OutboxCases.all + OnceKeyCases.all + AccessCases.all + AccessPolicyCases.all
            + StoreFileCases.all
    }
}
