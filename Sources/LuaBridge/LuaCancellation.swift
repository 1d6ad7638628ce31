import CLuaShim
import Synchronization

/// Stops runs from outside, from any thread: a daemon shutting down cancels the runs
/// still going after its grace period. A sandbox given one stops at its next Lua
/// instruction with a `cancelled` error once `cancel()` is called (at once, if it was
/// called before the sandbox started).
public final class LuaCancellation: Sendable {
    private struct Registry {
        var cancelled = false
        var hosts: [ObjectIdentifier: HostPointer] = [:]
    }
    private let registry = Mutex(Registry())

    public init() {}

    public var isCancelled: Bool { registry.withLock { $0.cancelled } }

    public func cancel() {
        registry.withLock { registry in
            registry.cancelled = true
            for host in registry.hosts.values { comity_host_trip(host.pointer, LuaLimitKind.cancelled.code) }
        }
    }

    func register(_ sandbox: LuaSandbox) {
        let host = HostPointer(pointer: comity_host_of(sandbox.state.pointer))
        registry.withLock { registry in
            registry.hosts[ObjectIdentifier(sandbox)] = host
            if registry.cancelled { comity_host_trip(host.pointer, LuaLimitKind.cancelled.code) }
        }
    }

    /// After this returns the sandbox's state is no longer touched, and may be closed.
    func unregister(_ sandbox: LuaSandbox) {
        _ = registry.withLock { $0.hosts.removeValue(forKey: ObjectIdentifier(sandbox)) }
    }
}
