/* Lua section of bindings/weft.i.
 *
 * Every rule here matches types, never function names, so a function added to
 * a public header reaches Lua with no code of its own:
 * - a `weft_status` result becomes nothing on success and a Lua error (a
 *   weft.Error object: code, name, message, exception) otherwise;
 * - `T **` and pointers to scalars are out-parameters: Lua gets them as
 *   return values, handles as userdata whose class comes from their type;
 * - a callable `(weft_fn, void *, weft_free_fn)` is a Lua function, copied
 *   into a Lua state of its own on the thread that runs it (host.c);
 * - a value `(void *, weft_free_fn)` is any copyable Lua value, encoded to a
 *   byte buffer (codec.c) and decoded again where `(void **, weft_free_fn *)`
 *   hands it back. */

%{
#include "weft_lua.h"
%}

/* ---- status ------------------------------------------------------------ */

%typemap(out) weft_status %{
    if ($1 != WEFT_OK) {
        weft_lua_push_error(L, $1, weft_errmsg());
        SWIG_fail;
    }
%}

/* ---- integers as Lua integers, not floats ------------------------------ */

%typemap(in, checkfn="lua_isnumber") int, long, long long, unsigned, unsigned long,
    unsigned long long, size_t, int64_t, uint64_t, int32_t, uint32_t, pid_t
%{ {
    int isint_ = 0;
    lua_Integer v_ = lua_tointegerx(L, $input, &isint_);
    if (!isint_)
        SWIG_fail_arg("$symname", $argnum, "integer");
    $1 = ($1_ltype)v_;
} %}

%typemap(out) int, long, long long, unsigned, unsigned long, unsigned long long, size_t,
    int64_t, uint64_t, int32_t, uint32_t, pid_t
%{ lua_pushinteger(L, (lua_Integer)$1); SWIG_arg++; %}

%typemap(in, checkfn="lua_isboolean") bool %{ $1 = lua_toboolean(L, $input) != 0; %}
%typemap(out) bool %{ lua_pushboolean(L, $1); SWIG_arg++; %}

/* ---- scalar out-parameters ----------------------------------------------- */

%define WEFT_LUA_INT_OUT(T)
%typemap(in, numinputs=0) T * (T temp = 0) %{ $1 = &temp; %}
%typemap(argout) T * %{ lua_pushinteger(L, (lua_Integer)*$1); SWIG_arg++; %}
%enddef
WEFT_LUA_INT_OUT(int)
WEFT_LUA_INT_OUT(long)
WEFT_LUA_INT_OUT(long long)
WEFT_LUA_INT_OUT(unsigned)
WEFT_LUA_INT_OUT(unsigned long)
WEFT_LUA_INT_OUT(unsigned long long)
WEFT_LUA_INT_OUT(size_t)
WEFT_LUA_INT_OUT(int32_t)
WEFT_LUA_INT_OUT(uint32_t)
WEFT_LUA_INT_OUT(int64_t)
WEFT_LUA_INT_OUT(uint64_t)
WEFT_LUA_INT_OUT(pid_t)
WEFT_LUA_INT_OUT(weft_status)

%typemap(in, numinputs=0) double * (double temp = 0) %{ $1 = &temp; %}
%typemap(argout) double * %{ lua_pushnumber(L, *$1); SWIG_arg++; %}
%typemap(in, numinputs=0) bool * (bool temp = 0) %{ $1 = &temp; %}
%typemap(argout) bool * %{ lua_pushboolean(L, *$1); SWIG_arg++; %}

/* A string the library allocated for the caller, freed with weft_free(). */
%typemap(in, numinputs=0) char ** (char *temp = NULL) %{ $1 = &temp; %}
%typemap(argout) char ** %{
    if (*$1 != NULL) lua_pushstring(L, *$1); else lua_pushnil(L);
    SWIG_arg++;
%}
%typemap(freearg) char ** %{ if ($1 != NULL) { weft_free(*$1); *$1 = NULL; } %}
/* A static string. */
%typemap(in, numinputs=0) const char ** (const char *temp = NULL) %{ $1 = &temp; %}
%typemap(argout) const char ** %{
    if (*$1 != NULL) lua_pushstring(L, *$1); else lua_pushnil(L);
    SWIG_arg++;
%}

