// Plain C Lua, as a host would write it without any bridge: the baselines.
#ifndef COMITY_BASELINE_H
#define COMITY_BASELINE_H

#include <lua.h>

/// luaL_newstate + luaL_openlibs, then lua_close: the cost of a ready state.
void baseline_open_and_close(void);

/// A state with global `f`, a C function returning its integer argument plus one,
/// and global `loop(n)` calling `f` n times.
lua_State *baseline_state_with_c_function(void);

/// Defines global `loop(n)` in a state whose `f` is already set.
int baseline_define_loop(lua_State *L);

/// Calls `loop(n)`; returns the loop's result (n when `f` adds one).
long long baseline_run_loop(lua_State *L, long long n);

void baseline_close(lua_State *L);

#endif
