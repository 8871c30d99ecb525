/* The host side of the Lua binding: error objects, handle classes, and the
 * one trampoline that runs a Lua function on whatever thread weft calls it,
 * in a Lua state that thread owns. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lualib.h>

#include "weft_lua.h"

#define ERROR_MT "weft.Error"
#define METHODS "weft.methods"

/* ---- errors ------------------------------------------------------------ */

static int error_tostring(lua_State *L)
{
    lua_getfield(L, 1, "name");
    lua_getfield(L, 1, "message");
    const char *name = lua_tostring(L, -2);
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL || msg[0] == '\0')
        lua_pushstring(L, name != NULL ? name : "weft error");
    else
        lua_pushfstring(L, "%s: %s", name != NULL ? name : "weft error", msg);
    return 1;
}

static void push_error_mt(lua_State *L)
{
    if (luaL_newmetatable(L, ERROR_MT)) {
        lua_pushcfunction(L, error_tostring);
        lua_setfield(L, -2, "__tostring");
    }
}

void weft_lua_push_error(lua_State *L, weft_status code, const char *message)
{
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, code);
    lua_setfield(L, -2, "code");
    lua_pushstring(L, weft_status_name(code));
    lua_setfield(L, -2, "name");
    lua_pushstring(L, message != NULL && message[0] ? message : weft_strerror(code));
    lua_setfield(L, -2, "message");
    lua_pushstring(L, weft_status_exception(code));
    lua_setfield(L, -2, "exception");
    if (code == WEFT_OS) {
        /* OSError.errno, read on the thread that failed, as the message is */
        lua_pushinteger(L, weft_errno());
        lua_setfield(L, -2, "errno");
    }
    push_error_mt(L);
    lua_setmetatable(L, -2);
}

/* core.error(code, message): makes an error object, as the binding raises them. */
static int l_error(lua_State *L)
{
    weft_lua_push_error(L, (weft_status)luaL_checkinteger(L, 1), luaL_optstring(L, 2, NULL));
    return 1;
}

/* If the value at idx is a weft.Error, gives its code and message. */
static bool error_info(lua_State *L, int idx, weft_status *code, const char **msg)
{
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx))
        return false;
    luaL_getmetatable(L, ERROR_MT);
    bool is = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (!is)
        return false;
    lua_getfield(L, idx, "code");
    *code = (weft_status)lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, idx, "message");
    *msg = lua_tostring(L, -1); /* kept alive by the table */
    lua_pop(L, 1);
    return true;
}

/* ---- handle classes ------------------------------------------------------ */

/* The library that holds weft's symbols, to find `weft_<object>_free`. */
static void *weft_lib;

typedef weft_status (*free_fn)(void *h);

/* "weft_lock *" -> "lock" */
static void object_name(const void *type, char *out, size_t n)
{
    const char *s = weft_lua_type_name(type);
    if (strncmp(s, "weft_", 5) == 0)
        s += 5;
    size_t i = 0;
    while (s[i] != '\0' && s[i] != ' ' && s[i] != '*' && i + 1 < n) {
        out[i] = s[i];
        i++;
    }
    out[i] = '\0';
}

static free_fn find_free(const void *type)
{
    char obj[64], sym[96];
    object_name(type, obj, sizeof obj);
    snprintf(sym, sizeof sym, "weft_%s_free", obj);
    return weft_lib != NULL ? (free_fn)dlsym(weft_lib, sym) : NULL;
}

void weft_lua_free_handle(void *ptr, const void *type)
{
    free_fn f = find_free(type);
    if (f != NULL && ptr != NULL)
        f(ptr);
}

static int handle_gc(lua_State *L)
{
    free_fn f = (free_fn)lua_touserdata(L, lua_upvalueindex(1));
    if (weft_lua_handle_owned(L, 1) && f != NULL) {
        void *p = weft_lua_handle_ptr(L, 1);
        weft_lua_handle_disown(L, 1);
        f(p);
    }
    return 0;
}

static int handle_tostring(lua_State *L)
{
    lua_getfield(L, lua_upvalueindex(1), "__name");
    lua_pushfstring(L, "%s: %p%s", lua_tostring(L, -1), weft_lua_handle_ptr(L, 1),
                    weft_lua_handle_ptr(L, 1) == NULL ? " (freed)"
                    : weft_lua_handle_owned(L, 1) ? ""
                                                  : " (borrowed)");
    return 1;
}

