// Private to CLuaShim: bounded replacements for the standard library functions whose
// single C call could otherwise run for minutes with no hook seeing it.
#ifndef COMITY_LIBRARY_H
#define COMITY_LIBRARY_H

#include <lua.h>

/// Counts `units` of work done inside one C call against the instruction budget and
/// raises the run's limit if one has been hit (deadline, memory, output, cancel).
void comity_tick(lua_State *L, long long units);

/// Replaces fields of the standard library tables, in place, with versions that are
/// bounded by the run's limits. Called on the original tables (those in
/// package.loaded) before the sandbox copies them, so error messages still name
/// them `table.concat` and so on.
void comity_bound_base(lua_State *L, int base);
void comity_bound_string(lua_State *L, int string);
void comity_bound_table(lua_State *L, int table);

/// string.format and os.date for the sandbox's copies of `string` and `os`, each
/// wrapping the original (upvalue 1), which keeps its place in package.loaded so
/// that its own argument errors still name it.
int comity_lib_format(lua_State *L);
int comity_lib_pack(lua_State *L);
int comity_lib_date(lua_State *L);

/// luaL_loadbufferx in small pieces, checking the run's limits between pieces: the
/// parser is one C call, and some sources take it quadratic time (many labels).
int comity_load_checked(lua_State *L, const char *chunk, size_t len, const char *chunkname, const char *mode);

#endif
