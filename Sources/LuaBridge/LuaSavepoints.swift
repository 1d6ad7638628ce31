import CLuaShim

/// Where a state's `pcall` and `xpcall` frames keep what the host writes for them, so
/// that an error they catch undoes it: savepoints of the host's transaction, as a
/// PL/pgSQL block with an EXCEPTION clause has. The bridge knows nothing of stores;
/// the host fills this in (``LuaState/savepoints``) and calls
/// ``LuaState/beforeWrite()`` before each write it makes for a script.
///
/// Savepoints are opened lazily: a frame that writes nothing costs no call here.
/// Levels count from 1 (the outermost) and form a stack: releasing or rolling back a
/// level ends every level above it too.
public protocol LuaSavepoints: AnyObject {
    /// Opens savepoint `level`, on top of levels 1 ..< `level`.
    func openSavepoint(level: Int) throws
    /// Keeps what was written since savepoint `level` and ends it.
    func releaseSavepoint(level: Int) throws
    /// Undoes what was written since savepoint `level` and ends it.
    func rollBackSavepoint(level: Int) throws
}

/// The C side's one way into ``LuaSavepoints``; a thrown error's text is kept for it.
let swiftSavepointEntry: comity_savepoint_function = { L, operation, level in
    guard let L else { return 1 }
    let state = LuaState.owner(of: L)
    guard let savepoints = state.savepoints else {
        comity_set_error(L, "this state has no savepoints", 28)
        return 1
    }
    // What the host does here (putting back handles a rollback changed) works on the
    // stack of the thread whose pcall returns, as a Swift function called there would.
    let caller = state.pointer
    state.pointer = L
    defer { state.pointer = caller }
    do {
        switch UInt32(operation) {
        case COMITY_SAVEPOINT_OPEN.rawValue: try savepoints.openSavepoint(level: Int(level))
        case COMITY_SAVEPOINT_RELEASE.rawValue: try savepoints.releaseSavepoint(level: Int(level))
        default: try savepoints.rollBackSavepoint(level: Int(level))
        }
        return 0
    } catch {
        var text = "\(error)"
        text.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { comity_set_error(L, $0.baseAddress, $0.count) }
        }
        return 1
    }
}

extension LuaState {
    /// Gives every open `pcall` frame the host's write is inside a savepoint, if it has
    /// none yet. Call it before each write made for the running code; it costs a
    /// counter check when no frame is open. Throws (and fails the run, like a limit)
    /// when a savepoint cannot be opened.
    public func beforeWrite() throws(LuaError) {
        guard comity_scopes_before_write(pointer) == LUA_OK else { throw savepointFailure() }
    }

    /// Runs `body`, which opens a savepoint of the host's own around code that may
    /// write (`ctx.once` over `inSavepoint`): frames opened before it get theirs first,
    /// and those that opened inside it and outlive it (in a suspended coroutine) lose
    /// theirs when it ends. `body` throwing means its savepoint rolled back.
    public func inHostSavepoint<T>(_ body: () throws -> T) throws -> T {
        let level = comity_scopes_push_host(pointer)
        if level < 0 { throw savepointFailure() }
        do {
            let result = try body()
            comity_scopes_pop_host(pointer, level, 0)
            return result
        } catch {
            comity_scopes_pop_host(pointer, level, 1)
            throw error
        }
    }

    /// The host's transaction ended (committed, or rolled back when `undone`), with
    /// every savepoint in it; frames still open in suspended coroutines lose theirs.
    public func savepointsEnded(undone: Bool) {
        comity_scopes_end_transaction(mainThread, undone ? 1 : 0)
    }

    /// How many `pcall` frames are open, and how many savepoints they hold.
    public var protectedFrames: (open: Int, savepoints: Int) {
        (Int(comity_scopes_open_frames(mainThread)), Int(comity_scopes_depth(mainThread)))
    }

    private func savepointFailure() -> LuaError {
        if let limit = limitHit { return LuaError(.limit(limit), limitMessage(limit)) }
        return LuaError(.runtime, String(cString: comity_error_text(pointer)))
    }

    /// The text of limit `kind` as this state raises it: a savepoint failure's
    /// particular reason, the configured limit's otherwise.
    func limitMessage(_ kind: LuaLimitKind) -> String {
        let text = String(cString: comity_limit_message(mainThread, kind.code))
        return text.isEmpty ? limits.message(for: kind) : text
    }
}
