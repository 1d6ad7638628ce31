// The sandbox's global table, built from a whitelist. Standard libraries are opened
// into the registry only; scripts see copies behind read-only proxies, and the
// functions that can catch errors or switch coroutines are replaced by versions that
// keep a hit limit from being swallowed.
#include "comity_host.h"
#include "comity_library.h"
#include "comity_pattern.h"

#include <stdio.h>
#include <string.h>

static const char PROTECTED_KEY = 0;

// Largest range table.move may copy in one call: a single C loop cannot be
// interrupted by the time limit, so its length is capped instead.
#define MOVE_CAP ((lua_Integer)1 << 24)

static int check_limit(lua_State *L) {
    int kind = atomic_load(&HOST(L)->limit_hit);
    if (kind != COMITY_LIMIT_NONE) return comity_raise_limit(L, kind, 1);
    return 0;
}

// MARK: - pcall and xpcall

// The continuation's context: how many slots below the results are xpcall's own (0 or 2).
static int finish_pcall(lua_State *L, int status, lua_KContext context) {
    int failed = status != LUA_OK && status != LUA_YIELD;
    // Before the results go back: a failed frame rolls back what it wrote, and a
    // rollback that cannot be exact fails the run here.
    comity_scope_leave(L, failed);
    check_limit(L);
    if (failed) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)context;
}

static int sb_pcall(lua_State *L) {
    int n = lua_gettop(L);
    if (n == 0) luaL_checkany(L, 1); // raises Lua's own "value expected"
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    comity_scope_enter(L);
    int status = lua_pcallk(L, n - 1, LUA_MULTRET, 0, 0, finish_pcall);
    return finish_pcall(L, status, 0);
}

// The message handler xpcall really installs: once a limit is hit, the script's own
// handler is not called. Lua calls a handler for an error raised in a hook while hooks
// are still off, so a handler that loops would never be stopped.
//
// It runs where the error was raised, before its frame returns: what it writes is
// inside the frame and undone with the rest (PL/pgSQL runs its EXCEPTION block after
// the rollback; the code after xpcall returns is that block here).
static int limit_aware_handler(lua_State *L) {
    if (atomic_load(&HOST(L)->limit_hit) != COMITY_LIMIT_NONE) {
        lua_settop(L, 1);
        return 1;
    }
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 1);
    return 1;
}

static int sb_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, limit_aware_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); // f, handler, true, f, args...
    comity_scope_enter(L);
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
    return finish_pcall(L, status, 2);
}

// MARK: - Coroutines

// Resumes `co` with `narg` arguments from L: the number of results moved to L, or -1
// with the error object on top of L.
static int resume_thread(lua_State *L, lua_State *co, int narg) {
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    if (!comity_chain_push(L, co)) {
        lua_pushliteral(L, "not enough memory to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    comity_switch_to(L, co);
    int nres = 0;
    int status = lua_resume(co, L, narg, &nres);
    comity_switch_to(L, L);
    comity_chain_pop(L, co);
    check_limit(L);
    comity_scopes_after_resume(L, co, status);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);
    return -1;
}

static int sb_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co != NULL, 1, "coroutine");
    int r = resume_thread(L, co, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

static int wrap_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int r = resume_thread(L, co, lua_gettop(L));
    if (r >= 0) return r;
    int status = lua_status(co);
    if (status != LUA_OK && status != LUA_YIELD) {
        // Runs its pending __close handlers, on its own stack: armed like a resume.
        comity_switch_to(L, co);
        lua_resetthread(co);
        comity_switch_to(L, L);
        lua_settop(co, 0);
    }
    if (lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int sb_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, wrap_resume, 1);
    return 1;
}

