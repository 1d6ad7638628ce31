// Private to CLuaShim: the host block behind every state made by comity_newstate.
#ifndef COMITY_HOST_PRIVATE_H
#define COMITY_HOST_PRIVATE_H

#include "include/comity_shim.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#define COMITY_LIMIT_KINDS 7

/// Sent by a thread that trips a limit to the thread running the state. SIGURG is
/// ignored by default, so one that arrives late (or unasked) does no harm.
#define COMITY_TRIP_SIGNAL SIGURG

/// One pcall or xpcall frame that has not returned (see comity_scopes.c). The frames
/// of one thread close in the reverse order they opened (a frame's continuation runs
/// only once those inside it have closed), so a frame returning is the innermost open
/// one of its thread: no name is needed to find it.
typedef struct {
    lua_State *thread;
    /// The savepoint opened for it at its first write (1 = the outermost), 0 for none.
    int level;
    /// A write was made outside it (by another coroutine) after its savepoint opened,
    /// or its savepoint was merged into the host's: rolling back cannot undo it alone.
    int tainted;
} comity_scope;

/// Who owns each open savepoint, by level.
enum { COMITY_SAVEPOINT_ORPHAN = 0, COMITY_SAVEPOINT_FRAME = 1, COMITY_SAVEPOINT_HOST = -1 };

/// The open frames and savepoints of a state, and the coroutines resumed now.
typedef struct {
    comity_scope *frames;
    int count, capacity;
    int *owners;
    int depth, owners_capacity;
    /// chain[i] was resumed by chain[i-1] (chain[-1] being whatever thread the host
    /// called into): the threads whose frames a write is inside.
    lua_State **chain;
    int chain_count, chain_capacity;
    /// Whether savepoints are wanted at all (the host set a savepoint function).
    int enabled;
    /// Coroutines kept alive while suspended inside a frame (their frames point at them).
    int anchored;
} comity_scopes;

struct comity_host {
    size_t used, peak, limit;
    size_t refused_size;
    int refused_pending;
    unsigned long refusals;
    _Atomic int limit_hit;
    /// The coroutine running now (written only by the thread that runs Lua).
    _Atomic(lua_State *) current;
    /// How many protected calls into this state are under way, and on which thread:
    /// a trip from another thread signals that thread instead of touching the state.
    _Atomic int running;
    _Atomic(pthread_t) thread;
    /// Held while `running` goes back to zero and while another thread signals, so a
    /// signal never goes to a thread that has left the state (and may have ended).
    atomic_flag signal_lock;
    lua_State *main;
    long long instr_limit, instr_used;
    int instr_step;
    char *errbuf;
    size_t errlen, errcap;
    char *messages[COMITY_LIMIT_KINDS];
    char *traceback;
    void *owner;
    char position[LUA_IDSIZE + 24];
    comity_scopes scopes;
};

#define HOST(L) (*(comity_host **)lua_getextraspace(L))

/// Raises the message of limit `kind`, with the position of the function `level`
/// levels up (0 in a hook, 1 in a C function).
int comity_raise_limit(lua_State *L, int kind, int level);
/// Marks the state as running on this thread until `comity_leave`; `outer` keeps the
/// state that was running here before (a Swift function may run another state).
void comity_enter(lua_State *L, comity_host **outer);
void comity_leave(lua_State *L, comity_host *outer);
/// Runs `f` protected, its stack holding `args` (a light userdata) and then the
/// `nargs` values on top; on failure the error's text goes to the error buffer and
/// the stack is as it was. The state is entered for it when no call is running.
int comity_run_protected(lua_State *L, lua_CFunction f, void *args, int nargs, int nresults);

/// For a C metamethod (`__index`): calls the function below its `nargs` arguments for
/// one result, and raises its error with the position of the Lua code that indexed.
/// Returns 1 (the result is on top).
int comity_call_at_caller(lua_State *L, int nargs);
/// Records that `next` is the thread about to run (coroutine switches).
void comity_switch_to(lua_State *L, lua_State *next);

// MARK: - Frames of pcall and xpcall (comity_scopes.c)

/// The out-of-line parts of the two below: growing the array, and a frame that wrote
/// or is not on top.
void comity_scope_enter_growing(lua_State *L);
void comity_scope_leave_slow(lua_State *L, int failed);

/// Notes a pcall frame opening on L. Raises when out of memory. Inline, as every
/// pcall pays for it.
static inline void comity_scope_enter(lua_State *L) {
    comity_scopes *s = &HOST(L)->scopes;
    if (s->count == s->capacity) {
        comity_scope_enter_growing(L);
        return;
    }
    comity_scope *f = &s->frames[s->count++];
    f->thread = L;
    f->level = 0;
    f->tainted = 0;
}

/// Closes L's innermost frame: rolled back to its savepoint when `failed`, released
/// otherwise. Raises an error pcall cannot catch when that cannot be done exactly.
/// The usual case (on top, wrote nothing) is inline and makes no call.
static inline void comity_scope_leave(lua_State *L, int failed) {
    comity_scopes *s = &HOST(L)->scopes;
    int top = s->count - 1;
    if (top >= 0) {
        comity_scope *f = &s->frames[top];
        if (f->thread == L && (f->level | f->tainted) == 0) {
            s->count = top;
            return;
        }
    }
    comity_scope_leave_slow(L, failed);
}

/// Around lua_resume of `co` by L: the chain of resumed coroutines. Push returns 0
/// when out of memory.
int comity_chain_push(lua_State *L, lua_State *co);
void comity_chain_pop(lua_State *L, lua_State *co);
/// After a resume of `co` returned: a coroutine suspended inside frames is kept alive
/// (anchored) while they are open; one that ended or failed has its frames forgotten.
void comity_scopes_after_resume(lua_State *L, lua_State *co, int status);
/// `co` is being closed while suspended: its frames end without an error (what they
/// wrote is kept, as nothing was caught).
void comity_scopes_abandon(lua_State *L, lua_State *co);
/// Frees the bookkeeping (comity_close).
void comity_scopes_free(comity_host *h);

#endif