/* Pushes the methods table of an object type, creating it. */
static void push_methods(lua_State *L, const char *obj)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, METHODS);
    if (lua_getfield(L, -1, obj) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, obj);
    }
    lua_remove(L, -2);
}

void weft_lua_set_class(lua_State *L, int idx, const void *type, int own)
{
    (void)own;
    idx = lua_absindex(L, idx);
    char obj[64];
    object_name(type, obj, sizeof obj);
    lua_pushfstring(L, "weft.%s", obj);
    const char *key = lua_tostring(L, -1);
    if (luaL_newmetatable(L, key)) {
        lua_pushstring(L, obj);
        lua_setfield(L, -2, "__weft");
        lua_pushlightuserdata(L, (void *)find_free(type));
        lua_pushcclosure(L, handle_gc, 1);
        lua_setfield(L, -2, "__gc");
        lua_pushvalue(L, -1);
        lua_pushcclosure(L, handle_tostring, 1);
        lua_setfield(L, -2, "__tostring");
        push_methods(L, obj);
        lua_setfield(L, -2, "__index");
    }
    lua_setmetatable(L, idx);
    lua_pop(L, 1);
}

int weft_lua_is_class(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx))
        return 0;
    int is = lua_getfield(L, -1, "__weft") == LUA_TSTRING;
    lua_pop(L, 2);
    return is;
}

/* core._free(h): drops the reference the handle owns, at once; a borrowed
 * handle is only detached. Later calls on it give WEFT_EINVAL. */
static int l_free(lua_State *L)
{
    if (!weft_lua_is_class(L, 1))
        return luaL_argerror(L, 1, "weft handle expected");
    if (!lua_getmetatable(L, 1))
        return 0;
    lua_getfield(L, -1, "__gc");
    lua_pushvalue(L, 1);
    lua_call(L, 1, 0);
    weft_lua_handle_disown(L, 1);
    return 0;
}

/* core._owned(h): whether collecting the handle frees it. */
static int l_owned(lua_State *L)
{
    lua_pushboolean(L, weft_lua_is_class(L, 1) && weft_lua_handle_owned(L, 1));
    return 1;
}

/* core._kind(h): "lock", "queue", ... or nil. */
static int l_kind(lua_State *L)
{
    if (!lua_getmetatable(L, 1) || lua_getfield(L, -1, "__weft") != LUA_TSTRING)
        return 0;
    return 1;
}

/* core._anchor(h, v): keeps v alive as long as the handle h (in the handle's
 * user value, a table of anchored values). Returns h. */
static int l_anchor(lua_State *L)
{
    if (!weft_lua_is_class(L, 1))
        return luaL_argerror(L, 1, "weft handle expected");
    if (lua_getiuservalue(L, 1, 1) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, 1, 1);
    }
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_settop(L, 1);
    return 1;
}

/* core._methods(kind): the table handles of that kind index. */
static int l_methods(lua_State *L)
{
    push_methods(L, luaL_checkstring(L, 1));
    return 1;
}

/* core._copy(...): the values copied through the codec, as another state
 * would receive them (new tables, same shape). */
static int l_copy(lua_State *L)
{
    int n = lua_gettop(L);
    void *buf = weft_lua_encode(L, 1, n, NULL);
    /* Our own buffers decode without error short of running out of memory. */
    int r = weft_lua_decode(L, buf);
    weft_lua_value_free(buf);
    return r;
}

/* core.monotonic(): seconds on the monotonic clock, the clock weft's
 * timeouts use (Lua's own os.clock is CPU time, summed over threads). */