/* ---- handles ------------------------------------------------------------- */

/* A handle the caller receives owns one reference: its userdata frees it when
 * collected (or when :free()/:close() is called). */
%typemap(in, numinputs=0) SWIGTYPE ** ($*1_ltype temp = NULL) %{ $1 = &temp; %}
%typemap(argout) SWIGTYPE ** %{
    weft_lua_push_handle(L, (void *)*$1, $*1_descriptor, 1);
    SWIG_arg++;
%}

/* Handles going in: any weft handle userdata of the right type; nil is NULL. */
%typemap(in, checkfn="weft_lua_isnil_or_userdata") SWIGTYPE * %{
    if (!weft_lua_to_handle(L, $input, (void **)&$1, $1_descriptor))
        SWIG_fail_ptr("$symname", $argnum, $1_descriptor);
%}
%typemap(out) SWIGTYPE * %{
    weft_lua_push_handle(L, (void *)$1, $1_descriptor, 0);
    SWIG_arg++;
%}

/* ---- values -------------------------------------------------------------- */

/* A value handed to the library: any copyable Lua value, encoded. The library
 * owns it once the call succeeds; a failed call leaves it to us. */
%typemap(in) (void *value, weft_free_fn free_value) (void *buf = NULL),
             (void *item, weft_free_fn free_item) (void *buf = NULL) %{
    buf = weft_lua_encode(L, $input, 1, NULL);
    $1 = buf;
    $2 = weft_lua_value_free;
%}
%typemap(argout) (void *value, weft_free_fn free_value),
                 (void *item, weft_free_fn free_item) %{ buf$argnum = NULL; %}
%typemap(freearg) (void *value, weft_free_fn free_value),
                  (void *item, weft_free_fn free_item) %{ weft_lua_value_free(buf$argnum); %}

/* A value handed back with its free function: decoded when it is ours. */
%typemap(in, numinputs=0) (void **value, weft_free_fn *free_value) (void *v = NULL, weft_free_fn f = NULL),
                          (void **item, weft_free_fn *free_item) (void *v = NULL, weft_free_fn f = NULL)
%{ $1 = &v; $2 = &f; %}
%typemap(argout) (void **value, weft_free_fn *free_value),
                 (void **item, weft_free_fn *free_item) %{
    SWIG_arg += weft_lua_push_value(L, *$1, *$2);
%}
%typemap(freearg) (void **value, weft_free_fn *free_value),
                  (void **item, weft_free_fn *free_item) %{
    if (*$2 != NULL && *$1 != NULL) (*$2)(*$1);
%}

/* A value handed back without its free function: it stays owned by the
 * library (a borrowed view), so it is decoded, never freed. */
%typemap(in, numinputs=0) void ** (void *v = NULL) %{ $1 = &v; %}
%typemap(argout) void ** %{ SWIG_arg += weft_lua_push_value(L, *$1, weft_lua_value_free_never); %}

/* ---- callables ----------------------------------------------------------- */

/* A Lua function as a callable: copied now, run in a Lua state of the thread
 * that runs it. The library owns the copy once the call succeeds. */
%typemap(in, checkfn="lua_isfunction") (weft_fn fn, void *arg, weft_free_fn free_arg) (void *task = NULL) %{
    task = weft_lua_task_new(L, $input);
    $1 = weft_lua_trampoline;
    $2 = task;
    $3 = weft_lua_task_free;
%}
%typemap(argout) (weft_fn fn, void *arg, weft_free_fn free_arg) %{ task$argnum = NULL; %}
%typemap(freearg) (weft_fn fn, void *arg, weft_free_fn free_arg) %{ weft_lua_task_free(task$argnum); %}

