// Bounded versions of the standard library functions whose one C call could run for
// minutes: a hook sees only Lua instructions, so a loop inside a C function (over a
// `__len` of math.maxinteger, through C metamethods, or over an empty string) would
// outlive every limit. Each loop here counts its work and looks at the run's limits
// as it goes; the README's Limits section lists every function and what bounds it.
#include "comity_host.h"
#include "comity_library.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

// The largest string Lua's string library makes (lstrlib.c's MAXSIZE on 64-bit).
#define STRING_MAX ((size_t)INT_MAX)
// Source pieces the parser is fed, between which the limits are checked.
#define LOAD_PIECE 1024

// The first frame up the stack that is a script's, so that a limit raised inside
// table.sort's order function still names the script's line.
static int script_level(lua_State *L) {
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "l", &ar) && ar.currentline > 0) return level;
    }
    return 1;
}

void comity_tick(lua_State *L, long long units) {
    comity_host *h = HOST(L);
    if (h->instr_limit > 0 && atomic_load(&h->limit_hit) == COMITY_LIMIT_NONE) {
        h->instr_used += units;
        if (h->instr_used >= h->instr_limit) comity_host_trip(h, COMITY_LIMIT_INSTRUCTIONS);
    }
    int kind = atomic_load(&h->limit_hit);
    if (kind != COMITY_LIMIT_NONE) comity_raise_limit(L, kind, script_level(L));
}

// MARK: - Bytes the host holds

int comity_host_charge(lua_State *L, size_t bytes) {
    comity_host *h = HOST(L);
    if (h->limit != 0 && (h->used + bytes > h->limit || h->used + bytes < h->used)) {
        comity_host_trip(h, COMITY_LIMIT_MEMORY);
        return 0;
    }
    h->used += bytes;
    if (h->used > h->peak) h->peak = h->used;
    return 1;
}

void comity_host_release(lua_State *L, size_t bytes) {
    comity_host *h = HOST(L);
    h->used = bytes < h->used ? h->used - bytes : 0;
}

// MARK: - string.rep

// Lua's own rep passes its size check for an empty result and then loops n times;
// this one returns "" at once, and fills the result by doubling (log n copies).
static int lib_rep(lua_State *L) {
    size_t len, seplen;
    const char *s = luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &seplen);
    if (n <= 0 || len + seplen == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    size_t unit = len + seplen;
    if (unit < len || unit > STRING_MAX / (lua_Unsigned)n) return luaL_error(L, "resulting string too large");
    size_t total = (size_t)n * unit - seplen;
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, total); // the memory cap refuses what is too large
    size_t first = unit < total ? unit : total;
    memcpy(out, s, len < first ? len : first);
    if (first > len) memcpy(out + len, sep, first - len);
    // The result repeats with period `unit`: copying its filled prefix keeps it so.
    for (size_t filled = first; filled < total;) {
        size_t chunk = filled < total - filled ? filled : total - filled;
        memcpy(out + filled, out, chunk);
        filled += chunk;
    }
    luaL_pushresultsize(&b, total);
    return 1;
}

// MARK: - string.pack, packsize, unpack

// Their formats are read an option at a time at about 12 ms a megabyte, in one call:
// a format over this size is refused (no real format comes near it).
#define PACK_FORMAT_CAP ((size_t)1 << 20)

// Upvalue 1: Lua's pack, packsize or unpack.
int comity_lib_pack(lua_State *L) {
    size_t len;
    luaL_checklstring(L, 1, &len);
    if (len > PACK_FORMAT_CAP) {
        return luaL_error(L, "a format of %I bytes is over the sandbox's cap of 1 MB for string.pack, packsize "
                             "and unpack (each option is read in one call that cannot be stopped)",
                          (LUAI_UACINT)len);
    }
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

// MARK: - string.format

// %q of a string, as Lua writes it, paid for every QUOTE_PIECE bytes: Lua's own
// quoting costs a sprintf per control byte, seconds for a string of 15 MB.
#define QUOTE_PIECE 65536

static void add_quoted(lua_State *L, luaL_Buffer *b, const char *s, size_t len) {
    luaL_addchar(b, '"');
    for (size_t i = 0; i < len; i++) {
        if (i % QUOTE_PIECE == 0) comity_tick(L, QUOTE_PIECE / 16);
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c == '\n') {
            luaL_addchar(b, '\\');
            luaL_addchar(b, (char)c);
        } else if (iscntrl(c)) {
            // Three digits when a digit follows, so that it is not read as part of it.
            int digit_follows = i + 1 < len && isdigit((unsigned char)s[i + 1]);
            char escape[8];
            int n = snprintf(escape, sizeof escape, digit_follows ? "\\%03d" : "\\%d", c);
            luaL_addlstring(b, escape, (size_t)n);
        } else {
            luaL_addchar(b, (char)c);
        }
    }
    luaL_addchar(b, '"');
}