static int l_monotonic(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

/* core._size(...): bytes the codec needs for these values. */
static int l_size(lua_State *L)
{
    size_t len;
    void *buf = weft_lua_encode(L, 1, lua_gettop(L), &len);
    weft_lua_value_free(buf);
    lua_pushinteger(L, (lua_Integer)len);
    return 1;
}

/* core._pack(...): the values as one message string, for a connection;
 * core._unpack(s): the values of such a string. */
static int l_pack(lua_State *L)
{
    size_t len;
    void *buf = weft_lua_encode_message(L, 1, lua_gettop(L), &len);
    lua_pushlstring(L, buf, len);
    weft_lua_value_free(buf);
    return 1;
}

static int l_unpack(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    return weft_lua_decode_message(L, s, len);
}

/* ---- arrays ---------------------------------------------------------------- */

/* The strings stay owned by the table, which is on the caller's stack for the
 * whole call; only the vector is ours. NULL-terminated; *n (if given) is the
 * count. */
const char **weft_lua_string_vector(lua_State *L, int idx, size_t *n)
{
    size_t len = (size_t)lua_rawlen(L, idx);
    const char **vec = calloc(len + 1, sizeof *vec);
    if (vec == NULL) {
        luaL_error(L, "weft: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER) {
            free(vec);
            luaL_error(L, "weft: element %d is not a string", (int)i + 1);
            return NULL;
        }
        vec[i] = lua_tostring(L, -1); /* numbers become strings in place */
        lua_pop(L, 1);
    }
    if (n != NULL)
        *n = len;
    return vec;
}

int *weft_lua_int_vector(lua_State *L, int idx, size_t *n)
{
    size_t len = (size_t)lua_rawlen(L, idx);
    int *vec = calloc(len > 0 ? len : 1, sizeof *vec);
    if (vec == NULL) {
        luaL_error(L, "weft: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        int ok = 0;
        lua_Integer v = lua_tointegerx(L, -1, &ok);
        lua_pop(L, 1);
        if (!ok) {
            free(vec);
            luaL_error(L, "weft: element %d is not an integer", (int)i + 1);
            return NULL;
        }
        vec[i] = (int)v;
    }
    *n = len;
    return vec;
}

/* ---- callables ----------------------------------------------------------- */

/* A function with its arguments, as weft.callable(f, ...) makes it: a table
 * {f, args..., n = count} with this metatable. It travels as the function and
 * its arguments side by side, so no wrapper closure is dumped and loaded per
 * call. */
#define CALLABLE_MT "weft.Callable"

static int l_callable(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    int n = lua_gettop(L);
    lua_createtable(L, n, 1);
    for (int i = 1; i <= n; i++) {
        lua_pushvalue(L, i);
        lua_rawseti(L, -2, i);
    }
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "n");
    luaL_setmetatable(L, CALLABLE_MT);
    return 1;
}

int weft_lua_is_callable(lua_State *L, int idx)
{
    if (lua_isfunction(L, idx))
        return 1;
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx))
        return 0;
    luaL_getmetatable(L, CALLABLE_MT);
    int is = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return is;
}

int weft_lua_isnil_or_callable(lua_State *L, int idx)
{
    return lua_isnil(L, idx) || weft_lua_is_callable(L, idx);
}

/* Pushes the function at idx and its arguments; returns how many values. */
int weft_lua_push_callable(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx)) {
        lua_pushvalue(L, idx);
        return 1;
    }
    lua_getfield(L, idx, "n");
    int n = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    luaL_checkstack(L, n, "weft: too many arguments");
    for (int i = 1; i <= n; i++)
        lua_rawgeti(L, idx, i);
    return n;
}

typedef struct task {
    void *fn;    /* the encoded function */
    char *path;  /* package.path and cpath of the state that made it, so the */
    char *cpath; /* worker state finds the same modules */
} task;

static char *dup_field(lua_State *L, const char *field)
{
    lua_getglobal(L, "package");
    char *s = NULL;
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, field);
        const char *v = lua_tostring(L, -1);
        s = v != NULL ? strdup(v) : NULL;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

void *weft_lua_task_new(lua_State *L, int idx)
{
    int top = lua_gettop(L);
    int n = weft_lua_push_callable(L, idx);
    void *fn = weft_lua_encode(L, top + 1, n, NULL);
    lua_settop(L, top);
    task *t = calloc(1, sizeof *t);
    if (t == NULL) {
        weft_lua_value_free(fn);
        luaL_error(L, "weft: out of memory");
        return NULL;
    }
    t->fn = fn;
    t->path = dup_field(L, "path");
    t->cpath = dup_field(L, "cpath");
    return t;
}

void weft_lua_task_free(void *arg)
{
    task *t = arg;
    if (t == NULL)
        return;
    weft_lua_value_free(t->fn);
    free(t->path);
    free(t->cpath);
    free(t);
}

/* Each OS thread that runs Lua callables gets one Lua state, made on first
 * use and closed when the thread exits. Callables that run on one thread share
 * its state, so globals one sets are seen by the next (as on a Lanes lane). */
static pthread_key_t worker_key;
static pthread_once_t worker_once = PTHREAD_ONCE_INIT;
static __thread lua_State *worker_L;