// coroutine.close(co) runs co's pending __close handlers on co's stack: co is the
// running thread for the limits meanwhile, so a trip arms its hook.
static int sb_close(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    // Its frames end unfailed: no error was caught, so what they wrote is kept.
    if (co != NULL && co != L && lua_status(co) == LUA_YIELD) comity_scopes_abandon(L, co);
    if (co != NULL && co != L) comity_switch_to(L, co);
    int status = lua_pcall(L, n, LUA_MULTRET, 0);
    if (co != NULL && co != L) comity_switch_to(L, L);
    check_limit(L);
    if (status != LUA_OK) return lua_error(L);
    return lua_gettop(L);
}

// MARK: - Guards

static int is_protected(lua_State *L, int index) {
    index = lua_absindex(L, index);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &PROTECTED_KEY);
    lua_pushvalue(L, index);
    int found = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return found;
}

static int sb_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (is_protected(L, 1)) return luaL_error(L, "library tables cannot be changed by a script");
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int sb_setmetatable(lua_State *L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) {
            return luaL_error(L, "__gc metamethods are not allowed in workflow scripts "
                                 "(a finaliser would run outside the run's limits)");
        }
        lua_pop(L, 1);
    }
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

static int sb_collectgarbage(lua_State *L) {
    const char *option = luaL_optstring(L, 1, "collect");
    if (strcmp(option, "count") != 0) {
        return luaL_error(L, "collectgarbage('%s') is not allowed in workflow scripts (only 'count' is)", option);
    }
    int kb = lua_gc(L, LUA_GCCOUNT, 0);
    int bytes = lua_gc(L, LUA_GCCOUNTB, 0);
    lua_pushnumber(L, (lua_Number)kb + ((lua_Number)bytes / 1024));
    return 1;
}

// load(chunk [, chunkname [, mode [, env]]]): the mode is always "t".
static int sb_load(lua_State *L) {
    int n = lua_gettop(L);
    if (n < 3) {
        lua_settop(L, 3);
        n = 3;
    }
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

static int sb_table_move(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    if (e >= f && (e - f >= MOVE_CAP || e - f < 0)) {
        return luaL_error(L, "table.move of %I elements is over the sandbox's cap of %I "
                             "(a single call cannot be stopped by the time limit)",
                          (lua_Integer)(e - f + 1), MOVE_CAP);
    }
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 1);
    return 1;
}

// MARK: - Read-only library tables

static int readonly_newindex(lua_State *L) {
    const char *name = lua_tostring(L, lua_upvalueindex(1));
    return luaL_error(L, "library table '%s' cannot be changed by a script", name ? name : "?");
}

static int readonly_next(lua_State *L) {
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1))) return 2;
    lua_pushnil(L);
    return 1;
}

static int readonly_pairs(lua_State *L) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, readonly_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

// Notes the proxy on top as one rawset and table functions must not change.
static void mark_protected(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &PROTECTED_KEY);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

// Replaces the table on top with a read-only proxy of it.
static void make_readonly(lua_State *L, const char *name) {
    int real = lua_gettop(L);
    lua_newtable(L); // proxy
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, real);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_pushcclosure(L, readonly_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, real);
    lua_pushcclosure(L, readonly_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    mark_protected(L);
    lua_replace(L, real);
}

// Copies the fields `names` of the table at `from` into a new table on top; a
// replacement (C function whose upvalue is the original) for each name in `wrapped`.
struct wrap {
    const char *name;
    lua_CFunction fn;
};

static void copy_fields(lua_State *L, int from, const char *const *names, const struct wrap *wrapped) {
    from = lua_absindex(L, from);
    lua_newtable(L);
    for (const char *const *name = names; *name; name++) {
        lua_getfield(L, from, *name);
        lua_setfield(L, -2, *name);
    }
    for (const struct wrap *w = wrapped; w && w->name; w++) {
        lua_getfield(L, from, w->name);
        lua_pushcclosure(L, w->fn, 1);
        lua_setfield(L, -2, w->name);
    }
}

static void open_library(lua_State *L, const char *name, lua_CFunction open) {
    luaL_requiref(L, name, open, 0);
}

struct seeds {
    lua_Integer first, second;
};

