import CLuaShim

extension LuaState {
    /// Throws the limit this state has hit (the deadline passed, memory ran out, the
    /// run was cancelled), if any. One atomic load: cheap enough to call every few
    /// hundred items of a long conversion, which is what host code working for a
    /// script should do, since no hook can stop Swift code.
    public func checkLimits() throws(LuaError) {
        if let limit = limitHit { throw LuaError(.limit(limit), limitMessage(limit)) }
    }

    /// Work the host does for a script: see ``LuaHostWork``.
    public func hostWork() -> LuaHostWork { LuaHostWork(state: self) }
}

/// Bytes the host holds on a script's behalf (a file it read, rows it parsed, text it
/// is writing), counted against the run's memory cap as if Lua held them, until
/// ``finish()``; and the run's limits, checked as the work goes.
///
/// ```swift
/// let work = state.hostWork()
/// defer { work.finish() }
/// try work.charge(data.count)
/// for row in rows { try work.charge(row.bytes); ... }
/// ```
public final class LuaHostWork {
    private let state: LuaState
    /// Bytes counted now.
    public private(set) var charged = 0

    init(state: LuaState) {
        self.state = state
    }

    deinit { finish() }

    /// Counts `bytes` more; throws the memory limit when they do not fit under the cap
    /// (which trips it for the run), or any limit already hit.
    public func charge(_ bytes: Int) throws(LuaError) {
        try state.checkLimits()
        guard bytes > 0 else { return }
        guard comity_host_charge(state.pointer, size_t(bytes)) != 0 else {
            throw LuaError(.limit(.memory), state.limits.message(for: .memory))
        }
        charged += bytes
    }

    /// Throws the limit the run has hit, if any.
    public func check() throws(LuaError) { try state.checkLimits() }

    /// Gives back every byte counted. Called at deinit too.
    public func finish() {
        if charged > 0 { comity_host_release(state.pointer, size_t(charged)) }
        charged = 0
    }
}