static void worker_close(void *p)
{
    worker_L = NULL;
    lua_close((lua_State *)p);
}

static void worker_key_init(void)
{
    (void)pthread_key_create(&worker_key, worker_close);
}

static int worker_setup(lua_State *L)
{
    task *t = lua_touserdata(L, 1);
    luaL_openlibs(L);
    lua_getglobal(L, "package");
    if (t->path != NULL) {
        lua_pushstring(L, t->path);
        lua_setfield(L, -2, "path");
    }
    if (t->cpath != NULL) {
        lua_pushstring(L, t->cpath);
        lua_setfield(L, -2, "cpath");
    }
    lua_pop(L, 1);
    /* The idiomatic layer gives handles their methods in this state too. */
    lua_getglobal(L, "require");
    lua_pushstring(L, "weft");
    lua_call(L, 1, 0);
    return 0;
}

static lua_State *worker_state(task *t, weft_outcome *o)
{
    if (worker_L != NULL)
        return worker_L;
    pthread_once(&worker_once, worker_key_init);
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        weft_outcome_set_error(o, WEFT_NOMEM, "weft: cannot create a Lua state", NULL, NULL);
        return NULL;
    }
    lua_pushcfunction(L, worker_setup);
    lua_pushlightuserdata(L, t);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        weft_outcome_set_error(o, WEFT_RUNTIME, lua_tostring(L, -1), NULL, NULL);
        lua_close(L);
        return NULL;
    }
    worker_L = L;
    pthread_setspecific(worker_key, L);
    return L;
}

/* Decodes the function, calls it and encodes what it returns; runs under
 * lua_pcall so any error ends up as the callable's failure. */
static int run_task(lua_State *L)
{
    task *t = lua_touserdata(L, 1);
    weft_outcome *o = lua_touserdata(L, 2);
    int base = lua_gettop(L);
    int n_in = weft_lua_decode(L, t->fn); /* the function, then its arguments */
    lua_call(L, n_in - 1, LUA_MULTRET);
    int n = lua_gettop(L) - base;
    /* A handle the task made and returns lives on in the buffer's own
     * reference after this state collects its userdata. */
    void *buf = weft_lua_encode(L, base + 1, n, NULL);
    if (weft_outcome_set_value(o, buf, weft_lua_value_free) != WEFT_OK)
        weft_lua_value_free(buf);
    return 0;
}

/* Turns the error value at the top into the outcome's failure: a weft.Error
 * keeps its status, anything else is WEFT_FAILED with tostring() as message;
 * the payload is the error value itself, encoded when it can be. */
static int report_error(lua_State *L)
{
    weft_outcome *o = lua_touserdata(L, 1);
    int err = 2;
    weft_status code = WEFT_FAILED;
    const char *msg = NULL;
    if (!error_info(L, err, &code, &msg))
        msg = luaL_tolstring(L, err, NULL);
    void *payload = weft_lua_encode(L, err, 1, NULL);
    if (weft_outcome_set_error(o, code, msg, payload, weft_lua_value_free) != WEFT_OK)
        weft_lua_value_free(payload);
    return 0;
}

/* Calls the function below its `nargs` arguments in protected mode; an error
 * becomes the outcome's failure (report_error), or, when even that fails
 * (the error value cannot be copied), a failure with the error as text. */
static void call_reporting(lua_State *L, int nargs, weft_outcome *outcome)
{
    if (lua_pcall(L, nargs, 0, 0) == LUA_OK)
        return;
    int err = lua_gettop(L);
    lua_pushcfunction(L, report_error);
    lua_pushlightuserdata(L, outcome);
    lua_pushvalue(L, err);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        const char *m = lua_tostring(L, err);
        weft_outcome_set_error(outcome, WEFT_FAILED, m != NULL ? m : "error in a Lua callable", NULL, NULL);
    }
}

void weft_lua_trampoline(void *arg, weft_outcome *outcome)
{
    task *t = arg;
    lua_State *L = worker_state(t, outcome);
    if (L == NULL)
        return;
    int top = lua_gettop(L);
    lua_pushcfunction(L, run_task);
    lua_pushlightuserdata(L, t);
    lua_pushlightuserdata(L, outcome);
    call_reporting(L, 2, outcome);
    lua_settop(L, top);
}

/* The results of a direct call stay Lua values: they wait in a registry
 * stack until the binding hands them back, so the caller gets the very
 * tables its function returned, not copies. The outcome carries a marker. */