static int p_open_sandbox(lua_State *L) {
    struct seeds *seeds = lua_touserdata(L, 1);
    lua_newtable(L);
    lua_pushstring(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_pushvalue(L, -1);
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &PROTECTED_KEY);

    open_library(L, LUA_GNAME, luaopen_base);
    int base = lua_gettop(L);
    comity_bound_base(L, base);
    static const char *const base_names[] = {
        "assert", "error", "getmetatable", "ipairs", "next", "pairs", "rawequal", "rawget",
        "rawlen", "select", "tonumber", "tostring", "type", "_VERSION", NULL,
    };
    static const struct wrap base_wrapped[] = {
        {"setmetatable", sb_setmetatable},
        {"load", sb_load},
        {NULL, NULL},
    };
    copy_fields(L, base, base_names, base_wrapped);
    int G = lua_gettop(L);
    lua_pushcfunction(L, sb_pcall);
    lua_setfield(L, G, "pcall");
    lua_pushcfunction(L, sb_xpcall);
    lua_setfield(L, G, "xpcall");
    lua_pushcfunction(L, sb_rawset);
    lua_setfield(L, G, "rawset");
    lua_pushcfunction(L, sb_collectgarbage);
    lua_setfield(L, G, "collectgarbage");
    lua_pushvalue(L, G);
    lua_setfield(L, G, LUA_GNAME);

    open_library(L, LUA_STRLIBNAME, luaopen_string);
    comity_bound_string(L, -1);
    static const char *const string_names[] = {
        "byte", "char", "format", "len", "lower", "pack", "packsize", "rep", "reverse", "sub",
        "unpack", "upper", NULL,
    };
    static const struct wrap string_wrapped[] = {
        {"format", comity_lib_format}, {"pack", comity_lib_pack}, {"packsize", comity_lib_pack},
        {"unpack", comity_lib_pack}, {NULL, NULL},
    };
    copy_fields(L, -1, string_names, string_wrapped);
    static const luaL_Reg patterns[] = {
        {"find", comity_string_find},
        {"match", comity_string_match},
        {"gmatch", comity_string_gmatch},
        {"gsub", comity_string_gsub},
        {NULL, NULL},
    };
    luaL_setfuncs(L, patterns, 0);
    // Strings index the copy, never the table with `dump`.
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    make_readonly(L, LUA_STRLIBNAME);
    lua_setfield(L, G, LUA_STRLIBNAME);
    lua_pop(L, 1);

    open_library(L, LUA_TABLIBNAME, luaopen_table);
    comity_bound_table(L, -1);
    static const char *const table_names[] = {"concat", "insert", "pack", "unpack", "remove", "sort", NULL};
    static const struct wrap table_wrapped[] = {{"move", sb_table_move}, {NULL, NULL}};
    copy_fields(L, -1, table_names, table_wrapped);
    make_readonly(L, LUA_TABLIBNAME);
    lua_setfield(L, G, LUA_TABLIBNAME);
    lua_pop(L, 1);

    open_library(L, LUA_MATHLIBNAME, luaopen_math);
    static const char *const math_names[] = {
        "abs", "ceil", "cos", "deg", "exp", "tointeger", "floor", "fmod", "ult", "log", "max",
        "min", "modf", "rad", "sin", "sqrt", "tan", "type", "atan", "asin", "acos", "random",
        "randomseed", "pi", "huge", "maxinteger", "mininteger", NULL,
    };
    copy_fields(L, -1, math_names, NULL);
    // Lua seeds from the clock's second and the state's address, which repeat from
    // one run to the next; each run gets its own seed instead.
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, seeds->first);
    lua_pushinteger(L, seeds->second);
    lua_call(L, 2, 0);
    make_readonly(L, LUA_MATHLIBNAME);
    lua_setfield(L, G, LUA_MATHLIBNAME);
    lua_pop(L, 1);

    open_library(L, LUA_UTF8LIBNAME, luaopen_utf8);
    static const char *const utf8_names[] = {"offset", "codepoint", "char", "len", "codes", "charpattern", NULL};
    copy_fields(L, -1, utf8_names, NULL);
    make_readonly(L, LUA_UTF8LIBNAME);
    lua_setfield(L, G, LUA_UTF8LIBNAME);
    lua_pop(L, 1);

    open_library(L, LUA_COLIBNAME, luaopen_coroutine);
    static const char *const co_names[] = {"create", "isyieldable", "running", "status", "yield", NULL};
    static const struct wrap co_wrapped[] = {{"close", sb_close}, {NULL, NULL}};
    copy_fields(L, -1, co_names, co_wrapped);
    lua_pushcfunction(L, sb_resume);
    lua_setfield(L, -2, "resume");
    lua_pushcfunction(L, sb_wrap);
    lua_setfield(L, -2, "wrap");
    make_readonly(L, LUA_COLIBNAME);
    lua_setfield(L, G, LUA_COLIBNAME);
    lua_pop(L, 1);

    open_library(L, LUA_OSLIBNAME, luaopen_os);
    static const char *const os_names[] = {"time", "date", "clock", "difftime", NULL};
    static const struct wrap os_wrapped[] = {{"date", comity_lib_date}, {NULL, NULL}};
    copy_fields(L, -1, os_names, os_wrapped);
    make_readonly(L, LUA_OSLIBNAME);
    lua_setfield(L, G, LUA_OSLIBNAME);
    lua_pop(L, 1);

    // From now on every chunk loaded into this state sees the sandbox as _ENV.
    lua_pushvalue(L, G);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    return 0;
}

