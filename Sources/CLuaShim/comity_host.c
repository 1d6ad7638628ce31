// The state's host block: the capped allocator, limits and their hook, the error
// buffer the trampoline raises from, and the last error's traceback.
#include "comity_host.h"
#include "comity_library.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

comity_host *comity_host_of(lua_State *L) { return HOST(L); }

// Lua asks again after a full emergency collection when an allocation fails; only
// a second refusal of the same size is the cap really being hit.
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    comity_host *h = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        h->used -= old;
        return NULL;
    }
    if (nsize > old && h->limit != 0) {
        size_t grow = nsize - old;
        if (h->used + grow > h->limit || h->used + grow < h->used) {
            // Final when no collection could make room, or when Lua's retry after
            // its emergency collection is refused again.
            if (grow > h->limit || (h->refused_pending && h->refused_size == nsize)) {
                comity_host_trip(h, COMITY_LIMIT_MEMORY);
            }
            h->refusals++;
            h->refused_pending = 1;
            h->refused_size = nsize;
            return NULL;
        }
    }
    void *block = realloc(ptr, nsize);
    if (block == NULL) return NULL;
    h->used = h->used - old + nsize;
    if (h->used > h->peak) h->peak = h->used;
    if (nsize > old) h->refused_pending = 0;
    return block;
}

lua_State *comity_newstate(size_t memory_limit) {
    comity_host *h = calloc(1, sizeof(comity_host));
    if (h == NULL) return NULL;
    h->limit = memory_limit;
    atomic_init(&h->limit_hit, COMITY_LIMIT_NONE);
    atomic_init(&h->running, 0);
    atomic_flag_clear(&h->signal_lock);
    lua_State *L = lua_newstate(capped_alloc, h);
    if (L == NULL) {
        free(h);
        return NULL;
    }
    HOST(L) = h;
    h->main = L;
    atomic_init(&h->current, L);
    return L;
}

void comity_close(lua_State *L) {
    comity_host *h = HOST(L);
    lua_close(L);
    free(h->errbuf);
    free(h->traceback);
    for (int i = 0; i < COMITY_LIMIT_KINDS; i++) free(h->messages[i]);
    comity_scopes_free(h);
    free(h);
}

size_t comity_memory_used(lua_State *L) { return HOST(L)->used; }
size_t comity_memory_peak(lua_State *L) { return HOST(L)->peak; }
unsigned long comity_memory_refusals(lua_State *L) { return HOST(L)->refusals; }
void comity_set_memory_limit(lua_State *L, size_t limit) { HOST(L)->limit = limit; }
long long comity_instructions_used(lua_State *L) { return HOST(L)->instr_used; }
int comity_limit_hit(lua_State *L) { return atomic_load(&HOST(L)->limit_hit); }

void comity_set_limit_message(lua_State *L, int kind, const char *message) {
    comity_host *h = HOST(L);
    if (kind <= 0 || kind >= COMITY_LIMIT_KINDS) return;
    free(h->messages[kind]);
    h->messages[kind] = message ? strdup(message) : NULL;
}

const char *comity_limit_message(lua_State *L, int kind) {
    comity_host *h = HOST(L);
    if (kind <= 0 || kind >= COMITY_LIMIT_KINDS || h->messages[kind] == NULL) return "";
    return h->messages[kind];
}

int comity_raise_limit(lua_State *L, int kind, int level) {
    comity_host *h = HOST(L);
    const char *message = (kind > 0 && kind < COMITY_LIMIT_KINDS) ? h->messages[kind] : NULL;
    luaL_where(L, level);
    lua_pushstring(L, message ? message : "limit exceeded");
    lua_concat(L, 2);
    return lua_error(L);
}

// Once any limit is hit, every hooked instruction raises again, so neither pcall nor
// a __close handler can keep the script going.
static void limit_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    comity_host *h = HOST(L);
    if (h->instr_limit > 0 && atomic_load(&h->limit_hit) == COMITY_LIMIT_NONE) {
        h->instr_used += h->instr_step;
        if (h->instr_used >= h->instr_limit) comity_host_trip(h, COMITY_LIMIT_INSTRUCTIONS);
    }
    int kind = atomic_load(&h->limit_hit);
    if (kind != COMITY_LIMIT_NONE) comity_raise_limit(L, kind, 0); // level 0: the hooked function
}

