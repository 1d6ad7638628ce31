// Private to CLuaShim: the host block behind every state made by comity_newstate.
#ifndef COMITY_HOST_PRIVATE_H
#define COMITY_HOST_PRIVATE_H

#include "include/comity_shim.h"
#include <stdatomic.h>

#define COMITY_LIMIT_KINDS 6

struct comity_host {
    size_t used, peak, limit;
    size_t refused_size;
    int refused_pending;
    unsigned long refusals;
    _Atomic int limit_hit;
    _Atomic(lua_State *) current;
    atomic_flag switch_lock;
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
/// Records that `next` is the thread about to run (coroutine switches).
void comity_switch_to(lua_State *L, lua_State *next);

#endif
