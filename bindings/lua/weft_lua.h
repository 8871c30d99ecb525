/* The C side of weft's Lua binding: the value codec that copies Lua values
 * between states, the callable trampoline with its per-thread Lua states, the
 * error objects and the handle classes. The SWIG typemaps in weft_lua.i call
 * these; nothing here is part of libweft. */
#ifndef WEFT_LUA_H
#define WEFT_LUA_H

#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>

#include "weft.h"

/* ---- errors ------------------------------------------------------------ */

/* Pushes a weft.Error object {code, name, message, exception}. */
void weft_lua_push_error(lua_State *L, weft_status code, const char *message);

/* ---- the value codec (codec.c) ----------------------------------------- */

/* Encodes `n` values from stack index `first` into one malloc'd buffer, freed
 * with weft_lua_value_free. The buffer holds a reference on every weft handle
 * among the values (dropped when it is freed); decoding gives each userdata
 * a reference of its own. Raises a Lua error (and leaks nothing) for a value
 * that cannot be copied. `len` (may be NULL) receives the size of the
 * encoded values. */
void *weft_lua_encode(lua_State *L, int first, int n, size_t *len);

/* Pushes the values of a buffer made by weft_lua_encode; returns how many. */
int weft_lua_decode(lua_State *L, const void *buf);

/* The same for a message that leaves the process (a connection's): handles
 * and light userdata are refused with a Lua error, so the buffer holds no
 * references; free it with weft_lua_value_free. */
void *weft_lua_encode_message(lua_State *L, int first, int n, size_t *len);
/* Pushes the values of a message of `len` bytes from anywhere: its length
 * and tags are checked, a corrupt one raises a Lua error. */
int weft_lua_decode_message(lua_State *L, const void *buf, size_t len);

/* True when `p` is a buffer made by weft_lua_encode. */
bool weft_lua_is_value(const void *p, weft_free_fn free_fn);

/* The free function of encoded buffers; NULL is accepted. */
void weft_lua_value_free(void *p);

/* Marks a value the caller only borrows: weft_lua_push_value decodes it when
 * it is a buffer of ours and frees nothing. */
void weft_lua_value_free_never(void *p);

/* Pushes a value handed back by the library: decoded when it is one of our
 * buffers, a light userdata otherwise (nil for NULL). Returns how many values
 * it pushed. */
int weft_lua_push_value(lua_State *L, void *value, weft_free_fn free_value);

/* ---- handles (weft_lua.i and host.c) ------------------------------------- */

int weft_lua_isnil_or_userdata(lua_State *L, int idx);
int weft_lua_isnil_or_string(lua_State *L, int idx);
/* Arrays from tables, malloc'd (the caller frees them); raise on a bad element. */
void **weft_lua_handle_vector(lua_State *L, int idx, const void *type, size_t *n);
const char **weft_lua_string_vector(lua_State *L, int idx, size_t *n);
int *weft_lua_int_vector(lua_State *L, int idx, size_t *n);
const char *weft_lua_type_name(const void *type);
int weft_lua_to_handle(lua_State *L, int idx, void **ptr, const void *type);
/* Pushes a handle; `own` says whether collecting it frees it. */
void weft_lua_push_handle(lua_State *L, void *ptr, const void *type, int own);
/* For a weft handle at `idx`, gives its pointer and SWIG type; 0 otherwise. */
int weft_lua_handle_info(lua_State *L, int idx, void **ptr, const void **type);
/* Clears the handle at idx (after an explicit free); returns whether it owned it. */
int weft_lua_handle_disown(lua_State *L, int idx);
int weft_lua_handle_owned(lua_State *L, int idx);
void *weft_lua_handle_ptr(lua_State *L, int idx);
const void *weft_lua_handle_type(lua_State *L, int idx);

/* Drops a reference to a handle of the given SWIG type with its free function. */
void weft_lua_free_handle(void *ptr, const void *type);

/* Gives the userdata at `idx` the class metatable of its type. */
void weft_lua_set_class(lua_State *L, int idx, const void *type, int own);
/* True when the value at idx carries a weft class metatable. */
int weft_lua_is_class(lua_State *L, int idx);

/* ---- callables (host.c) -------------------------------------------------- */

/* A function, or a function with its arguments from weft.callable. */
int weft_lua_is_callable(lua_State *L, int idx);
int weft_lua_isnil_or_callable(lua_State *L, int idx);
/* Pushes the function at idx and its arguments; returns how many values. */
int weft_lua_push_callable(lua_State *L, int idx);

/* Copies the Lua function (and arguments) at `idx` into a task; raises if it
 * cannot be copied. */
void *weft_lua_task_new(lua_State *L, int idx);
/* The one trampoline: runs a task in the calling thread's worker state. */
void weft_lua_trampoline(void *arg, weft_outcome *outcome);
/* Frees a task; NULL is accepted. */
void weft_lua_task_free(void *arg);

/* A callable run directly in the caller's state (synchronous calls only). */
typedef struct weft_lua_direct {
    lua_State *L;
    int index; /* the function */
} weft_lua_direct;
void weft_lua_direct_trampoline(void *arg, weft_outcome *outcome);
/* The value a direct call reports, and the results it left behind. */
bool weft_lua_is_direct_marker(const void *value);
int weft_lua_push_direct_results(lua_State *L);

/* A predicate called in the waiting thread's own state. */
typedef struct weft_lua_pred {
    lua_State *L;
    int index;   /* the function */
    bool failed; /* it raised: stop and re-raise */
    int error;   /* stack index of the error value when failed */
} weft_lua_pred;
int weft_lua_pred_call(void *arg);

/* Module set-up, run from luaopen. */
void weft_lua_init(lua_State *L);

#endif /* WEFT_LUA_H */