int comity_open_sandbox(lua_State *L, lua_Integer seed1, lua_Integer seed2) {
    if (!lua_checkstack(L, 4)) return LUA_ERRMEM;
    struct seeds seeds = {seed1, seed2};
    lua_pushcfunction(L, p_open_sandbox);
    lua_pushlightuserdata(L, &seeds);
    int status = lua_pcall(L, 1, 0, 0);
    if (status != LUA_OK) {
        size_t len = 0;
        const char *text = comity_tolstring_raw(L, -1, &len);
        comity_set_error(L, text ? text : "cannot open the sandbox", text ? len : 23);
        lua_pop(L, 1);
    }
    return status;
}

// MARK: - Read-only globals the host installs (the API's namespaces)

static int p_readonly_global(lua_State *L) {
    const char *name = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushstring(L, name);
    lua_rawget(L, -2);
    if (!lua_istable(L, -1)) return 0;
    make_readonly(L, name);
    lua_pushstring(L, name);
    lua_insert(L, -2);
    lua_rawset(L, -3);
    return 0;
}

int comity_readonly_global(lua_State *L, const char *name) {
    if (!lua_checkstack(L, 8)) return LUA_ERRMEM;
    lua_pushcfunction(L, p_readonly_global);
    lua_pushlightuserdata(L, (void *)name);
    int status = lua_pcall(L, 1, 0, 0);
    if (status != LUA_OK) {
        size_t len = 0;
        const char *text = comity_tolstring_raw(L, -1, &len);
        comity_set_error(L, text ? text : "cannot protect a global table", text ? len : 29);
        lua_pop(L, 1);
    }
    return status;
}

// MARK: - Environments of their own (plugins)

// Stack inside: args (the name), table.
static int p_readonly(lua_State *L) {
    lua_pushvalue(L, 2);
    make_readonly(L, lua_touserdata(L, 1));
    return 1;
}

int comity_p_readonly(lua_State *L, const char *name) {
    return comity_run_protected(L, p_readonly, (void *)name, 1, 1);
}

// Stack inside: args, table.
static int p_copy_table(lua_State *L) {
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, 3);
    }
    return 1;
}

int comity_p_copy_table(lua_State *L) { return comity_run_protected(L, p_copy_table, NULL, 1, 1); }

