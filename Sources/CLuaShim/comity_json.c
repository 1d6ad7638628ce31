// JSON text decoded straight into Lua values, for json.decode and json.read. Built in
// Lua's own memory, so the run's memory cap counts every table and string as it is
// made, and the run's limits are checked every few hundred values: Foundation's parser
// took 12 s and 1.3 GB for 15 MB of `[{},{},...]`, in one call nothing could stop.
#include "comity_host.h"
#include "comity_library.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 128
#define JSON_CHECK_EVERY 256

typedef struct {
    lua_State *L;
    const char *start, *at, *end;
    int depth;
    unsigned values;
} Json;

// Raises "not JSON (what at line L, column C)": the line and column of `at`.
static int fail_at(Json *j, const char *at, const char *what) {
    int line = 1, column = 1;
    for (const char *p = j->start; p < at && p < j->end; p++) {
        if (*p == '\n') {
            line++;
            column = 1;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            column++;
        }
    }
    lua_pushfstring(j->L, "not JSON (%s at line %d, column %d)", what, line, column);
    return lua_error(j->L);
}

static int fail(Json *j, const char *what) { return fail_at(j, j->at, what); }

static int fail_unexpected(Json *j) {
    if (j->at >= j->end) return fail(j, "unexpected end of text");
    unsigned char c = (unsigned char)*j->at;
    char what[48];
    if (c >= 0x20 && c < 0x7F) {
        snprintf(what, sizeof what, "unexpected '%c'", c);
    } else {
        snprintf(what, sizeof what, "unexpected byte 0x%02X", c);
    }
    return fail(j, what);
}

static void count_value(Json *j) {
    if (++j->values % JSON_CHECK_EVERY == 0) comity_tick(j->L, JSON_CHECK_EVERY);
}

static void skip_space(Json *j) {
    while (j->at < j->end && (*j->at == ' ' || *j->at == '\t' || *j->at == '\n' || *j->at == '\r')) j->at++;
}

static int hex4(Json *j, const char *p) {
    if (j->end - p < 4) fail_at(j, p, "unfinished \\u escape");
    int value = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0) fail_at(j, p, "invalid \\u escape");
        value = value * 16 + digit;
    }
    return value;
}

static void add_utf8(luaL_Buffer *b, unsigned long code) {
    char out[4];
    int n;
    if (code < 0x80) {
        out[0] = (char)code;
        n = 1;
    } else if (code < 0x800) {
        out[0] = (char)(0xC0 | (code >> 6));
        out[1] = (char)(0x80 | (code & 0x3F));
        n = 2;
    } else if (code < 0x10000) {
        out[0] = (char)(0xE0 | (code >> 12));
        out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
        out[2] = (char)(0x80 | (code & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | (code >> 18));
        out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((code >> 6) & 0x3F));
        out[3] = (char)(0x80 | (code & 0x3F));
        n = 4;
    }
    luaL_addlstring(b, out, (size_t)n);
}

// The length of the valid UTF-8 sequence at p (1 to 4), or 0.
static int utf8_length(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    int n;
    unsigned long code;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2, code = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, code = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, code = c & 0x07;
    else return 0;
    if (end - p < n) return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        code = (code << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && code < 0x800) || (n == 4 && (code < 0x10000 || code > 0x10FFFF)) || (code >= 0xD800 && code <= 0xDFFF)) {
        return 0;
    }
    return n;
}

// Pushes the string whose opening quote is at j->at.
static void read_string(Json *j) {
    luaL_Buffer b;
    luaL_buffinit(j->L, &b);
    j->at++;
    size_t since_check = 0;
    for (;;) {
        const char *run = j->at;
        while (j->at < j->end && *j->at != '"' && *j->at != '\\' && (unsigned char)*j->at >= 0x20) {
            int n = utf8_length((const unsigned char *)j->at, (const unsigned char *)j->end);
            if (n == 0) fail(j, "invalid UTF-8");
            j->at += n;
        }
        luaL_addlstring(&b, run, (size_t)(j->at - run));
        since_check += (size_t)(j->at - run);
        if (since_check > 65536) { // a string of megabytes is paid for too
            comity_tick(j->L, (long long)(since_check / 16));
            since_check = 0;
        }
        if (j->at >= j->end) fail(j, "unfinished string");
        char c = *j->at;
        if (c == '"') {
            j->at++;
            break;
        }
        if (c != '\\') fail(j, "control character in a string");
        const char *escape = j->at++;
        if (j->at >= j->end) fail(j, "unfinished string");
        switch (*j->at++) {
        case '"': luaL_addchar(&b, '"'); break;
        case '\\': luaL_addchar(&b, '\\'); break;
        case '/': luaL_addchar(&b, '/'); break;
        case 'b': luaL_addchar(&b, '\b'); break;
        case 'f': luaL_addchar(&b, '\f'); break;
        case 'n': luaL_addchar(&b, '\n'); break;
        case 'r': luaL_addchar(&b, '\r'); break;
        case 't': luaL_addchar(&b, '\t'); break;
        case 'u': {
            unsigned long code = (unsigned long)hex4(j, j->at);
            j->at += 4;
            if (code >= 0xD800 && code <= 0xDBFF) { // a high surrogate needs its low half
                if (j->end - j->at < 6 || j->at[0] != '\\' || j->at[1] != 'u') fail_at(j, escape, "lone surrogate in \\u escape");
                unsigned long low = (unsigned long)hex4(j, j->at + 2);
                if (low < 0xDC00 || low > 0xDFFF) fail_at(j, escape, "lone surrogate in \\u escape");
                j->at += 6;
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            } else if (code >= 0xDC00 && code <= 0xDFFF) {
                fail_at(j, escape, "lone surrogate in \\u escape");
            }
            add_utf8(&b, code);
            break;
        }
        default: fail_at(j, escape, "invalid escape");
        }
    }
    luaL_pushresult(&b);
}