// The next conversion of a format from `*at`: the index of its conversion letter, and
// whether it is a bare `%q`; -1 at the end. `%%` is skipped.
static long next_conversion(const char *f, size_t len, size_t *at, int *bare_q) {
    for (size_t i = *at; i < len; i++) {
        if (f[i] != '%') continue;
        if (i + 1 < len && f[i + 1] == '%') {
            i++;
            continue;
        }
        size_t spec = i + 1;
        while (spec < len && strchr("-+ #0123456789.", f[spec]) != NULL) spec++;
        *bare_q = spec == i + 1 && spec < len && f[spec] == 'q';
        *at = spec + 1;
        return (long)spec;
    }
    *at = len;
    return -1;
}

static int long_string(lua_State *L, int arg) {
    return lua_type(L, arg) == LUA_TSTRING && lua_rawlen(L, arg) > QUOTE_PIECE;
}

// string.format with every bare `%q` of a long string quoted here, paid for as it
// goes, and handed to Lua's format as `%s` of the quoted text (which it appends as it
// is). The rest is Lua's format's own, checks and messages too. Upvalue 1: Lua's.
int comity_lib_format(lua_State *L) {
    size_t len;
    const char *f = luaL_checklstring(L, 1, &len);
    int n = lua_gettop(L);
    int any = 0, arg = 1, bare_q;
    for (size_t at = 0; next_conversion(f, len, &at, &bare_q) >= 0;) {
        arg++;
        if (bare_q && long_string(L, arg)) any = 1;
    }
    if (any) {
        char *quoted = lua_newuserdatauv(L, (size_t)n + 1, 0); // which arguments were quoted here
        memset(quoted, 0, (size_t)n + 1);
        arg = 1;
        for (size_t at = 0; next_conversion(f, len, &at, &bare_q) >= 0;) {
            arg++;
            if (!bare_q || arg > n || !long_string(L, arg)) continue;
            size_t slen;
            const char *text = lua_tolstring(L, arg, &slen);
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            add_quoted(L, &b, text, slen);
            luaL_pushresult(&b);
            lua_replace(L, arg);
            quoted[arg] = 1;
        }
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        arg = 1;
        size_t copied = 0;
        for (size_t at = 0;;) {
            long letter = next_conversion(f, len, &at, &bare_q);
            if (letter < 0) break;
            arg++;
            if (arg <= n && quoted[arg]) {
                luaL_addlstring(&b, f + copied, (size_t)letter - copied);
                luaL_addchar(&b, 's');
                copied = (size_t)letter + 1;
            }
        }
        luaL_addlstring(&b, f + copied, len - copied);
        luaL_pushresult(&b);
        lua_replace(L, 1);
        lua_settop(L, n); // drops the userdata
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 1);
    return 1;
}

// MARK: - os.date

// Formats longer than this are given to Lua's os.date in pieces, between which the
// limits are checked: each conversion is a strftime call (a 2 MB format took 1.3 s).
#define DATE_PIECE 4096

// Upvalue 1: Lua's os.date.
int comity_lib_date(lua_State *L) {
    size_t len;
    const char *f = luaL_optlstring(L, 1, "%c", &len);
    size_t utc = len > 0 && f[0] == '!';
    int call_whole = len <= DATE_PIECE || (len >= utc + 2 && f[utc] == '*' && f[utc + 1] == 't');
    if (call_whole) {
        int n = lua_gettop(L);
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_insert(L, 1);
        lua_call(L, n, 1);
        return 1;
    }
    // Every piece is read at one moment: the time given, else now.
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        lua_pushinteger(L, (lua_Integer)time(NULL));
    }
    lua_settop(L, 2);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t start = utc; start < len;) {
        size_t end = start + DATE_PIECE < len ? start + DATE_PIECE : len;
        // Never cut a conversion (%c, %Ec, %Oy) in two: stop before its '%'.
        for (size_t back = end; end < len && back > start && back + 3 > end; back--) {
            if (f[back - 1] == '%') {
                size_t run = 0; // an even run of '%' before is made of "%%" pairs
                while (back - 1 - run > start && f[back - 2 - run] == '%') run++;
                if (run % 2 == 0) end = back - 1;
                break;
            }
        }
        if (end == start) end = start + 3 < len ? start + 3 : len;
        comity_tick(L, (long long)(end - start));
        lua_pushvalue(L, lua_upvalueindex(1));
        if (utc) lua_pushliteral(L, "!");
        lua_pushlstring(L, f + start, end - start);
        if (utc) lua_concat(L, 2);
        lua_pushvalue(L, 2);
        lua_call(L, 2, 1);
        luaL_addvalue(&b);
        start = end;
    }
    luaL_pushresult(&b);
    return 1;
}

