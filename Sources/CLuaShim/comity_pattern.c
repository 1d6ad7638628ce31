// Lua patterns (manual §6.4.1) for the sandbox's string.find, match, gmatch and
// gsub, written so that a long match can be stopped: every few thousand steps the
// matcher looks at the run's limits. Lua's own matcher is one C call that no hook
// can interrupt, so `("a"):rep(1e5):find(".-.-.-b")` would outlive any time limit.
#include "comity_host.h"
#include "comity_pattern.h"

#include <ctype.h>
#include <string.h>

#define MAX_CAPTURES 32
#define MAX_DEPTH 200
#define CHECK_EVERY 4096
#define BYTES_PER_UNIT 16
#define COMPARE_BLOCK 65536
#define CAPTURE_OPEN (-1)
#define CAPTURE_POSITION (-2)
#define ESCAPE '%'

typedef struct {
    lua_State *L;
    const char *subject, *subject_end;
    const char *pattern_end;
    int depth;
    int steps;
    int level;
    struct {
        const char *start;
        ptrdiff_t length;
    } captures[MAX_CAPTURES];
} Matcher;

static void charge(Matcher *m, long long units) {
    comity_host *h = HOST(m->L);
    if (h->instr_limit > 0 && atomic_load(&h->limit_hit) == COMITY_LIMIT_NONE) {
        h->instr_used += units;
        if (h->instr_used >= h->instr_limit) comity_host_trip(h, COMITY_LIMIT_INSTRUCTIONS);
    }
    int kind = atomic_load(&h->limit_hit);
    if (kind != COMITY_LIMIT_NONE) comity_raise_limit(m->L, kind, 1);
}

// `units` of work: a step of the matcher is one; bytes compared or scanned in bulk
// count BYTES_PER_UNIT to a unit, so one long memcmp or set scan is paid for too.
static inline void spend(Matcher *m, size_t units) {
    if (units < (size_t)m->steps) {
        m->steps -= (int)units;
        return;
    }
    charge(m, (long long)(CHECK_EVERY - m->steps) + (long long)units); // all spent since the last charge
    m->steps = CHECK_EVERY;
}

static inline void step(Matcher *m) { spend(m, 1); }

// memcmp in blocks, each paid for before it is compared: a 20 MB needle tried at
// every position is as stoppable as a pattern.
static int same_bytes(Matcher *m, const char *a, const char *b, size_t n) {
    while (n > 0) {
        size_t block = n < COMPARE_BLOCK ? n : COMPARE_BLOCK;
        spend(m, block / BYTES_PER_UNIT + 1);
        if (memcmp(a, b, block) != 0) return 0;
        a += block;
        b += block;
        n -= block;
    }
    return 1;
}

static void reset(Matcher *m) {
    m->level = 0;
    m->depth = 0;
}

// The end of the single-character class starting at p.
static const char *class_end(Matcher *m, const char *p) {
    char c = *p++;
    if (c == ESCAPE) {
        if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        const char *set = p;
        if (p < m->pattern_end && *p == '^') p++;
        do { // the first ']' of a set is a member, not its end
            if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            c = *p++;
            if (c == ESCAPE && p < m->pattern_end) p++;
        } while (p >= m->pattern_end || *p != ']');
        spend(m, (size_t)(p - set) / BYTES_PER_UNIT); // a set may be megabytes long
        return p + 1;
    }
    return p;
}

static int class_matches(int c, int cls) {
    int yes;
    switch (tolower(cls)) {
    case 'a': yes = isalpha(c); break;
    case 'c': yes = iscntrl(c); break;
    case 'd': yes = isdigit(c); break;
    case 'g': yes = isgraph(c); break;
    case 'l': yes = islower(c); break;
    case 'p': yes = ispunct(c); break;
    case 's': yes = isspace(c); break;
    case 'u': yes = isupper(c); break;
    case 'w': yes = isalnum(c); break;
    case 'x': yes = isxdigit(c); break;
    default: return cls == c;
    }
    if (isupper(cls)) yes = !yes;
    return yes != 0;
}

// p at '[', end at the set's closing ']'.
static int set_matches(int c, const char *p, const char *end) {
    int negated = 0;
    p++;
    if (*p == '^') {
        negated = 1;
        p++;
    }
    for (; p < end; p++) {
        if (*p == ESCAPE) {
            p++;
            if (class_matches(c, (unsigned char)*p)) return !negated;
        } else if (p + 2 < end && p[1] == '-') {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return !negated;
            p += 2;
        } else if ((unsigned char)*p == c) {
            return !negated;
        }
    }
    return negated;
}

