/// A savepoint a transaction opened with `openSavepoint()`, ended by
/// `releaseSavepoint` or `rollBack(toSavepoint:)`: for a part whose end is not the end
/// of one Swift closure (a Lua `pcall` frame that wrote).
public struct StoreSavepoint: Sendable, Hashable {
    /// The store's own number for it, unique within its transaction.
    public let id: Int

    public init(id: Int) { self.id = id }
}
