// What a failed pcall keeps: nothing it wrote, as a PL/pgSQL block with an EXCEPTION
// clause rolls back to its savepoint.
//
// Savepoints are lazy. A pcall or xpcall frame costs a slot in an array here and no
// call to the host, so pure-Lua pcall runs at the speed of plain Lua. Only when the
// host is about to write (comity_scopes_before_write) do the frames that write is
// inside get savepoints, outermost first; a frame that returns with an error rolls
// back to its savepoint, one that returns normally releases it.
//
// Coroutines break strict nesting: a frame of a coroutine that yields stays open while
// other code runs and writes. The frames a write is inside are those of the running
// thread and of the threads that resumed it (status "normal": lua_status is LUA_OK);
// a frame of a suspended coroutine that already has a savepoint is marked tainted by
// such a write, as rolling back to its savepoint would undo that write too. A tainted
// frame that fails cannot be undone exactly, so the run is failed (an error pcall
// cannot catch, like a limit): never half kept.
//
// Savepoints are a stack (SQLite's, PostgreSQL's): ending one ends those above it.
// A frame that succeeds while a live savepoint is above its own (a coroutine's frame,
// opened later, still suspended; the host's ctx.once) leaves its own in place as an
// orphan, released or rolled back later with whatever is below it. A rollback destroys
// the savepoints above: their frames' writes were all made after it, so all undone,
// and those frames get a new savepoint at their next write.
#include "comity_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static comity_savepoint_function savepoint_function;

void comity_set_savepoint_function(comity_savepoint_function function) { savepoint_function = function; }

void comity_scopes_enable(lua_State *L, int enabled) { HOST(L)->scopes.enabled = enabled && savepoint_function != NULL; }

int comity_scopes_open_frames(lua_State *L) { return HOST(L)->scopes.count; }
int comity_scopes_depth(lua_State *L) { return HOST(L)->scopes.depth; }

void comity_scopes_free(comity_host *h) {
    free(h->scopes.frames);
    free(h->scopes.owners);
    free(h->scopes.chain);
}

// Grows `*array` to hold one more item, its bytes counted against the memory cap.
static int grow(lua_State *L, void **array, int *capacity, size_t item) {
    int next = *capacity < 16 ? 16 : *capacity * 2;
    size_t added = (size_t)(next - *capacity) * item;
    if (!comity_host_charge(L, added)) return 0;
    void *grown = realloc(*array, (size_t)next * item);
    if (grown == NULL) {
        comity_host_release(L, added);
        comity_host_trip(HOST(L), COMITY_LIMIT_MEMORY);
        return 0;
    }
    *array = grown;
    *capacity = next;
    return 1;
}

// MARK: - Failing the run

// Ends the run: pcall cannot catch it (each hooked instruction raises it again, as a
// limit's). The text is what the run's error says.
static int fail_run(lua_State *L, const char *text) {
    char message[768];
    snprintf(message, sizeof message, "%s; the run is failed rather than keep half of what the pcall wrote", text);
    comity_set_limit_message(L, COMITY_LIMIT_SAVEPOINT, message);
    comity_host_trip(HOST(L), COMITY_LIMIT_SAVEPOINT);
    comity_set_error(L, message, strlen(message));
    return LUA_ERRRUN;
}

// The host's own text for its last failure, quoted into ours.
static void host_failure(lua_State *L, char *buffer, size_t capacity, const char *what) {
    const char *reason = comity_error_text(L);
    snprintf(buffer, capacity, "%s (%s)", what, reason[0] ? reason : "no reason given");
}

// MARK: - The savepoint stack

static void forget_above(comity_scopes *s, int depth, int undone) {
    s->depth = depth;
    for (int i = 0; i < s->count; i++) {
        comity_scope *f = &s->frames[i];
        if (f->level <= depth) continue;
        f->level = 0;
        // Kept (merged into the savepoint below): those writes can no longer be
        // undone apart from the rest.
        if (!undone) f->tainted = 1;
    }
}

static int open_savepoint(lua_State *L, comity_scopes *s, int owner) {
    if (s->depth == s->owners_capacity && !grow(L, (void **)&s->owners, &s->owners_capacity, sizeof(int))) {
        return fail_run(L, "cannot open a savepoint for a write inside pcall (out of memory)");
    }
    if (savepoint_function(L, COMITY_SAVEPOINT_OPEN, s->depth + 1) != 0) {
        char text[512];
        host_failure(L, text, sizeof text, "cannot open a savepoint for a write inside pcall");
        return fail_run(L, text);
    }
    s->owners[s->depth++] = owner;
    return LUA_OK;
}

