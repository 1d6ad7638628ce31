// What Swift cannot import from Lua (function-like macros) and what must not be
// written in Swift: the call trampoline (the only place that raises a Lua error on
// behalf of Swift), protected versions of allocating API calls, the capped
// allocator, the limit hooks and the sandbox's C functions.
#ifndef COMITY_SHIM_H
#define COMITY_SHIM_H

#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>
#include <stddef.h>
#include <stdint.h>

// MARK: - Macros as functions

static inline int comity_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int comity_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int comity_multret(void) { return LUA_MULTRET; }
static inline void comity_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline int comity_isnoneornil(lua_State *L, int i) { return lua_isnoneornil(L, i); }
static inline void comity_insert(lua_State *L, int i) { lua_insert(L, i); }
static inline void comity_remove(lua_State *L, int i) { lua_remove(L, i); }
static inline void comity_replace(lua_State *L, int i) { lua_replace(L, i); }
static inline lua_Integer comity_tointegerx(lua_State *L, int i, int *isnum) { return lua_tointegerx(L, i, isnum); }
static inline lua_Number comity_tonumberx(lua_State *L, int i, int *isnum) { return lua_tonumberx(L, i, isnum); }
/// The string at `i` without conversion: NULL unless the value is a string.
static inline const char *comity_tolstring_raw(lua_State *L, int i, size_t *len) {
    return lua_type(L, i) == LUA_TSTRING ? lua_tolstring(L, i, len) : NULL;
}

// MARK: - States and limits

typedef enum {
    COMITY_LIMIT_NONE = 0,
    COMITY_LIMIT_MEMORY = 1,
    COMITY_LIMIT_TIME = 2,
    COMITY_LIMIT_INSTRUCTIONS = 3,
    COMITY_LIMIT_OUTPUT = 4,
    /// Not a limit of the script's: its host stopped it (a daemon shutting down).
    COMITY_LIMIT_CANCELLED = 5,
    /// Not a limit either: what a failed pcall wrote could not be undone exactly
    /// (see comity_set_savepoint_function), so the run ends rather than keep half.
    COMITY_LIMIT_SAVEPOINT = 6,
} comity_limit;

typedef struct comity_host comity_host;

/// A new state whose allocator counts bytes and refuses to pass `memory_limit`
/// (0: no cap). Its host block is freed by `comity_close`. NULL when out of memory.
lua_State *comity_newstate(size_t memory_limit);
void comity_close(lua_State *L);
comity_host *comity_host_of(lua_State *L);

size_t comity_memory_used(lua_State *L);
size_t comity_memory_peak(lua_State *L);
/// How many allocations the cap has refused (some are retried after a collection).
unsigned long comity_memory_refusals(lua_State *L);
void comity_set_memory_limit(lua_State *L, size_t limit);
/// Counts instructions across every coroutine of the state (0: no limit). Arming a
/// count hook slows pure-Lua code, so it is only armed when a limit is set.
void comity_set_instruction_limit(lua_State *L, long long limit);
long long comity_instructions_used(lua_State *L);
/// The text raised when limit `kind` is hit ("time limit exceeded (10s)").
void comity_set_limit_message(lua_State *L, int kind, const char *message);
/// The text set for limit `kind` ("" when none).
const char *comity_limit_message(lua_State *L, int kind);
/// Which limit has been hit, or COMITY_LIMIT_NONE.
int comity_limit_hit(lua_State *L);
/// Marks a limit as hit so the running code stops at its next instruction. On the
/// thread that runs the state it arms the hook itself; from another thread (the
/// deadline's timer, a cancellation) it never touches the state: it sends SIGURG to
/// the thread running it, whose handler arms the hook there, as Lua allows
/// (`lua_sethook` from a signal handler, as lua.c does for Ctrl-C).
void comity_host_trip(comity_host *h, int kind);

// MARK: - Calling Swift

/// A Swift function called through the trampoline. Returns the number of results
/// (>= 0), or one of the COMITY_RAISE_* codes; it never raises itself.
typedef int (*comity_swift_function)(lua_State *L, void *context);
enum {
    /// The message given to `comity_set_error` is raised, with the caller's position.
    COMITY_RAISE_MESSAGE = -1,
    /// The value on top of the stack is raised as it is.
    COMITY_RAISE_VALUE = -2,
    /// The message given to `comity_set_error` is raised as it is (it already says
    /// where it comes from).
    COMITY_RAISE_PLAIN = -3,
};
/// Keeps an error message for the trampoline to raise once Swift has returned.
void comity_set_error(lua_State *L, const char *message, size_t length);
/// The text kept by `comity_set_error` or by a failed protected operation.
const char *comity_error_text(lua_State *L);
/// An opaque pointer the embedder keeps with the state (the Swift object).
void comity_set_owner(lua_State *L, void *owner);
void *comity_owner(lua_State *L);
/// Pushes a description of the error object at `index`: a string as it is, else its
/// __tostring, else "error object is a X value". Protected.
int comity_p_describe_error(lua_State *L, int index);
/// Sets the one Swift function every trampoline calls (once, before any push).
void comity_set_swift_entry(comity_swift_function entry);
/// Pushes a C closure that calls the Swift entry with `context`. Protected.
int comity_push_swift_function(lua_State *L, void *context);
/// A full garbage collection (finalizers run). Protected.
int comity_collect_garbage(lua_State *L);
/// Sets the Swift entry of the functions `comity_push_owned_swift_function` pushes.
void comity_set_swift_owned_entry(comity_swift_function entry);