// load(chunk [, chunkname [, mode [, env]]]) whose env, when not given, is upvalue 2
// instead of the state's globals, and whose chunk name starts with upvalue 3
// (`@Plugins/NAME/`): code loaded by a plugin runs as that plugin, and says so, so it
// cannot pass for another's.
static int load_in_environment(lua_State *L) {
    int n = lua_gettop(L);
    if (n < 4) {
        lua_settop(L, 3);
        lua_pushvalue(L, lua_upvalueindex(2));
        n = 4;
    }
    lua_pushvalue(L, lua_upvalueindex(3));
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
    } else {
        lua_pushliteral(L, "(load)");
    }
    lua_concat(L, 2);
    lua_replace(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

// Stack inside: args (the chunk name prefix), load, env.
static int p_push_load_closure(lua_State *L) {
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_pushstring(L, lua_touserdata(L, 1));
    lua_pushcclosure(L, load_in_environment, 3);
    return 1;
}

int comity_p_push_load_in_environment(lua_State *L, const char *prefix) {
    return comity_run_protected(L, p_push_load_closure, (void *)prefix, 2, 1);
}

// MARK: - Coroutines of one's own (plugins)

// Upvalues: 1 the library's create, 2 the weak set of coroutines made here.
static int owned_create(lua_State *L) {
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 1);
    lua_pushvalue(L, -1);
    lua_pushboolean(L, 1);
    lua_rawset(L, lua_upvalueindex(2));
    return 1;
}

// Upvalues: 1 the library's resume or close, 2 the weak set, 3 the function's name.
// A coroutine someone else made (the workspace's, caught with coroutine.running())
// would run their code whenever this code chose: refused.
static int owned_only(lua_State *L) {
    lua_pushvalue(L, 1);
    if (lua_type(L, 1) != LUA_TTHREAD || lua_rawget(L, lua_upvalueindex(2)) == LUA_TNIL) {
        return luaL_error(L, "%s: a plugin may resume or close only the coroutines it created",
                          lua_tostring(L, lua_upvalueindex(3)));
    }
    lua_pop(L, 1);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

// Stack inside: args, the shared coroutine library (a read-only proxy).
static int p_owned_coroutines(lua_State *L) {
    int library = 2;
    lua_newtable(L); // the weak set
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    int owned = lua_gettop(L);
    lua_newtable(L);
    int result = lua_gettop(L);
    static const char *const shared[] = {"isyieldable", "running", "status", "yield", "wrap", NULL};
    for (const char *const *name = shared; *name; name++) {
        lua_getfield(L, library, *name);
        lua_setfield(L, result, *name);
    }
    lua_getfield(L, library, "create");
    lua_pushvalue(L, owned);
    lua_pushcclosure(L, owned_create, 2);
    lua_setfield(L, result, "create");
    static const char *const guarded[] = {"resume", "close", NULL};
    for (const char *const *name = guarded; *name; name++) {
        lua_getfield(L, library, *name);
        lua_pushvalue(L, owned);
        lua_pushfstring(L, "coroutine.%s", *name);
        lua_pushcclosure(L, owned_only, 3);
        lua_setfield(L, result, *name);
    }
    return 1;
}

int comity_p_owned_coroutines(lua_State *L) { return comity_run_protected(L, p_owned_coroutines, NULL, 1, 1); }

// MARK: - Namespaces that serve their owner's code only

// Whether the nearest Lua function calling the running C function is code of `owner`:
// chunks named `Plugins/NAME/...` are plugin NAME's ("Plugins/NAME/" as owner), all
// others the workspace's ("" as owner). No Lua caller on this thread: not the owner's.
static int called_by_owner(lua_State *L, const char *owner) {
    char source[512];
    if (comity_caller_source(L, source, sizeof source) != 1) return 0;
    const char *chunk = (source[0] == '@' || source[0] == '=') ? source + 1 : source;
    int plugin = strncmp(chunk, "Plugins/", 8) == 0 && strchr(chunk + 8, '/') != NULL && chunk[8] != '/';
    if (owner[0] == '\0') return !plugin;
    return plugin && strncmp(chunk, owner, strlen(owner)) == 0;
}

static int refuse_foreign(lua_State *L) {
    const char *name = lua_tostring(L, lua_upvalueindex(3));
    const char *owner = lua_tostring(L, lua_upvalueindex(2));
    if (owner == NULL || owner[0] == '\0') {
        return luaL_error(L, "'%s' here belongs to the workspace's scripts, and serves only their code", name ? name : "?");
    }
    // "Plugins/NAME/": the plugin's name without the slash (lua_pushfstring has no %.*s).
    char plugin[256];
    snprintf(plugin, sizeof plugin, "%s", owner + 8);
    size_t length = strlen(plugin);
    if (length > 0 && plugin[length - 1] == '/') plugin[length - 1] = '\0';
    return luaL_error(L, "'%s' here belongs to plugin '%s' (its own values), and serves only its code",
                      name ? name : "?", plugin);
}

// Upvalues: 1 the real table, 2 the owner, 3 the name.
static int guarded_index(lua_State *L) {
    if (!called_by_owner(L, lua_tostring(L, lua_upvalueindex(2)))) return refuse_foreign(L);
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    // A missing name goes to the real table's own __index (an API namespace says
    // which function it has not), as it does through a read-only proxy.
    if (luaL_getmetafield(L, lua_upvalueindex(1), "__index") != LUA_TFUNCTION) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 2);
    return comity_call_at_caller(L, 2);
}