/* A callable whose argument the caller keeps (weft_call). */
%typemap(in, checkfn="lua_isfunction") (weft_fn fn, void *arg) (void *task = NULL) %{
    task = weft_lua_task_new(L, $input);
    $1 = weft_lua_trampoline;
    $2 = task;
%}
%typemap(freearg) (weft_fn fn, void *arg) %{ weft_lua_task_free(task$argnum); %}

/* A predicate runs in the waiting thread, so it is called in the caller's own
 * state; an error inside stops the wait and is raised once the call returns. */
%typemap(in, checkfn="lua_isfunction") (weft_pred_fn pred, void *arg) (weft_lua_pred pred_ = {0}) %{
    pred_.L = L;
    pred_.index = $input;
    $1 = weft_lua_pred_call;
    $2 = &pred_;
%}
%typemap(argout) (weft_pred_fn pred, void *arg) %{
    if (pred_$argnum.failed) {
        lua_pushvalue(L, pred_$argnum.error);
        SWIG_fail;
    }
%}

/* The outcome exists only inside a callable; Lua callables report through
 * their return values and errors, so it is not exposed. */
%ignore weft_outcome_set_value;
%ignore weft_outcome_set_error;
/* weft_free is for memory the typemaps already free. */
%ignore weft_free;

/* Handle metatables, the codec and the worker states (host.c) need SWIG's
 * type records; these give them access without exposing SWIG's runtime. */
%{
int weft_lua_isnil_or_userdata(lua_State *L, int idx)
{
    return lua_isnil(L, idx) || lua_isuserdata(L, idx);
}

const char *weft_lua_type_name(const void *type)
{
    return ((const swig_type_info *)type)->str;
}

int weft_lua_to_handle(lua_State *L, int idx, void **ptr, const void *type)
{
    if (lua_isnil(L, idx)) {
        *ptr = NULL;
        return 1;
    }
    return SWIG_IsOK(SWIG_ConvertPtr(L, idx, ptr, (swig_type_info *)type, 0));
}

void weft_lua_push_handle(lua_State *L, void *ptr, const void *type, int own)
{
    if (ptr == NULL) {
        lua_pushnil(L);
        return;
    }
    SWIG_NewPointerObj(L, ptr, (swig_type_info *)type, own);
    weft_lua_set_class(L, -1, type, own);
}

int weft_lua_handle_info(lua_State *L, int idx, void **ptr, const void **type)
{
    if (lua_type(L, idx) != LUA_TUSERDATA || !weft_lua_is_class(L, idx))
        return 0;
    swig_lua_userdata *u = (swig_lua_userdata *)lua_touserdata(L, idx);
    *ptr = u->ptr;
    *type = u->type;
    return 1;
}

int weft_lua_handle_disown(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TUSERDATA || !weft_lua_is_class(L, idx))
        return 0;
    swig_lua_userdata *u = (swig_lua_userdata *)lua_touserdata(L, idx);
    int own = u->own;
    u->own = 0;
    u->ptr = NULL;
    return own;
}

int weft_lua_handle_owned(lua_State *L, int idx)
{
    swig_lua_userdata *u = (swig_lua_userdata *)lua_touserdata(L, idx);
    return u != NULL && u->own && u->ptr != NULL;
}

void *weft_lua_handle_ptr(lua_State *L, int idx)
{
    swig_lua_userdata *u = (swig_lua_userdata *)lua_touserdata(L, idx);
    return u != NULL ? u->ptr : NULL;
}

const void *weft_lua_handle_type(lua_State *L, int idx)
{
    swig_lua_userdata *u = (swig_lua_userdata *)lua_touserdata(L, idx);
    return u != NULL ? u->type : NULL;
}
%}

/* The module opens as `weft.core`; weft.lua builds the idiomatic layer on it. */
%init %{
    weft_lua_init(L);
%}
