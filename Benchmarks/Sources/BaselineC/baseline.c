#include "baseline.h"

#include <lauxlib.h>
#include <lualib.h>

void baseline_open_and_close(void) {
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_close(L);
}

static int plus_one(lua_State *L) {
    lua_Integer i = luaL_checkinteger(L, 1);
    lua_pushinteger(L, i + 1);
    return 1;
}

static const char loop_source[] =
    "function loop(n) local f, x = f, 0 for i = 1, n do x = f(x) end return x end";

int baseline_define_loop(lua_State *L) {
    return luaL_dostring(L, loop_source);
}

lua_State *baseline_state_with_c_function(void) {
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_pushcfunction(L, plus_one);
    lua_setglobal(L, "f");
    baseline_define_loop(L);
    return L;
}

long long baseline_run_loop(lua_State *L, long long n) {
    lua_getglobal(L, "loop");
    lua_pushinteger(L, n);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        lua_pop(L, 1);
        return -1;
    }
    long long result = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return result;
}

void baseline_close(lua_State *L) { lua_close(L); }