// MARK: - table

#define TAB_R 1
#define TAB_W 2
#define TAB_L 4

// Whether the metatable `depth` slots down has field `name` (its value is left pushed).
static int has_metafield(lua_State *L, const char *name, int depth) {
    lua_pushstring(L, name);
    return lua_rawget(L, -depth) != LUA_TNIL;
}

// A table, or a value whose metatable gives the access `what` needs (as ltablib.c).
static void check_table(lua_State *L, int arg, int what) {
    if (lua_type(L, arg) == LUA_TTABLE) return;
    int pushed = 1;
    if (lua_getmetatable(L, arg) && (!(what & TAB_R) || has_metafield(L, "__index", ++pushed)) &&
        (!(what & TAB_W) || has_metafield(L, "__newindex", ++pushed)) &&
        (!(what & TAB_L) || has_metafield(L, "__len", ++pushed))) {
        lua_pop(L, pushed);
        return;
    }
    luaL_checktype(L, arg, LUA_TTABLE); // raises the usual message
}

static lua_Integer length_of(lua_State *L, int arg, int what) {
    check_table(L, arg, what | TAB_L);
    return luaL_len(L, arg);
}

// One element moved, read or written: a unit of work. Every element goes through
// lua_geti/lua_seti, which may call a C metamethod that runs no instruction at all.
static inline void element(lua_State *L) { comity_tick(L, 1); }

static int lib_concat(lua_State *L) {
    lua_Integer last = length_of(L, 1, TAB_R);
    size_t seplen;
    const char *sep = luaL_optlstring(L, 2, "", &seplen);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (; i <= last; i++) {
        element(L);
        lua_geti(L, 1, i);
        if (!lua_isstring(L, -1)) {
            return luaL_error(L, "invalid value (%s) at index %I in table for 'concat'", luaL_typename(L, -1),
                              (LUAI_UACINT)i);
        }
        luaL_addvalue(&b);
        if (i == last) break; // i + 1 could overflow
        luaL_addlstring(&b, sep, seplen);
    }
    luaL_pushresult(&b);
    return 1;
}

static int lib_insert(lua_State *L) {
    lua_Integer end = luaL_intop(+, length_of(L, 1, TAB_R | TAB_W), 1); // the first free slot
    lua_Integer pos;
    switch (lua_gettop(L)) {
    case 2:
        pos = end;
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)end, 2, "position out of bounds");
        for (lua_Integer i = end; i > pos; i--) { // shift up
            element(L);
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int lib_remove(lua_State *L) {
    lua_Integer size = length_of(L, 1, TAB_R | TAB_W);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size) luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 1, "position out of bounds");
    lua_geti(L, 1, pos);
    for (; pos < size; pos++) { // shift down
        element(L);
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

static int lib_unpack(lua_State *L) {
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer last = lua_isnoneornil(L, 3) ? luaL_len(L, 1) : luaL_checkinteger(L, 3);
    if (i > last) return 0;
    lua_Unsigned count = (lua_Unsigned)last - (lua_Unsigned)i; // one less than the count
    if (count >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)++count)) {
        return luaL_error(L, "too many results to unpack");
    }
    for (; i < last; i++) {
        element(L);
        lua_geti(L, 1, i);
    }
    lua_geti(L, 1, last);
    return (int)count;
}