// Upvalues as guarded_index's. An owner's write goes to the real table.
static int guarded_newindex(lua_State *L) {
    if (!called_by_owner(L, lua_tostring(L, lua_upvalueindex(2)))) return refuse_foreign(L);
    lua_settop(L, 3);
    lua_rawset(L, lua_upvalueindex(1));
    return 0;
}

// The iterator `pairs` gives checks its caller too: handed to other code, it walks
// nothing for it.
static int guarded_next(lua_State *L) {
    if (!called_by_owner(L, lua_tostring(L, lua_upvalueindex(2)))) return refuse_foreign(L);
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1))) return 2;
    lua_pushnil(L);
    return 1;
}

static int guarded_pairs(lua_State *L) {
    if (!called_by_owner(L, lua_tostring(L, lua_upvalueindex(2)))) return refuse_foreign(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushvalue(L, lua_upvalueindex(3));
    lua_pushcclosure(L, guarded_next, 3);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

struct guarded_args {
    const char *name, *owner;
    int writable;
};

// Stack inside: args, real table.
static int p_guarded_readonly(lua_State *L) {
    struct guarded_args *a = lua_touserdata(L, 1);
    lua_newtable(L); // proxy
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, 2);
    lua_pushstring(L, a->owner);
    lua_pushstring(L, a->name);
    lua_pushcclosure(L, guarded_index, 3);
    lua_setfield(L, -2, "__index");
    if (a->writable) {
        lua_pushvalue(L, 2);
        lua_pushstring(L, a->owner);
        lua_pushstring(L, a->name);
        lua_pushcclosure(L, guarded_newindex, 3);
    } else {
        lua_pushstring(L, a->name);
        lua_pushcclosure(L, readonly_newindex, 1);
    }
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, 2);
    lua_pushstring(L, a->owner);
    lua_pushstring(L, a->name);
    lua_pushcclosure(L, guarded_pairs, 3);
    lua_setfield(L, -2, "__pairs");
    lua_pushstring(L, a->name);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    mark_protected(L);
    return 1;
}

int comity_p_guarded_readonly(lua_State *L, const char *name, const char *owner) {
    struct guarded_args a = {name, owner, 0};
    return comity_run_protected(L, p_guarded_readonly, &a, 1, 1);
}

int comity_p_guarded_view(lua_State *L, const char *name, const char *owner) {
    struct guarded_args a = {name, owner, 1};
    return comity_run_protected(L, p_guarded_readonly, &a, 1, 1);
}