void comity_set_instruction_limit(lua_State *L, long long limit) {
    comity_host *h = HOST(L);
    h->instr_limit = limit > 0 ? limit : 0;
    h->instr_used = 0;
    if (h->instr_limit > 0) {
        h->instr_step = limit < 1000 ? (int)limit : 1000;
        lua_sethook(h->main, limit_hook, LUA_MASKCOUNT, h->instr_step);
    } else {
        lua_sethook(h->main, NULL, 0, 0);
    }
}

// MARK: - Tripping a limit

// The state whose protected call is running on this thread (innermost, when a Swift
// function runs a second state): what the trip signal's handler arms.
static _Thread_local comity_host *running_here;

// Hooks belong to one thread each: arm the main thread and whichever coroutine runs
// now. Called only on the thread that runs Lua (directly, or in the signal handler),
// as Lua allows lua_sethook to be called: lua.c sets its Ctrl-C hook the same way.
static void arm_hooks(comity_host *h) {
    lua_sethook(h->main, limit_hook, LUA_MASKCOUNT, 1);
    lua_State *current = atomic_load(&h->current);
    if (current != NULL && current != h->main) lua_sethook(current, limit_hook, LUA_MASKCOUNT, 1);
}

static struct sigaction previous_action;

static void trip_signal_handler(int signal, siginfo_t *info, void *context) {
    comity_host *h = running_here;
    if (h != NULL && atomic_load(&h->limit_hit) != COMITY_LIMIT_NONE) arm_hooks(h);
    // Whoever had the signal before still gets it (SIGURG is otherwise ignored).
    if ((previous_action.sa_flags & SA_SIGINFO) && previous_action.sa_sigaction != NULL) {
        previous_action.sa_sigaction(signal, info, context);
    } else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN &&
               previous_action.sa_handler != NULL) {
        previous_action.sa_handler(signal);
    }
}

static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

static void install_trip_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = trip_signal_handler;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(COMITY_TRIP_SIGNAL, &action, &previous_action);
}

static void lock_signal(comity_host *h) {
    while (atomic_flag_test_and_set_explicit(&h->signal_lock, memory_order_acquire)) {
    }
}

static void unlock_signal(comity_host *h) {
    atomic_flag_clear_explicit(&h->signal_lock, memory_order_release);
}

void comity_host_trip(comity_host *h, int kind) {
    int expected = COMITY_LIMIT_NONE;
    atomic_compare_exchange_strong(&h->limit_hit, &expected, kind);
    if (running_here == h) {
        // On the Lua thread itself (the allocator, an instruction count, print).
        arm_hooks(h);
        return;
    }
    // Another thread (the deadline's timer, a cancellation) never touches the state:
    // it signals the thread that runs it, whose handler arms the hooks. A state that
    // is not running now arms them itself when its next call starts.
    lock_signal(h);
    if (atomic_load(&h->running) > 0) pthread_kill(atomic_load(&h->thread), COMITY_TRIP_SIGNAL);
    unlock_signal(h);
}

// Whether this thread lets the trip signal in: dispatch's worker threads block
// asynchronous signals, and a blocked signal would wait until the run ended.
static _Thread_local int trip_unblocked;

void comity_enter(lua_State *L, comity_host **outer) {
    comity_host *h = HOST(L);
    pthread_once(&handler_once, install_trip_handler);
    if (!trip_unblocked) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, COMITY_TRIP_SIGNAL);
        pthread_sigmask(SIG_UNBLOCK, &set, NULL);
        trip_unblocked = 1;
    }
    *outer = running_here;
    atomic_store(&h->thread, pthread_self());
    atomic_fetch_add(&h->running, 1);
    running_here = h;
    // A trip that came while nothing ran signalled no one.
    if (atomic_load(&h->limit_hit) != COMITY_LIMIT_NONE) arm_hooks(h);
}