static char direct_marker;
#define DIRECT_STACK "weft.direct.results"

static int run_direct(lua_State *L)
{
    weft_outcome *o = lua_touserdata(L, 1);
    const int base = 1; /* the outcome; the function and arguments above it become its results */
    lua_call(L, lua_gettop(L) - 2, LUA_MULTRET);
    int n = lua_gettop(L) - base;
    lua_createtable(L, n, 1);
    lua_insert(L, base + 1);
    for (int i = n; i >= 1; i--)
        lua_rawseti(L, base + 1, i);
    lua_pushinteger(L, n);
    lua_setfield(L, base + 1, "n");
    luaL_getsubtable(L, LUA_REGISTRYINDEX, DIRECT_STACK);
    lua_pushvalue(L, base + 1);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    weft_outcome_set_value(o, &direct_marker, NULL);
    return 0;
}

void weft_lua_direct_trampoline(void *arg, weft_outcome *outcome)
{
    weft_lua_direct *d = arg;
    lua_State *L = d->L;
    int top = lua_gettop(L);
    /* d->index is a slot of the binding's frame, which is L's current one. */
    lua_pushcfunction(L, run_direct);
    lua_pushlightuserdata(L, outcome);
    int n = weft_lua_push_callable(L, d->index);
    call_reporting(L, 1 + n, outcome);
    lua_settop(L, top);
}

bool weft_lua_is_direct_marker(const void *value)
{
    return value == &direct_marker;
}

/* Pushes the results a direct call left on the stack; returns how many. */
int weft_lua_push_direct_results(lua_State *L)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, DIRECT_STACK);
    lua_Integer top = (lua_Integer)lua_rawlen(L, -1);
    if (top == 0) {
        lua_pop(L, 1);
        return 0;
    }
    lua_rawgeti(L, -1, top);
    lua_pushnil(L);
    lua_rawseti(L, -3, top);
    lua_remove(L, -2);
    lua_getfield(L, -1, "n");
    int n = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    luaL_checkstack(L, n, "weft: too many results");
    int t = lua_gettop(L);
    for (int i = 1; i <= n; i++)
        lua_rawgeti(L, t, i);
    lua_remove(L, t);
    return n;
}

int weft_lua_pred_call(void *arg)
{
    weft_lua_pred *p = arg;
    if (p->failed)
        return 1;
    lua_State *L = p->L;
    lua_pushvalue(L, p->index);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
        p->failed = true;
        p->error = lua_gettop(L);
        return 1;
    }
    int r = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return r;
}

/* ---- module set-up --------------------------------------------------------- */

static void find_weft_lib(void)
{
    Dl_info info;
    if (dladdr((void *)weft_version, &info) && info.dli_fname != NULL)
        weft_lib = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    /* Threads run this module's trampoline after the state that loaded it
     * may have closed (a script that ends while its threads still run):
     * Lua would unload the module with that state, so keep it for good. */
    if (dladdr((void *)weft_lua_trampoline, &info) && info.dli_fname != NULL)
        (void)dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
}

void weft_lua_init(lua_State *L)
{
    /* Worker states load the module on their own threads, maybe at once. */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, find_weft_lib);
    push_error_mt(L);
    lua_pop(L, 1);
    if (luaL_newmetatable(L, CALLABLE_MT)) {
        lua_pushstring(L, CALLABLE_MT);
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    static const luaL_Reg extra[] = {
        {"error", l_error},     {"_free", l_free},   {"_owned", l_owned},     {"_kind", l_kind},
        {"_methods", l_methods}, {"_copy", l_copy},   {"_anchor", l_anchor},   {"_size", l_size},
        {"monotonic", l_monotonic}, {"callable", l_callable}, {"_pack", l_pack}, {"_unpack", l_unpack},
        {NULL, NULL},
    };
    for (const luaL_Reg *r = extra; r->name != NULL; r++) {
        lua_pushstring(L, r->name);
        lua_pushcfunction(L, r->func);
        lua_rawset(L, -3);
    }
    luaL_getmetatable(L, ERROR_MT);
    lua_pushstring(L, "Error");
    lua_insert(L, -2);
    lua_rawset(L, -3);
}

/* `require "weft.core"` opens the SWIG module under its dotted name. */
int luaopen_weft(lua_State *L);
int luaopen_weft_core(lua_State *L);
int luaopen_weft_core(lua_State *L)
{
    return luaopen_weft(L);
}