static int live_above(comity_scopes *s, int level) {
    for (int i = level; i < s->depth; i++) {
        if (s->owners[i] != COMITY_SAVEPOINT_ORPHAN) return 1;
    }
    return 0;
}

static int host_above(comity_scopes *s, int level) {
    for (int i = level; i < s->depth; i++) {
        if (s->owners[i] == COMITY_SAVEPOINT_HOST) return 1;
    }
    return 0;
}

// A frame that ended without an error: its writes join the part around it.
static int keep_savepoint(lua_State *L, comity_scopes *s, int level) {
    if (live_above(s, level)) {
        s->owners[level - 1] = COMITY_SAVEPOINT_ORPHAN;
        return LUA_OK;
    }
    if (savepoint_function(L, COMITY_SAVEPOINT_RELEASE, level) != 0) {
        char text[512];
        host_failure(L, text, sizeof text, "cannot release the savepoint of a pcall");
        return fail_run(L, text);
    }
    forget_above(s, level - 1, 0);
    return LUA_OK;
}

// MARK: - Frames

void comity_scope_enter_growing(lua_State *L) {
    comity_scopes *s = &HOST(L)->scopes;
    if (!grow(L, (void **)&s->frames, &s->capacity, sizeof(comity_scope))) comity_raise_limit(L, COMITY_LIMIT_MEMORY, 1);
    comity_scope_enter(L);
}

static void remove_frame(comity_scopes *s, int index) {
    memmove(&s->frames[index], &s->frames[index + 1], (size_t)(s->count - index - 1) * sizeof(comity_scope));
    s->count--;
}

void comity_scope_leave_slow(lua_State *L, int failed) {
    comity_host *h = HOST(L);
    comity_scopes *s = &h->scopes;
    int index = s->count - 1;
    while (index >= 0 && s->frames[index].thread != L) index--;
    if (index < 0) return; // none: cannot happen (a closed coroutine's frames never return)
    comity_scope f = s->frames[index];
    remove_frame(s, index);
    if (f.level == 0 && !f.tainted) return; // wrote nothing: the usual case, and free
    // A limit fails the run whatever pcall does: the whole transaction rolls back.
    if (atomic_load(&h->limit_hit) != COMITY_LIMIT_NONE) return;
    int status = LUA_OK;
    if (!failed) {
        if (f.level > 0) status = keep_savepoint(L, s, f.level);
    } else if (f.tainted) {
        status = fail_run(L, "pcall caught an error, but what it wrote cannot be undone alone: other code wrote "
                             "while it was suspended in a coroutine (or its savepoint was merged into ctx.once's), "
                             "and rolling back would undo that too");
    } else if (host_above(s, f.level)) {
        status = fail_run(L, "pcall caught an error, but what it wrote cannot be undone alone: ctx.once, "
                             "begun after it, is still running");
    } else if (savepoint_function(L, COMITY_SAVEPOINT_ROLLBACK, f.level) != 0) {
        char text[512];
        host_failure(L, text, sizeof text, "pcall caught an error, but the database could not undo what it wrote");
        status = fail_run(L, text);
    } else {
        forget_above(s, f.level - 1, 1);
    }
    if (status != LUA_OK) comity_raise_limit(L, COMITY_LIMIT_SAVEPOINT, 1);
}

static int chain_position(comity_scopes *s, lua_State *thread) {
    for (int i = 0; i < s->chain_count; i++) {
        if (s->chain[i] == thread) return i + 1;
    }
    return 0; // the thread the host called into
}

int comity_scopes_before_write(lua_State *L) {
    comity_host *h = HOST(L);
    comity_scopes *s = &h->scopes;
    if (!s->enabled || s->count == 0) return LUA_OK;
    if (atomic_load(&h->limit_hit) != COMITY_LIMIT_NONE) return LUA_OK;
    int missing = 0;
    for (int i = 0; i < s->count; i++) {
        comity_scope *f = &s->frames[i];
        int inside = lua_status(f->thread) == LUA_OK; // running, or resumed what runs
        if (f->level > 0 && !inside) f->tainted = 1;
        if (f->level == 0 && inside) missing = 1;
    }
    if (!missing) return LUA_OK;
    // Outermost first: the thread at the chain's base, then each it resumed; within
    // one thread, in the order the frames opened.
    for (int position = 0; position <= s->chain_count; position++) {
        for (int i = 0; i < s->count; i++) {
            comity_scope *f = &s->frames[i];
            if (f->level != 0 || lua_status(f->thread) != LUA_OK || chain_position(s, f->thread) != position) continue;
            int status = open_savepoint(L, s, COMITY_SAVEPOINT_FRAME);
            if (status != LUA_OK) return status;
            f->level = s->depth;
        }
    }
    return LUA_OK;
}