void comity_leave(lua_State *L, comity_host *outer) {
    comity_host *h = HOST(L);
    lock_signal(h);
    atomic_fetch_sub(&h->running, 1);
    unlock_signal(h);
    running_here = outer;
}

void comity_switch_to(lua_State *L, lua_State *next) {
    comity_host *h = HOST(L);
    atomic_store(&h->current, next);
    // A trip that came before the switch armed the old thread only.
    if (atomic_load(&h->limit_hit) != COMITY_LIMIT_NONE) {
        lua_sethook(next, limit_hook, LUA_MASKCOUNT, 1);
    }
}

// MARK: - Trampoline

void comity_set_error(lua_State *L, const char *message, size_t length) {
    comity_host *h = HOST(L);
    if (length + 1 > h->errcap) {
        char *grown = realloc(h->errbuf, length + 1);
        if (grown == NULL) {
            static const char fallback[] = "out of memory while reporting an error";
            message = fallback;
            length = sizeof(fallback) - 1;
            if (h->errcap < sizeof(fallback)) {
                h->errlen = 0;
                return;
            }
        } else {
            h->errbuf = grown;
            h->errcap = length + 1;
        }
    }
    memcpy(h->errbuf, message, length);
    h->errbuf[length] = '\0';
    h->errlen = length;
}

// The Swift side's single entry point, set once by the bridge; each function's
// own context is its closure's only upvalue.
static comity_swift_function swift_entry;

void comity_set_swift_entry(comity_swift_function entry) { swift_entry = entry; }

// The Swift entry of functions whose box Lua owns (see comity_push_owned_swift_function):
// it holds the box for the call, which may release Lua's hold on it.
static comity_swift_function swift_owned_entry;

void comity_set_swift_owned_entry(comity_swift_function entry) { swift_owned_entry = entry; }

static int finish_call(lua_State *L, int results);

// Swift returns here; only C raises, so no longjmp crosses a Swift frame.
static int trampoline(lua_State *L) {
    return finish_call(L, swift_entry(L, lua_touserdata(L, lua_upvalueindex(1))));
}

// A function whose box a full userdata (upvalue 1) holds: once the block is emptied
// (the host released it, or it is being collected) a call returns nothing.
static int owned_trampoline(lua_State *L) {
    void **block = lua_touserdata(L, lua_upvalueindex(1));
    if (block == NULL || *block == NULL) return 0;
    return finish_call(L, swift_owned_entry(L, *block));
}

static int finish_call(lua_State *L, int results) {
    if (results >= 0) return results;
    if (results == COMITY_RAISE_VALUE) return lua_error(L);
    comity_host *h = HOST(L);
    if (results == COMITY_RAISE_PLAIN) {
        lua_pushlstring(L, h->errbuf ? h->errbuf : "", h->errlen);
        return lua_error(L);
    }
    luaL_where(L, 1);
    lua_pushlstring(L, h->errbuf ? h->errbuf : "", h->errlen);
    lua_concat(L, 2);
    return lua_error(L);
}

const char *comity_error_text(lua_State *L) {
    comity_host *h = HOST(L);
    return h->errbuf ? h->errbuf : "";
}

void comity_set_owner(lua_State *L, void *owner) { HOST(L)->owner = owner; }
void *comity_owner(lua_State *L) { return HOST(L)->owner; }

static int p_push_swift_function(lua_State *L) {
    lua_pushlightuserdata(L, lua_touserdata(L, 1));
    lua_pushcclosure(L, trampoline, 1);
    return 1;
}