// MARK: - Protected operations (a status; on failure the error object is on top)

int comity_p_pushlstring(lua_State *L, const char *s, size_t len);
int comity_p_createtable(lua_State *L, int narr, int nrec);
/// t[k] = v without metamethods, where t is at `index`, k and v on top (popped).
int comity_p_rawset(lua_State *L, int index);
/// t[n] = v without metamethods, where t is at `index`, v on top (popped).
int comity_p_rawseti(lua_State *L, int index, lua_Integer n);
/// A full userdata of `size` bytes; its address in `*block`.
int comity_p_newuserdata(lua_State *L, size_t size, void **block);
/// luaL_ref into the registry; the reference in `*ref`.
int comity_p_ref(lua_State *L, int *ref);
/// luaL_tolstring (honours __tostring and __name); the string is pushed.
int comity_p_tolstring(lua_State *L, int index);
/// The type name of the value at `index` as Lua's own argument errors give it: the
/// metatable's `__name` when it has one (`Grant`), else `lua_typename`. Written into
/// `buffer`. Protected; never raises.
void comity_type_name(lua_State *L, int index, char *buffer, size_t capacity);
/// Loads a text chunk (never binary) whose _ENV is the state's global table.
int comity_load_text(lua_State *L, const char *chunk, size_t len, const char *chunkname);
/// What Lua's parser says when nesting exhausts its C levels (LUAI_MAXCCALLS, 200 in
/// Debian's build): raised as a runtime error, so with no position.
#define COMITY_PARSER_DEPTH_MESSAGE "C stack overflow"
/// What comity says instead, after `chunk:line: `.
#define COMITY_PARSER_DEPTH_TEXT "nested too deeply (Lua's parser allows about 200 levels of tables, functions, blocks, brackets and operators together); split the nesting up"
/// The line of `text` at which loading it gives COMITY_PARSER_DEPTH_MESSAGE (found by
/// loading prefixes). Leaves the stack as it was.
int comity_parser_depth_line(lua_State *L, const char *text, size_t len, const char *chunkname);
/// Calls the function below `nargs` arguments under protection. On error the
/// error object is on top, and the traceback and first script position are kept
/// for `comity_last_traceback` / `comity_last_position`.
int comity_pcall_traced(lua_State *L, int nargs, int nresults);
/// The traceback of the last error caught by `comity_pcall_traced` (may be "").
const char *comity_last_traceback(lua_State *L);
/// "chunk:line" of the innermost script frame of that error (may be "").
const char *comity_last_position(lua_State *L);

// MARK: - Who called

/// The source (`@Plugins/greet/init.lua`) of the nearest Lua function below the
/// running C function on this thread's stack, written into `buffer`: 1 when found,
/// 0 when no Lua function is below it here (a coroutine's body), -1 when a tail call
/// has erased who called.
int comity_caller_source(lua_State *L, char *buffer, size_t capacity);

// MARK: - Userdata for Swift objects

/// Called by the userdata's __gc with the pointer kept in its block.
typedef void (*comity_release_function)(void *object);
/// Pushes a full userdata holding `object` with the metatable at `metatable`
/// (an absolute index). Protected.
int comity_push_object(lua_State *L, void *object, int metatable);
/// The object of a userdata made by `comity_push_object` whose metatable is the one
/// stored under `type_key` in the registry, else NULL. Never raises.
void *comity_to_object(lua_State *L, int index, const void *type_key);
/// Creates the metatable for a bridged type, stored in the registry under `type_key`,
/// with __gc calling `release` and __name `name`; left on the stack. Protected.
int comity_new_object_metatable(lua_State *L, const void *type_key, const char *name, comity_release_function release);
/// Pushes a C closure that calls the owned Swift entry with `context`, which a full
/// userdata (its upvalue) holds: `release(context)` is called when Lua collects it,
/// unless the host has emptied the block first (`**block = NULL`, then releasing the
/// context itself). An emptied function returns nothing when called. `*block` gets the
/// block, NULL on failure. Protected.
int comity_push_owned_swift_function(lua_State *L, void *context, comity_release_function release, void ***block);

/// Replaces the function on top with a C `__index` that answers from the object's
/// field cache first and calls that function otherwise. Protected.
int comity_p_push_cached_index(lua_State *L);
/// Caches `object[key] = value` (key and value on top, popped) for the C `__index`.
/// Protected.
int comity_p_cache_field(lua_State *L, int object);
/// Forgets an object's cached fields (after it changed). Never raises.
void comity_clear_field_cache(lua_State *L, int object);

