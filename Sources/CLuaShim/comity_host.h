// Private to CLuaShim: the host block behind every state made by comity_newstate.
#ifndef COMITY_HOST_PRIVATE_H
#define COMITY_HOST_PRIVATE_H

#include "include/comity_shim.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#define COMITY_LIMIT_KINDS 6

/// Sent by a thread that trips a limit to the thread running the state. SIGURG is
/// ignored by default, so one that arrives late (or unasked) does no harm.
#define COMITY_TRIP_SIGNAL SIGURG

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

#endif
