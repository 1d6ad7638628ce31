import CLuaShim
import Dispatch
import Synchronization

struct HostPointer: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The time limit of a run. Nothing runs in the script's thread until the deadline
/// passes; then a timer thread trips the limit, which signals the script's thread to
/// arm a hook in the running coroutine (the timer never touches the state), so
/// ordinary scripts pay nothing for having a time limit.
final class LuaDeadline: Sendable {
    /// A serial queue of its own: it may start a thread even when every thread of
    /// the global pool is busy running scripts (whose deadlines it must trip).
    private static let timers = DispatchQueue(label: "comity.lua.deadline", qos: .userInitiated)
    private let host: Mutex<HostPointer?>

    init(state: LuaState, after duration: Duration) {
        host = Mutex(HostPointer(pointer: comity_host_of(state.pointer)))
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        Self.timers.asyncAfter(deadline: .now() + .nanoseconds(max(nanoseconds, 0))) { [self] in
            fire()
        }
    }

    private func fire() {
        host.withLock { host in
            if let host { comity_host_trip(host.pointer, LuaLimitKind.time.code) }
        }
    }

    /// After this returns the timer no longer touches the state, which may then be closed.
    func cancel() {
        host.withLock { $0 = nil }
    }
}