static int lib_move(lua_State *L) {
    lua_Integer from = luaL_checkinteger(L, 2);
    lua_Integer last = luaL_checkinteger(L, 3);
    lua_Integer to = luaL_checkinteger(L, 4);
    int target = lua_isnoneornil(L, 5) ? 1 : 5;
    check_table(L, 1, TAB_R);
    check_table(L, target, TAB_W);
    if (last >= from) {
        luaL_argcheck(L, from > 0 || last < LUA_MAXINTEGER + from, 3, "too many elements to move");
        lua_Integer n = last - from + 1; // at most 2^24: the sandbox's wrapper caps it
        luaL_argcheck(L, to <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        // Overlapping ranges of one table are copied from the end.
        int backwards = !(to > last || to <= from || (target != 1 && !lua_compare(L, 1, target, LUA_OPEQ)));
        for (lua_Integer k = 0; k < n; k++) {
            lua_Integer i = backwards ? n - 1 - k : k;
            element(L);
            lua_geti(L, 1, from + i);
            lua_seti(L, target, to + i);
        }
    }
    lua_pushvalue(L, target);
    return 1;
}

// table.sort's comparisons, counted: Lua's sort is one C call whose elements may come
// from C metamethods, so its work is checked at every comparison. Upvalue 1 is the
// script's order function, or nil for `<`.
static int counted_order(lua_State *L) {
    element(L);
    if (lua_isnil(L, lua_upvalueindex(1))) {
        lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_settop(L, 3);
    lua_call(L, 2, 1);
    return 1;
}

// A plain table this short is sorted by Lua's sort as it is, at full speed: at most a
// million comparisons or so, a fraction of a second.
#define SORT_UNCOUNTED 65536

// Upvalue 1: Lua's table.sort.
static int lib_sort(lua_State *L) {
    // Lua's sort checks these too, but its errors would not know its name any more.
    lua_Integer n = length_of(L, 1, TAB_R | TAB_W);
    luaL_argcheck(L, n < INT_MAX, 1, "array too big");
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    int plain = 0; // no metamethod of the table's can be called
    if (lua_type(L, 1) == LUA_TTABLE) {
        if (lua_getmetatable(L, 1)) lua_pop(L, 1);
        else plain = 1;
    }
    if (!plain || n > SORT_UNCOUNTED) lua_pushcclosure(L, counted_order, 1); // the order function (or nil) as its upvalue
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 0);
    return 0;
}

// MARK: - load

// A chunk fed to the parser in pieces of LOAD_PIECE bytes: upvalue 1 is the text being
// cut (a string chunk, or what the script's reader function returned last), 2 the
// offset in it, 3 the script's reader function (nil for a string chunk).
static int next_piece(lua_State *L) {
    element(L);
    size_t len;
    const char *source = lua_tolstring(L, lua_upvalueindex(1), &len);
    size_t at = (size_t)lua_tointeger(L, lua_upvalueindex(2));
    while (source == NULL || at >= len) {
        if (lua_isnil(L, lua_upvalueindex(3))) return 0;
        lua_pushvalue(L, lua_upvalueindex(3));
        lua_call(L, 0, 1);
        if (lua_isnil(L, -1)) return 0;
        if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "reader function must return a string");
        source = lua_tolstring(L, -1, &len);
        if (len == 0) return 0; // as Lua's load: an empty piece ends the chunk
        lua_replace(L, lua_upvalueindex(1));
        source = lua_tolstring(L, lua_upvalueindex(1), &len);
        at = 0;
    }
    size_t n = len - at < LOAD_PIECE ? len - at : LOAD_PIECE;
    lua_pushinteger(L, (lua_Integer)(at + n));
    lua_replace(L, lua_upvalueindex(2));
    lua_pushlstring(L, source + at, n);
    return 1;
}

// load(chunk, chunkname, mode, env) with the chunk read through next_piece, whether
// it is a string or a reader function; upvalue 1: Lua's load.
static int lib_load(lua_State *L) {
    int kind = lua_type(L, 1);
    if (kind != LUA_TSTRING) luaL_checktype(L, 1, LUA_TFUNCTION);
    luaL_optstring(L, 2, NULL);
    {
        if (lua_gettop(L) < 2) lua_settop(L, 2);
        if (kind == LUA_TSTRING && lua_isnil(L, 2)) { // a string chunk is named by its text, as in Lua
            lua_pushvalue(L, 1);
            lua_replace(L, 2);
        } else if (lua_isnil(L, 2)) {
            lua_pushliteral(L, "=(load)");
            lua_replace(L, 2);
        }
        if (kind == LUA_TSTRING) {
            lua_pushvalue(L, 1);
            lua_pushinteger(L, 0);
            lua_pushnil(L);
        } else {
            lua_pushnil(L);
            lua_pushinteger(L, 0);
            lua_pushvalue(L, 1);
        }
        lua_pushcclosure(L, next_piece, 3);
        lua_replace(L, 1);
    }
    // A text chunk and its name are kept below the call: a nesting too deep for the
    // parser is said with no line, which is found again from them.
    int base = 0;
    if (kind == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        lua_insert(L, 1);
        lua_getupvalue(L, 2, 1); // next_piece's text
        lua_insert(L, 1);
        base = 2;
    }
    int n = lua_gettop(L) - base;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, base + 1);
    lua_call(L, n, LUA_MULTRET);
    comity_tick(L, 0); // a limit hit while parsing is raised, not returned as nil, message
    if (base && lua_gettop(L) >= base + 2 && lua_isnil(L, base + 1) && lua_type(L, base + 2) == LUA_TSTRING
        && strcmp(lua_tostring(L, base + 2), COMITY_PARSER_DEPTH_MESSAGE) == 0) {
        size_t len;
        const char *text = lua_tolstring(L, 1, &len);
        int line = comity_parser_depth_line(L, text, len, lua_tostring(L, 2));
        comity_tick(L, 0);
        // The chunk's name as Lua shows it, from an error Lua places at that line.
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int i = 1; i < line; i++) luaL_addchar(&b, '\n');
        luaL_addchar(&b, '?');
        luaL_pushresult(&b);
        size_t probe_len;
        const char *probe = lua_tolstring(L, -1, &probe_len);
        if (comity_load_checked(L, probe, probe_len, lua_tostring(L, 2), "t") != LUA_OK && lua_type(L, -1) == LUA_TSTRING) {
            const char *shown = lua_tostring(L, -1);
            char mark[32];
            snprintf(mark, sizeof mark, ":%d:", line);
            const char *at = strstr(shown, mark);
            lua_pushlstring(L, shown, at ? (size_t)(at - shown) : strlen(shown));
            lua_pushfstring(L, "%s:%d: " COMITY_PARSER_DEPTH_TEXT, lua_tostring(L, -1), line);
            lua_replace(L, base + 2);
            lua_pop(L, 2);
        } else {
            lua_pop(L, 1);
        }
        lua_pop(L, 1); // the probe
    }
    for (int i = 0; i < base; i++) lua_remove(L, 1);
    return lua_gettop(L);
}