// Runs `f` protected with one light userdata argument. On failure the error's text
// goes to the error buffer and the stack is as it was.
int comity_run_protected(lua_State *L, lua_CFunction f, void *args, int nargs, int nresults) {
    if (!lua_checkstack(L, 4)) {
        comity_set_error(L, "stack overflow", 14);
        lua_pop(L, nargs);
        return LUA_ERRMEM;
    }
    lua_pushcfunction(L, f);
    lua_insert(L, -(nargs + 1));
    lua_pushlightuserdata(L, args);
    lua_insert(L, -(nargs + 1));
    // Metamethods (a __tostring) may run Lua: outside a call, the state is entered
    // for it, so a trip from another thread reaches it.
    int status;
    if (running_here == HOST(L)) {
        status = lua_pcall(L, nargs + 1, nresults, 0);
    } else {
        comity_host *outer;
        comity_enter(L, &outer);
        status = lua_pcall(L, nargs + 1, nresults, 0);
        comity_leave(L, outer);
    }
    if (status != LUA_OK) {
        size_t len = 0;
        const char *text = comity_tolstring_raw(L, -1, &len);
        if (text == NULL) {
            text = "error object is not a string";
            len = strlen(text);
        }
        comity_set_error(L, text, len);
        lua_pop(L, 1);
    }
    return status;
}

int comity_push_swift_function(lua_State *L, void *context) {
    return comity_run_protected(L, p_push_swift_function, context, 0, 1);
}

static int p_collect_garbage(lua_State *L) {
    lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}

int comity_collect_garbage(lua_State *L) { return comity_run_protected(L, p_collect_garbage, NULL, 0, 0); }

static const char OWNED_FUNCTION_KEY = 0;

static int gc_object(lua_State *L);

struct owned_function_args {
    void *context;
    comity_release_function release;
    void **block;
};

static int p_push_owned_swift_function(lua_State *L) {
    struct owned_function_args *a = lua_touserdata(L, 1);
    void **block = lua_newuserdatauv(L, sizeof(void *), 0);
    *block = NULL;
    // One metatable for every such block, made on first use: __gc releases the box.
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &OWNED_FUNCTION_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 2);
        lua_pushlightuserdata(L, (void *)(uintptr_t)a->release);
        lua_pushcclosure(L, gc_object, 1);
        lua_setfield(L, -2, "__gc");
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &OWNED_FUNCTION_KEY);
    }
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, owned_trampoline, 1);
    // Only now, when nothing more can fail: a failed push leaves the box to the caller.
    *block = a->context;
    a->block = block;
    return 1;
}

int comity_push_owned_swift_function(lua_State *L, void *context, comity_release_function release, void ***block) {
    struct owned_function_args a = {context, release, NULL};
    int status = comity_run_protected(L, p_push_owned_swift_function, &a, 0, 1);
    *block = a.block;
    return status;
}

// MARK: - Protected operations

struct lstring_args {
    const char *s;
    size_t len;
};

static int p_pushlstring(lua_State *L) {
    struct lstring_args *a = lua_touserdata(L, 1);
    lua_pushlstring(L, a->s, a->len);
    return 1;
}

int comity_p_pushlstring(lua_State *L, const char *s, size_t len) {
    struct lstring_args a = {s, len};
    return comity_run_protected(L, p_pushlstring, &a, 0, 1);
}

struct table_args {
    int narr, nrec;
};

static int p_createtable(lua_State *L) {
    struct table_args *a = lua_touserdata(L, 1);
    lua_createtable(L, a->narr, a->nrec);
    return 1;
}

int comity_p_createtable(lua_State *L, int narr, int nrec) {
    struct table_args a = {narr, nrec};
    return comity_run_protected(L, p_createtable, &a, 0, 1);
}

// Stack inside: args, k, v, t.
static int p_rawset(lua_State *L) {
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_rawset(L, 4);
    return 0;
}

int comity_p_rawset(lua_State *L, int index) {
    index = lua_absindex(L, index);
    if (!lua_checkstack(L, 6)) {
        lua_pop(L, 2);
        comity_set_error(L, "stack overflow", 14);
        return LUA_ERRMEM;
    }
    lua_pushvalue(L, index);
    return comity_run_protected(L, p_rawset, NULL, 3, 0);
}

struct seti_args {
    lua_Integer n;
};

// Stack inside: args, v, t.
static int p_rawseti(lua_State *L) {
    struct seti_args *a = lua_touserdata(L, 1);
    lua_pushvalue(L, 2);
    lua_rawseti(L, 3, a->n);
    return 0;
}