// MARK: - What a failed pcall keeps

/// The host's savepoints, asked for by pcall frames: open savepoint `level` (1 the
/// outermost), release it, or roll back to it and release it; each ends every level
/// above it too. Returns 0, or nonzero with a message given to comity_set_error.
typedef enum {
    COMITY_SAVEPOINT_OPEN = 0,
    COMITY_SAVEPOINT_RELEASE = 1,
    COMITY_SAVEPOINT_ROLLBACK = 2,
} comity_savepoint_operation;
typedef int (*comity_savepoint_function)(lua_State *L, int operation, int level);
/// Sets the one function every state asks (once, before any state enables it).
void comity_set_savepoint_function(comity_savepoint_function function);
/// Whether pcall frames of this state ask for savepoints at all (off: bookkeeping
/// only, no call ever made).
void comity_scopes_enable(lua_State *L, int enabled);
/// Called before the host writes on behalf of the running code of L: every open
/// frame the write is inside gets a savepoint if it has none (outermost first), and
/// frames of suspended coroutines that have one are marked as unable to roll back.
/// LUA_OK, or an error (the run is failed: COMITY_LIMIT_SAVEPOINT is tripped) whose
/// text is in comity_error_text.
int comity_scopes_before_write(lua_State *L);
/// The host opens a savepoint of its own around code that may write (ctx.once): a
/// level frames keep above or below, never release or roll back past. Returns the
/// level (after making every open frame's savepoint first), 0 when savepoints are
/// off, or -1 on error as above.
int comity_scopes_push_host(lua_State *L);
/// The host's savepoint at `level` has ended: `undone` when it rolled back. Levels
/// above it are gone with it; frames whose savepoint was there lose it.
void comity_scopes_pop_host(lua_State *L, int level, int undone);
/// Every savepoint has ended with the host's transaction (a REPL statement): frames
/// still open (in suspended coroutines) lose theirs; `undone` when it rolled back.
void comity_scopes_end_transaction(lua_State *L, int undone);
/// How many pcall frames are open now, and how many savepoints (for tests).
int comity_scopes_open_frames(lua_State *L);
int comity_scopes_depth(lua_State *L);

// MARK: - Sandbox

/// Replaces the global table with the sandbox: whitelisted base functions and
/// read-only copies of string (without dump), table, math, utf8, coroutine and
/// the safe part of os. `math.random` is seeded with `seed1`, `seed2`. Protected.
int comity_open_sandbox(lua_State *L, lua_Integer seed1, lua_Integer seed2);
/// Replaces the global table `name` with a read-only proxy of it (as the sandbox does
/// for `string`, `table`, `math`): assigning a field raises; `pairs` still lists it.
int comity_readonly_global(lua_State *L, const char *name);
/// Replaces the table on top with a read-only proxy of it, named `name` in errors.
int comity_p_readonly(lua_State *L, const char *name);
/// Replaces the table on top with a read-only proxy whose fields only code of `owner`
/// may read (`Plugins/NAME/` for a plugin's chunks, "" for the workspace's: any chunk
/// not named `Plugins/...`); others get an error naming the owner.
int comity_p_guarded_readonly(lua_State *L, const char *name, const char *owner);
/// The same, but the owner's code may also write to the table through it (a plugin's `_G`).
int comity_p_guarded_view(lua_State *L, const char *name, const char *owner);
/// Replaces the table on top with a shallow copy of it (raw: no metamethods).
int comity_p_copy_table(lua_State *L);
/// Replaces `load` and an environment table on top with a `load` whose chunks run in
/// that environment unless one is given, and whose chunk names start with `prefix`.
int comity_p_push_load_in_environment(lua_State *L, const char *prefix);
/// Replaces the coroutine library on top with one whose `resume` and `close` accept
/// only the coroutines its own `create` made (a plugin's).
int comity_p_owned_coroutines(lua_State *L);
/// Opens every standard library, as `luaL_openlibs` does (for trusted use and
/// for baselines). Protected.
int comity_open_all_libraries(lua_State *L);

// MARK: - Work the host does for a script

/// Counts `bytes` the host holds for the script (a file read, a copy of a table)
/// against the state's memory cap, as if Lua held them: 1 when they fit, else 0 and
/// the memory limit is tripped. Give them back with `comity_host_release`.
int comity_host_charge(lua_State *L, size_t bytes);
void comity_host_release(lua_State *L, size_t bytes);
/// Decodes JSON text into a Lua value, pushed; built in Lua's memory and checking the
/// run's limits as it goes. On failure nothing is pushed and the message
/// ("not JSON (... at line L, column C)", or a limit's) is in `comity_error_text`.
int comity_json_decode(lua_State *L, const char *text, size_t len);

#endif
