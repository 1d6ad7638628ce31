// Private to CLuaShim: the sandbox's interruptible pattern functions.
#ifndef COMITY_PATTERN_H
#define COMITY_PATTERN_H

#include <lua.h>

int comity_string_find(lua_State *L);
int comity_string_match(lua_State *L);
int comity_string_gmatch(lua_State *L);
int comity_string_gsub(lua_State *L);

#endif