int comity_p_rawseti(lua_State *L, int index, lua_Integer n) {
    index = lua_absindex(L, index);
    if (!lua_checkstack(L, 6)) {
        lua_pop(L, 1);
        comity_set_error(L, "stack overflow", 14);
        return LUA_ERRMEM;
    }
    lua_pushvalue(L, index);
    struct seti_args a = {n};
    return comity_run_protected(L, p_rawseti, &a, 2, 0);
}

struct userdata_args {
    size_t size;
    void *block;
};

static int p_newuserdata(lua_State *L) {
    struct userdata_args *a = lua_touserdata(L, 1);
    a->block = lua_newuserdatauv(L, a->size, 0);
    return 1;
}

int comity_p_newuserdata(lua_State *L, size_t size, void **block) {
    struct userdata_args a = {size, NULL};
    int status = comity_run_protected(L, p_newuserdata, &a, 0, 1);
    if (block) *block = a.block;
    return status;
}

struct ref_args {
    int ref;
};

// Stack inside: args, v.
static int p_ref(lua_State *L) {
    struct ref_args *a = lua_touserdata(L, 1);
    lua_pushvalue(L, 2);
    a->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

int comity_p_ref(lua_State *L, int *ref) {
    struct ref_args a = {LUA_NOREF};
    int status = comity_run_protected(L, p_ref, &a, 1, 0);
    if (ref) *ref = a.ref;
    return status;
}

// Stack inside: args, v.
static int p_tolstring(lua_State *L) {
    luaL_tolstring(L, 2, NULL);
    return 1;
}

int comity_p_tolstring(lua_State *L, int index) {
    index = lua_absindex(L, index);
    if (!lua_checkstack(L, 6)) {
        comity_set_error(L, "stack overflow", 14);
        return LUA_ERRMEM;
    }
    lua_pushvalue(L, index);
    return comity_run_protected(L, p_tolstring, NULL, 1, 1);
}

// Stack inside: args, v.
static int p_describe_error(lua_State *L) {
    int t = lua_type(L, 2);
    if (t == LUA_TSTRING) {
        lua_pushvalue(L, 2);
    } else if (t == LUA_TNIL) {
        lua_pushliteral(L, "error object is nil");
    } else if (t == LUA_TNUMBER || t == LUA_TBOOLEAN || luaL_getmetafield(L, 2, "__tostring") != LUA_TNIL) {
        luaL_tolstring(L, 2, NULL);
    } else {
        lua_pushfstring(L, "error object is a %s value", luaL_typename(L, 2));
    }
    return 1;
}

int comity_p_describe_error(lua_State *L, int index) {
    index = lua_absindex(L, index);
    if (!lua_checkstack(L, 6)) {
        comity_set_error(L, "stack overflow", 14);
        return LUA_ERRMEM;
    }
    lua_pushvalue(L, index);
    return comity_run_protected(L, p_describe_error, NULL, 1, 1);
}

struct type_name_args {
    char *buffer;
    size_t capacity;
};

// Stack inside: args, v.
static int p_type_name(lua_State *L) {
    struct type_name_args *a = lua_touserdata(L, 1);
    const char *name = NULL;
    if (luaL_getmetafield(L, 2, "__name") == LUA_TSTRING) name = lua_tostring(L, -1);
    if (name == NULL) name = luaL_typename(L, 2);
    snprintf(a->buffer, a->capacity, "%s", name);
    return 0;
}

void comity_type_name(lua_State *L, int index, char *buffer, size_t capacity) {
    if (capacity == 0) return;
    snprintf(buffer, capacity, "%s", luaL_typename(L, index));
    index = lua_absindex(L, index);
    if (!lua_checkstack(L, 6)) return;
    lua_pushvalue(L, index);
    struct type_name_args a = {buffer, capacity};
    if (comity_run_protected(L, p_type_name, &a, 1, 0) != LUA_OK) snprintf(buffer, capacity, "%s", luaL_typename(L, index));
}

int comity_load_text(lua_State *L, const char *chunk, size_t len, const char *chunkname) {
    return comity_load_checked(L, chunk, len, chunkname, "t"); // in pieces, checking the limits
}

// MARK: - Errors with tracebacks

// Written into malloc'd memory, not Lua's: the traceback must survive an error
// raised because Lua's own memory ran out.
static int traceback_handler(lua_State *L) {
    comity_host *h = HOST(L);
    size_t cap = 1024, len = 0;
    char *buffer = malloc(cap);
    h->position[0] = '\0';
    if (buffer != NULL) {
        buffer[0] = '\0';
        lua_Debug ar;
        int shown = 0;
        for (int level = 1; lua_getstack(L, level, &ar) && shown < 24; level++) {
            if (!lua_getinfo(L, "Slnt", &ar)) continue;
            if (ar.currentline > 0 && h->position[0] == '\0') {
                snprintf(h->position, sizeof h->position, "%s:%d", ar.short_src, ar.currentline);
            }
            char line[LUA_IDSIZE + 200];
            int n;
            char where[LUA_IDSIZE + 24];
            if (ar.currentline > 0) {
                snprintf(where, sizeof where, "%s:%d", ar.short_src, ar.currentline);
            } else {
                snprintf(where, sizeof where, "[%s]", *ar.what == 'C' ? "C" : ar.short_src);
            }
            if (*ar.namewhat != '\0') {
                const char *kind = strcmp(ar.namewhat, "global") == 0 ? "function" : ar.namewhat;
                n = snprintf(line, sizeof line, "\n\t%s: in %s '%s'", where, kind, ar.name ? ar.name : "?");
            } else if (*ar.what == 'm') {
                n = snprintf(line, sizeof line, "\n\t%s: in main chunk", where);
            } else if (*ar.what == 'C') {
                n = snprintf(line, sizeof line, "\n\t%s: in ?", where);
            } else {
                n = snprintf(line, sizeof line, "\n\t%s: in function <%s:%d>", where, ar.short_src, ar.linedefined);
            }
            if (n >= 0 && ar.istailcall && (size_t)n + 24 < sizeof line) {
                n += snprintf(line + n, sizeof line - (size_t)n, "\n\t(...tail calls...)");
            }
            if (n < 0) break;
            if ((size_t)n >= sizeof line) n = (int)sizeof line - 1;
            if (len + (size_t)n + 1 > cap) break;
            memcpy(buffer + len, line, (size_t)n);
            len += (size_t)n;
            buffer[len] = '\0';
            shown++;
        }
    }
    free(h->traceback);
    h->traceback = buffer;
    return 1;
}

int comity_pcall_traced(lua_State *L, int nargs, int nresults) {
    comity_host *h = HOST(L);
    free(h->traceback);
    h->traceback = NULL;
    h->position[0] = '\0';
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback_handler);
    lua_insert(L, base);
    comity_host *outer;
    comity_enter(L, &outer);
    int status = lua_pcall(L, nargs, nresults, base);
    comity_leave(L, outer);
    lua_remove(L, base);
    return status;
}