struct pieces {
    const char *chunk;
    size_t len, at;
};

static const char *read_piece(lua_State *L, void *data, size_t *size) {
    struct pieces *p = data;
    int kind = atomic_load(&HOST(L)->limit_hit);
    if (kind != COMITY_LIMIT_NONE) comity_raise_limit(L, kind, 0); // caught by the parser's protection
    if (p->at >= p->len) {
        *size = 0;
        return NULL;
    }
    size_t n = p->len - p->at < LOAD_PIECE ? p->len - p->at : LOAD_PIECE;
    const char *piece = p->chunk + p->at;
    p->at += n;
    *size = n;
    return piece;
}

int comity_load_checked(lua_State *L, const char *chunk, size_t len, const char *chunkname, const char *mode) {
    struct pieces p = {chunk, len, 0};
    return lua_load(L, read_piece, &p, chunkname, mode);
}

// The line where the parser runs out of levels: the first whose prefix of the text (to
// its end) already overflows, found by compiling prefixes. The parser reads tokens in
// order, so a prefix overflows exactly when it holds that point.
int comity_parser_depth_line(lua_State *L, const char *text, size_t len, const char *chunkname) {
    int lines = 1;
    for (size_t i = 0; i + 1 < len; i++) if (text[i] == '\n') lines++;
    int low = 1, high = lines;
    while (low < high) {
        int middle = low + (high - low) / 2;
        size_t end = 0;
        int seen = 1;
        while (end < len && !(seen == middle && text[end] == '\n')) { if (text[end] == '\n') seen++; end++; }
        if (end < len) end++; // the line's newline
        int status = comity_load_checked(L, text, end, chunkname, "t");
        int overflows = status != LUA_OK && lua_type(L, -1) == LUA_TSTRING
            && strcmp(lua_tostring(L, -1), COMITY_PARSER_DEPTH_MESSAGE) == 0;
        lua_pop(L, 1);
        if (overflows) high = middle; else low = middle + 1;
    }
    return low;
}

// MARK: - Installing

static void replace(lua_State *L, int lib, const char *name, lua_CFunction fn, int wraps_original) {
    lib = lua_absindex(L, lib);
    if (wraps_original) {
        lua_getfield(L, lib, name);
        lua_pushcclosure(L, fn, 1);
    } else {
        lua_pushcfunction(L, fn);
    }
    lua_setfield(L, lib, name);
}

void comity_bound_base(lua_State *L, int base) { replace(L, base, "load", lib_load, 1); }

void comity_bound_string(lua_State *L, int string) { replace(L, string, "rep", lib_rep, 0); }

void comity_bound_table(lua_State *L, int table) {
    replace(L, table, "concat", lib_concat, 0);
    replace(L, table, "insert", lib_insert, 0);
    replace(L, table, "remove", lib_remove, 0);
    replace(L, table, "unpack", lib_unpack, 0);
    replace(L, table, "move", lib_move, 0);
    replace(L, table, "sort", lib_sort, 1);
}