static int single_matches(Matcher *m, const char *s, const char *p, const char *ep) {
    if (s >= m->subject_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case ESCAPE: return class_matches(c, (unsigned char)p[1]);
    case '[':
        spend(m, (size_t)(ep - p) / BYTES_PER_UNIT);
        return set_matches(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match(Matcher *m, const char *s, const char *p);

static const char *match_balance(Matcher *m, const char *s, const char *p) {
    if (p + 1 >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->subject_end || *s != p[0]) return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    while (++s < m->subject_end) {
        step(m);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *max_expand(Matcher *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t count = 0;
    while (single_matches(m, s + count, p, ep)) {
        step(m);
        count++;
    }
    for (; count >= 0; count--) {
        const char *end = match(m, s + count, ep + 1);
        if (end) return end;
    }
    return NULL;
}

static const char *min_expand(Matcher *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *end = match(m, s, ep + 1);
        if (end) return end;
        if (!single_matches(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *open_capture(Matcher *m, const char *s, const char *p, ptrdiff_t what) {
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->captures[m->level].start = s;
    m->captures[m->level].length = what;
    m->level++;
    const char *end = match(m, s, p);
    if (end == NULL) m->level--;
    return end;
}

static const char *close_capture(Matcher *m, const char *s, const char *p) {
    int open = -1;
    for (int i = m->level - 1; i >= 0; i--) {
        if (m->captures[i].length == CAPTURE_OPEN) {
            open = i;
            break;
        }
    }
    if (open < 0) luaL_error(m->L, "invalid pattern capture");
    m->captures[open].length = s - m->captures[open].start;
    const char *end = match(m, s, p);
    if (end == NULL) m->captures[open].length = CAPTURE_OPEN;
    return end;
}

static int capture_index(Matcher *m, int digit) {
    int i = digit - '1';
    if (i < 0 || i >= m->level || m->captures[i].length == CAPTURE_OPEN) {
        return luaL_error(m->L, "invalid capture index %%%d", i + 1);
    }
    return i;
}

static const char *match_backreference(Matcher *m, const char *s, int digit) {
    int i = capture_index(m, digit);
    ptrdiff_t length = m->captures[i].length;
    if (length < 0) return NULL;
    if ((size_t)(m->subject_end - s) >= (size_t)length && same_bytes(m, m->captures[i].start, s, (size_t)length)) {
        return s + length;
    }
    return NULL;
}

static const char *match(Matcher *m, const char *s, const char *p) {
    if (++m->depth > MAX_DEPTH) luaL_error(m->L, "pattern too complex");
    const char *result = NULL;
    for (;;) {
        step(m);
        if (p >= m->pattern_end) {
            result = s;
            break;
        }
        if (*p == '(') {
            result = p + 1 < m->pattern_end && p[1] == ')' ? open_capture(m, s, p + 2, CAPTURE_POSITION)
                                                             : open_capture(m, s, p + 1, CAPTURE_OPEN);
            break;
        }
        if (*p == ')') {
            result = close_capture(m, s, p + 1);
            break;
        }
        if (*p == '$' && p + 1 == m->pattern_end) {
            result = s == m->subject_end ? s : NULL;
            break;
        }
        if (*p == ESCAPE && p + 1 < m->pattern_end && p[1] == 'b') {
            s = match_balance(m, s, p + 2);
            if (s == NULL) break;
            p += 4;
            continue;
        }
        if (*p == ESCAPE && p + 1 < m->pattern_end && p[1] == 'f') {
            p += 2;
            if (p >= m->pattern_end || *p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
            const char *ep = class_end(m, p);
            spend(m, (size_t)(ep - p) / BYTES_PER_UNIT * 2);
            int before = s == m->subject ? '\0' : (unsigned char)s[-1];
            int here = s < m->subject_end ? (unsigned char)*s : '\0';
            if (!set_matches(before, p, ep - 1) && set_matches(here, p, ep - 1)) {
                p = ep;
                continue;
            }
            break;
        }
        if (*p == ESCAPE && p + 1 < m->pattern_end && isdigit((unsigned char)p[1])) {
            s = match_backreference(m, s, (unsigned char)p[1]);
            if (s == NULL) break;
            p += 2;
            continue;
        }
        const char *ep = class_end(m, p);
        char quantifier = ep < m->pattern_end ? *ep : '\0';
        if (!single_matches(m, s, p, ep)) {
            if (quantifier == '*' || quantifier == '?' || quantifier == '-') {
                p = ep + 1;
                continue;
            }
            break;
        }
        if (quantifier == '?') {
            const char *end = match(m, s + 1, ep + 1);
            if (end) {
                result = end;
                break;
            }
            p = ep + 1;
            continue;
        }
        if (quantifier == '+') {
            result = max_expand(m, s + 1, p, ep);
            break;
        }
        if (quantifier == '*') {
            result = max_expand(m, s, p, ep);
            break;
        }
        if (quantifier == '-') {
            result = min_expand(m, s, p, ep);
            break;
        }
        s++;
        p = ep;
    }
    m->depth--;
    return result;
}

// MARK: - Captures

static void push_capture(Matcher *m, int i, const char *s, const char *e) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t length = m->captures[i].length;
    if (length == CAPTURE_OPEN) luaL_error(m->L, "unfinished capture");
    if (length == CAPTURE_POSITION) {
        lua_pushinteger(m->L, (m->captures[i].start - m->subject) + 1);
    } else {
        lua_pushlstring(m->L, m->captures[i].start, (size_t)length);
    }
}

// Pushes the captures (or the whole match when there are none and s is given).
static int push_captures(Matcher *m, const char *s, const char *e) {
    int n = (m->level == 0 && s) ? 1 : m->level;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) push_capture(m, i, s, e);
    return n;
}

static void start(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern_end = p + lp;
    m->steps = CHECK_EVERY;
    reset(m);
}

// MARK: - find and match

static size_t start_position(lua_Integer pos, size_t length) {
    if (pos > 0) return (size_t)pos;
    if (pos == 0) return 1;
    if (pos < -(lua_Integer)length) return 1;
    return length + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp) {
    for (size_t i = 0; i < lp; i++) {
        if (strchr("^$*+?.([%-", p[i]) && p[i] != '\0') return 1;
    }
    return 0;
}

static const char *find_plain(Matcher *m, const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    const char *last = s + (ls - lp);
    for (const char *at = s; at <= last; at++) {
        step(m);
        if (*at == *p && same_bytes(m, at, p, lp)) return at;
    }
    return NULL;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    Matcher m;
    start(&m, L, s, ls, p, lp);
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *at = find_plain(&m, s + init, ls - init, p, lp);
        if (at) {
            lua_pushinteger(L, (at - s) + 1);
            lua_pushinteger(L, (lua_Integer)((at - s) + (ptrdiff_t)lp));
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    const char *from = s + init;
    int anchored = lp > 0 && *p == '^';
    if (anchored) {
        p++;
        lp--;
        m.pattern_end = p + lp;
    }
    do {
        reset(&m);
        const char *end = match(&m, from, p);
        if (end) {
            if (find) {
                lua_pushinteger(L, (from - s) + 1);
                lua_pushinteger(L, end - s);
                return push_captures(&m, NULL, NULL) + 2;
            }
            return push_captures(&m, from, end);
        }
    } while (from++ < m.subject_end && !anchored);
    luaL_pushfail(L);
    return 1;
}

int comity_string_find(lua_State *L) { return find_or_match(L, 1); }
int comity_string_match(lua_State *L) { return find_or_match(L, 0); }

// MARK: - gmatch

typedef struct {
    const char *next;
    const char *last_match;
    Matcher m;
} GMatchState;

static int gmatch_next(lua_State *L) {
    GMatchState *g = lua_touserdata(L, lua_upvalueindex(3));
    size_t lp;
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    g->m.L = L;
    for (const char *from = g->next; from <= g->m.subject_end; from++) {
        reset(&g->m);
        const char *end = match(&g->m, from, p);
        if (end != NULL && end != g->last_match) {
            g->next = g->last_match = end;
            return push_captures(&g->m, from, end);
        }
    }
    return 0;
}

int comity_string_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) init = ls + 1; // nothing to match
    lua_settop(L, 2);
    GMatchState *g = lua_newuserdatauv(L, sizeof(GMatchState), 0);
    start(&g->m, L, s, ls, p, lp);
    g->next = s + init;
    g->last_match = NULL;
    lua_pushcclosure(L, gmatch_next, 3); // subject and pattern stay alive as upvalues
    return 1;
}

// MARK: - gsub

static void add_replacement_string(Matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t length;
    const char *repl = lua_tolstring(L, 3, &length);
    const char *end = repl + length;
    spend(m, length / BYTES_PER_UNIT); // once per match: a long replacement of empty captures adds nothing
    for (const char *at = repl; at < end; at++) {
        if (*at != ESCAPE) {
            luaL_addchar(b, *at);
            continue;
        }
        at++;
        step(m); // an escape may push a capture: each is paid for
        if (at >= end || (*at != ESCAPE && !isdigit((unsigned char)*at))) {
            luaL_error(L, "invalid use of '%c' in replacement string", ESCAPE);
        }
        if (*at == ESCAPE) {
            luaL_addchar(b, *at);
        } else if (*at == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else {
            push_capture(m, *at - '1', s, e);
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
            luaL_addvalue(b);
        }
    }
}

static void add_replacement(Matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
    lua_State *L = m->L;
    if (kind == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (kind == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_replacement_string(m, b, s, e);
        return;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
    } else if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    } else {
        luaL_addvalue(b);
    }
}

int comity_string_gsub(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int kind = lua_type(L, 3);
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE,
                     3, "string/function/table");
    int anchored = lp > 0 && *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    Matcher m;
    start(&m, L, s, ls, p, lp);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *from = s, *last_match = NULL;
    lua_Integer count = 0;
    while (count < max) {
        reset(&m);
        m.L = L;
        const char *end = match(&m, from, p);
        if (end != NULL && end != last_match) {
            count++;
            add_replacement(&m, &b, from, end, kind);
            from = last_match = end;
        } else if (from < m.subject_end) {
            luaL_addchar(&b, *from++);
        } else {
            break;
        }
        if (anchored) break;
    }
    if (count == 0) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, from, (size_t)(m.subject_end - from));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, count);
    return 2;
}