const char *comity_last_traceback(lua_State *L) {
    comity_host *h = HOST(L);
    return h->traceback ? h->traceback : "";
}

const char *comity_last_position(lua_State *L) { return HOST(L)->position; }

// MARK: - Userdata

static int gc_object(lua_State *L) {
    comity_release_function release = (comity_release_function)(uintptr_t)lua_touserdata(L, lua_upvalueindex(1));
    void **block = lua_touserdata(L, 1);
    if (block != NULL && *block != NULL) {
        void *object = *block;
        *block = NULL;
        release(object);
    }
    return 0;
}

struct object_args {
    void *object;
};

// Stack inside: args, metatable.
static int p_push_object(lua_State *L) {
    struct object_args *a = lua_touserdata(L, 1);
    // One user value: the object's cache of field values (see comity_p_cache_field).
    void **block = lua_newuserdatauv(L, sizeof(void *), 1);
    *block = NULL;
    lua_pushvalue(L, 2);
    lua_setmetatable(L, -2);
    *block = a->object;
    return 1;
}

int comity_push_object(lua_State *L, void *object, int metatable) {
    if (!lua_checkstack(L, 6)) {
        comity_set_error(L, "stack overflow", 14);
        return LUA_ERRMEM;
    }
    lua_pushvalue(L, metatable);
    struct object_args a = {object};
    return comity_run_protected(L, p_push_object, &a, 1, 1);
}

