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

/// One pcall or xpcall frame that has not returned (see comity_scopes.c).
typedef struct {
    lua_State *thread;
    /// Names the frame for its continuation: frames of different coroutines do not
    /// close in the order they opened.
    lua_Integer serial;
    /// The savepoint opened for it at its first write (1 = the outermost), 0 for none.
    int level;
    /// A write was made outside it (by another coroutine) after its savepoint opened:
    /// rolling back to that savepoint would undo it too.
    int tainted;
} comity_scope;

/// Who owns each open savepoint, by level: a frame's serial, or one of these.
enum { COMITY_SAVEPOINT_ORPHAN = 0, COMITY_SAVEPOINT_HOST = -1 };

/// The open frames and savepoints of a state, and the coroutines resumed now.
typedef struct {
    comity_scope *frames;
    int count, capacity;
    lua_Integer next_serial;
    lua_Integer *owners;
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
/// Records that `next` is the thread about to run (coroutine switches).
void comity_switch_to(lua_State *L, lua_State *next);

// MARK: - Frames of pcall and xpcall (comity_scopes.c)

/// Notes a pcall frame opening on L; its serial, for comity_scope_leave. Raises when
/// out of memory.
lua_Integer comity_scope_enter(lua_State *L);
/// Closes the frame `serial`: rolled back to its savepoint when `failed`, released
/// otherwise. Raises an error pcall cannot catch when that cannot be done exactly.
void comity_scope_leave(lua_State *L, lua_Integer serial, int failed);
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
