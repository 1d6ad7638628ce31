import Foundation

/// A value the threads of a case share, behind a lock; it may hold a store, which is
/// not `Sendable`, because each case hands it over once and waits for the thread.
final class Shared<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