static void read_number(Json *j) {
    const char *begin = j->at;
    const char *p = j->at;
    if (p < j->end && *p == '-') p++;
    if (p >= j->end || *p < '0' || *p > '9') fail_unexpected(j);
    if (*p == '0') {
        p++;
    } else {
        while (p < j->end && *p >= '0' && *p <= '9') p++;
    }
    int integral = 1;
    if (p < j->end && *p == '.') {
        integral = 0;
        p++;
        if (p >= j->end || *p < '0' || *p > '9') fail_at(j, p, "digit expected after '.'");
        while (p < j->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        integral = 0;
        p++;
        if (p < j->end && (*p == '+' || *p == '-')) p++;
        if (p >= j->end || *p < '0' || *p > '9') fail_at(j, p, "digit expected in exponent");
        while (p < j->end && *p >= '0' && *p <= '9') p++;
    }
    j->at = p;
    size_t len = (size_t)(p - begin);
    char small[64];
    char *text = len < sizeof small ? small : lua_newuserdatauv(j->L, len + 1, 0);
    memcpy(text, begin, len);
    text[len] = '\0';
    if (integral) { // a whole number without '.' or exponent is an integer when it fits
        const char *d = text + (text[0] == '-');
        lua_Unsigned magnitude = 0;
        int fits = 1;
        for (; *d; d++) {
            lua_Unsigned digit = (lua_Unsigned)(*d - '0');
            if (magnitude > ((lua_Unsigned)LUA_MAXINTEGER + 1 - digit) / 10) {
                fits = 0;
                break;
            }
            magnitude = magnitude * 10 + digit;
        }
        if (fits && (text[0] == '-' || magnitude <= (lua_Unsigned)LUA_MAXINTEGER)) {
            if (text != small) lua_pop(j->L, 1);
            lua_pushinteger(j->L, text[0] == '-' ? (lua_Integer)(0u - magnitude) : (lua_Integer)magnitude);
            return;
        }
    }
    double value = strtod(text, NULL);
    if (text != small) lua_pop(j->L, 1);
    lua_pushnumber(j->L, (lua_Number)value);
}

static void read_literal(Json *j, const char *word, size_t len) {
    if ((size_t)(j->end - j->at) < len || memcmp(j->at, word, len) != 0) fail_unexpected(j);
    j->at += len;
}

static void read_value(Json *j);

static void read_array(Json *j) {
    lua_createtable(j->L, 0, 0);
    j->at++;
    skip_space(j);
    if (j->at < j->end && *j->at == ']') {
        j->at++;
        return;
    }
    for (lua_Integer i = 1;; i++) {
        read_value(j);
        lua_rawseti(j->L, -2, i); // null leaves a hole, as nil does in Lua
        skip_space(j);
        if (j->at < j->end && *j->at == ',') {
            j->at++;
            continue;
        }
        if (j->at < j->end && *j->at == ']') {
            j->at++;
            return;
        }
        fail(j, j->at < j->end ? "',' or ']' expected" : "unfinished array");
    }
}

static void read_object(Json *j) {
    lua_createtable(j->L, 0, 0);
    j->at++;
    skip_space(j);
    if (j->at < j->end && *j->at == '}') {
        j->at++;
        return;
    }
    for (;;) {
        skip_space(j);
        if (j->at >= j->end || *j->at != '"') fail(j, j->at < j->end ? "a key in quotes expected" : "unfinished object");
        read_string(j);
        skip_space(j);
        if (j->at >= j->end || *j->at != ':') fail(j, "':' expected");
        j->at++;
        read_value(j);
        lua_rawset(j->L, -3); // null removes the key: objects keep no nil fields
        skip_space(j);
        if (j->at < j->end && *j->at == ',') {
            j->at++;
            continue;
        }
        if (j->at < j->end && *j->at == '}') {
            j->at++;
            return;
        }
        fail(j, j->at < j->end ? "',' or '}' expected" : "unfinished object");
    }
}

static void read_value(Json *j) {
    count_value(j);
    skip_space(j);
    if (j->at >= j->end) fail_unexpected(j);
    luaL_checkstack(j->L, 4, "JSON nested too deeply");
    switch (*j->at) {
    case '{':
    case '[':
        if (++j->depth > JSON_MAX_DEPTH) fail(j, "nested deeper than 128 levels");
        if (*j->at == '{') read_object(j);
        else read_array(j);
        j->depth--;
        return;
    case '"': read_string(j); return;
    case 't': read_literal(j, "true", 4); lua_pushboolean(j->L, 1); return;
    case 'f': read_literal(j, "false", 5); lua_pushboolean(j->L, 0); return;
    case 'n': read_literal(j, "null", 4); lua_pushnil(j->L); return;
    default: read_number(j); return;
    }
}

struct decode_args {
    const char *text;
    size_t len;
};

static int p_json_decode(lua_State *L) {
    struct decode_args *a = lua_touserdata(L, 1);
    Json j = {L, a->text, a->text, a->text + a->len, 0, 0};
    // A byte-order mark is allowed before the text, as editors write one.
    if (a->len >= 3 && memcmp(a->text, "\xEF\xBB\xBF", 3) == 0) j.at += 3;
    read_value(&j);
    skip_space(&j);
    if (j.at < j.end) fail(&j, "text after the value");
    return 1;
}

int comity_json_decode(lua_State *L, const char *text, size_t len) {
    struct decode_args a = {text ? text : "", text ? len : 0};
    return comity_run_protected(L, p_json_decode, &a, 0, 1);
}