// MARK: - The host's own savepoints

int comity_scopes_push_host(lua_State *L) {
    comity_scopes *s = &HOST(L)->scopes;
    if (!s->enabled) return 0;
    if (comity_scopes_before_write(L) != LUA_OK) return -1;
    if (s->depth == s->owners_capacity && !grow(L, (void **)&s->owners, &s->owners_capacity, sizeof(int))) {
        fail_run(L, "cannot note ctx.once's savepoint (out of memory)");
        return -1;
    }
    s->owners[s->depth++] = COMITY_SAVEPOINT_HOST;
    return s->depth;
}

void comity_scopes_pop_host(lua_State *L, int level, int undone) {
    comity_scopes *s = &HOST(L)->scopes;
    if (level <= 0 || level > s->depth) return;
    forget_above(s, level - 1, undone);
}

void comity_scopes_end_transaction(lua_State *L, int undone) {
    comity_scopes *s = &HOST(L)->scopes;
    forget_above(s, 0, undone);
}

// MARK: - Coroutines

int comity_chain_push(lua_State *L, lua_State *co) {
    comity_scopes *s = &HOST(L)->scopes;
    if (s->chain_count == s->chain_capacity && !grow(L, (void **)&s->chain, &s->chain_capacity, sizeof(lua_State *))) {
        return 0;
    }
    s->chain[s->chain_count++] = co;
    return 1;
}

void comity_chain_pop(lua_State *L, lua_State *co) {
    comity_scopes *s = &HOST(L)->scopes;
    if (s->chain_count > 0 && s->chain[s->chain_count - 1] == co) s->chain_count--;
}

static const char ANCHORS_KEY = 0;

// Keeps `co` alive (anchored != 0) or lets it go: a frame points at its thread.
static void anchor(lua_State *L, lua_State *co, int keep) {
    comity_scopes *s = &HOST(L)->scopes;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &ANCHORS_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        if (!keep) return;
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &ANCHORS_KEY);
    }
    int present = lua_rawgetp(L, -1, co) != LUA_TNIL;
    lua_pop(L, 1);
    if (keep && !present) {
        if (!lua_checkstack(co, 1)) {
            comity_host_trip(HOST(L), COMITY_LIMIT_MEMORY);
            comity_raise_limit(L, COMITY_LIMIT_MEMORY, 1);
        }
        lua_pushthread(co);
        lua_xmove(co, L, 1);
        lua_rawsetp(L, -2, co);
        s->anchored++;
    } else if (!keep && present) {
        lua_pushnil(L);
        lua_rawsetp(L, -2, co);
        s->anchored--;
    }
    lua_pop(L, 1);
}

void comity_scopes_abandon(lua_State *L, lua_State *co) {
    comity_host *h = HOST(L);
    comity_scopes *s = &h->scopes;
    for (int i = s->count - 1; i >= 0; i--) {
        if (s->frames[i].thread != co) continue;
        comity_scope f = s->frames[i];
        remove_frame(s, i);
        if (f.level > 0 && atomic_load(&h->limit_hit) == COMITY_LIMIT_NONE && keep_savepoint(L, s, f.level) != LUA_OK) {
            comity_raise_limit(L, COMITY_LIMIT_SAVEPOINT, 1);
        }
    }
    if (s->anchored > 0) anchor(L, co, 0);
}

void comity_scopes_after_resume(lua_State *L, lua_State *co, int status) {
    (void)status; // the thread's own status says more: a refused resume leaves it as it was
    comity_scopes *s = &HOST(L)->scopes;
    if (s->count == 0 && s->anchored == 0) return;
    int now = lua_status(co);
    if (now == LUA_YIELD) {
        int inside = 0;
        for (int i = s->count - 1; i >= 0 && !inside; i--) inside = s->frames[i].thread == co;
        if (inside || s->anchored > 0) anchor(L, co, inside);
    } else if (now != LUA_OK) {
        comity_scopes_abandon(L, co); // failed: dead, whatever it held
    } else if (s->anchored > 0) {
        lua_Debug ar;
        if (!lua_getstack(co, 0, &ar)) anchor(L, co, 0); // returned: no frame of it is open
    }
}