void *comity_to_object(lua_State *L, int index, const void *type_key) {
    if (lua_type(L, index) != LUA_TUSERDATA) return NULL;
    if (!lua_checkstack(L, 2)) return NULL;
    void **block = lua_touserdata(L, index);
    if (!lua_getmetatable(L, index)) return NULL;
    lua_rawgetp(L, LUA_REGISTRYINDEX, type_key);
    int same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same && block ? *block : NULL;
}

struct metatable_args {
    const void *type_key;
    const char *name;
    comity_release_function release;
};

static int p_new_object_metatable(lua_State *L) {
    struct metatable_args *a = lua_touserdata(L, 1);
    lua_createtable(L, 0, 6);
    lua_pushlightuserdata(L, (void *)(uintptr_t)a->release);
    lua_pushcclosure(L, gc_object, 1);
    lua_setfield(L, -2, "__gc");
    lua_pushstring(L, a->name);
    lua_setfield(L, -2, "__name");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, a->type_key);
    return 1;
}

int comity_new_object_metatable(lua_State *L, const void *type_key, const char *name,
                                comity_release_function release) {
    struct metatable_args a = {type_key, name, release};
    return comity_run_protected(L, p_new_object_metatable, &a, 0, 1);
}

// __index of bridged objects: a field already read is answered from the object's
// cache table in C; anything else goes to the Swift __index (upvalue 1).
static int cached_index(lua_State *L) {
    if (lua_type(L, 1) == LUA_TUSERDATA && lua_getiuservalue(L, 1, 1) == LUA_TTABLE) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, -2) != LUA_TNIL) return 1;
        lua_pop(L, 2);
    } else {
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    return comity_call_at_caller(L, lua_gettop(L) - 1);
}

int comity_call_at_caller(lua_State *L, int nargs) {
    // The called function's own position would name the C metamethod's frame: errors
    // are given the position of the script that indexed instead.
    if (lua_pcall(L, nargs, 1, 0) != LUA_OK) {
        if (lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
        return lua_error(L);
    }
    return 1;
}

// Stack inside: args, function.
static int p_push_cached_index(lua_State *L) {
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, cached_index, 1);
    return 1;
}

int comity_p_push_cached_index(lua_State *L) { return comity_run_protected(L, p_push_cached_index, NULL, 1, 1); }

// Stack inside: args, key, value, object.
static int p_cache_field(lua_State *L) {
    if (lua_getiuservalue(L, 4, 1) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 8);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, 4, 1);
    }
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_rawset(L, -3);
    return 0;
}

int comity_p_cache_field(lua_State *L, int object) {
    object = lua_absindex(L, object);
    if (!lua_checkstack(L, 6)) {
        lua_pop(L, 2);
        comity_set_error(L, "stack overflow", 14);
        return LUA_ERRMEM;
    }
    lua_pushvalue(L, object);
    return comity_run_protected(L, p_cache_field, NULL, 3, 0);
}

void comity_clear_field_cache(lua_State *L, int object) {
    if (lua_type(L, object) != LUA_TUSERDATA || !lua_checkstack(L, 1)) return;
    object = lua_absindex(L, object);
    lua_pushnil(L);
    lua_setiuservalue(L, object, 1);
}

static int p_open_all(lua_State *L) {
    luaL_openlibs(L);
    return 0;
}

int comity_open_all_libraries(lua_State *L) { return comity_run_protected(L, p_open_all, NULL, 0, 0); }

// MARK: - Who called

int comity_caller_source(lua_State *L, char *buffer, size_t capacity) {
    lua_Debug ar;
    if (capacity > 0) buffer[0] = '\0';
    if (!lua_getstack(L, 0, &ar) || !lua_getinfo(L, "t", &ar)) return 0;
    if (ar.istailcall) return -1;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "St", &ar)) return 0;
        if (*ar.what == 'C') {
            if (ar.istailcall) return -1;
            continue;
        }
        if (capacity > 0) snprintf(buffer, capacity, "%s", ar.source ? ar.source : "");
        return 1;
    }
    return 0;
}
