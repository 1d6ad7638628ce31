// Lua 5.4 from the system (Debian's liblua5.4-dev); pkg-config adds -I/usr/include/lua5.4.
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>
