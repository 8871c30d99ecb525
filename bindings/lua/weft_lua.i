/* Lua section of bindings/weft.i.
 *
 * The rules here match C types, or the abstract patterns in capitals that
 * weft.i applies to the parameter names the headers use (where one C type
 * has two ownerships), never function names, so a function added to a
 * public header reaches Lua with no code of its own:
 * - a `weft_status` result becomes nothing on success and a Lua error (a
 *   weft.Error object: code, name, message, exception) otherwise;
 * - `T **` and pointers to scalars are out-parameters: Lua gets them as
 *   return values, handles as userdata whose class comes from their type;
 * - a CALLABLE is a Lua function, copied into a Lua state of the thread that
 *   runs it (host.c: one trampoline);
 * - an OWNED value is any copyable Lua value, encoded to a byte buffer
 *   (codec.c), and decoded wherever a TAKEN or BORROWED_VALUE hands it back.
 * The one exception named by function is among the synchronous callables
 * (below: weft_call copies, the others run in the caller's state). */

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
    unsigned long long, int64_t, uint64_t, int32_t, uint32_t, pid_t, intptr_t
%{ {
    int isint_ = 0;
    lua_Integer v_ = lua_tointegerx(L, $input, &isint_);
    if (!isint_)
        SWIG_fail_arg("$symname", $argnum, "integer");
    $1 = ($1_ltype)v_;
} %}

/* SIZE (weft.i): a count or size going in; a negative one raises a
 * weft.Error (EINVAL) rather than wrapping to a huge unsigned value. */
%typemap(in, checkfn="lua_isnumber") size_t SIZE %{ {
    int isint_ = 0;
    lua_Integer v_ = lua_tointegerx(L, $input, &isint_);
    if (!isint_)
        SWIG_fail_arg("$symname", $argnum, "integer");
    if (v_ < 0) {
        char msg_[128];
        snprintf(msg_, sizeof msg_, "$symname: $1_name must not be negative (got %lld)", (long long)v_);
        weft_lua_push_error(L, WEFT_EINVAL, msg_);
        SWIG_fail;
    }
    $1 = (size_t)v_;
} %}

%typemap(out) int, long, long long, unsigned, unsigned long, unsigned long long, size_t,
    int64_t, uint64_t, int32_t, uint32_t, pid_t, intptr_t
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
WEFT_LUA_INT_OUT(intptr_t)
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
/* A string the library keeps (static, or owned by an object). */
%typemap(in, numinputs=0) const char ** (const char *temp = NULL) %{ $1 = &temp; %}
%typemap(freearg) const char ** ""
%typemap(argout) const char ** %{
    if (*$1 != NULL) lua_pushstring(L, *$1); else lua_pushnil(L);
    SWIG_arg++;
%}

/* ---- handles ------------------------------------------------------------- */

/* A handle the caller receives owns one reference: its userdata frees it when
 * collected (or when :free() is called). */
%typemap(in, numinputs=0) SWIGTYPE ** ($*1_ltype temp = NULL) %{ $1 = &temp; %}
%typemap(argout) SWIGTYPE ** %{
    weft_lua_push_handle(L, (void *)*$1, $*1_descriptor, 1);
    SWIG_arg++;
    *$1 = NULL; /* Lua has it now */
%}
/* A handle a failing call still handed out (subprocess run's result on a
 * timeout or a non-zero exit) is released, not leaked. */
%typemap(freearg) SWIGTYPE ** %{
    if ($1 != NULL && *$1 != NULL)
        weft_lua_free_handle((void *)*$1, $*1_descriptor);
%}
/* BORROWED_HANDLE (weft.i: a `T **borrowed` result): the handle stays the
 * object's it came from, so the userdata takes a reference of its own and
 * owns that, as every handle userdata owns one. */
%typemap(in, numinputs=0) SWIGTYPE **BORROWED_HANDLE ($*1_ltype temp = NULL) %{ $1 = &temp; %}
%typemap(argout) SWIGTYPE **BORROWED_HANDLE %{
    if (*$1 != NULL && weft_handle_ref((void *)*$1) != WEFT_OK) {
        weft_lua_push_error(L, WEFT_EINVAL, weft_errmsg());
        SWIG_fail;
    }
    weft_lua_push_handle(L, (void *)*$1, $*1_descriptor, 1);
    SWIG_arg++;
%}
%typemap(freearg) SWIGTYPE **BORROWED_HANDLE ""

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

/* Every value weft holds for Lua is an encoded buffer, so every free function
 * Lua hands over is the codec's. */
%typemap(in, numinputs=0) weft_free_fn %{ $1 = weft_lua_value_free; %}

/* A value handed to the library: any copyable Lua value, encoded. The library
 * owns it once the call succeeds; a failed call (a full queue, a shut-down
 * one) leaves it to us, and we free it. */
%typemap(in) (void *OWNED, weft_free_fn OWNED_FREE) (void *buf = NULL) %{
    buf = weft_lua_encode(L, $input, 1, NULL);
    $1 = buf;
    $2 = weft_lua_value_free;
%}
%typemap(argout) (void *OWNED, weft_free_fn OWNED_FREE) %{ buf$argnum = NULL; %}
%typemap(freearg) (void *OWNED, weft_free_fn OWNED_FREE) %{ weft_lua_value_free(buf$argnum); %}

/* An item or value for a container made with the codec's free function
 * (queues, context variables): theirs once the call succeeds. */
%typemap(in) void *OWNED (void *buf = NULL) %{
    buf = weft_lua_encode(L, $input, 1, NULL);
    $1 = buf;
%}
%typemap(argout) void *OWNED %{ buf$argnum = NULL; %}
%typemap(freearg) void *OWNED %{ weft_lua_value_free(buf$argnum); %}

/* A fallback the caller keeps (a get with a default): encoded for the call,
 * decoded if it comes back, freed after. */
%typemap(in) void *LENT (void *buf = NULL) %{
    buf = weft_lua_encode(L, $input, 1, NULL);
    $1 = buf;
%}
%typemap(freearg) void *LENT %{ weft_lua_value_free(buf$argnum); %}

/* A pointer the library returns (a marker such as "no value"). */
%typemap(out) void * %{ lua_pushlightuserdata(L, $1); SWIG_arg++; %}

/* A recorded old value, or nil when there was none (Token.MISSING). */
%typemap(in, numinputs=0) (void **OLD_VALUE, int *MISSING) (void *v = NULL, int m = 0) %{ $1 = &v; $2 = &m; %}
%typemap(argout) (void **OLD_VALUE, int *MISSING) %{
    if (*$2) {
        lua_pushnil(L);
        SWIG_arg++;
    } else {
        SWIG_arg += weft_lua_push_value(L, *$1, weft_lua_value_free_never);
    }
    lua_pushboolean(L, *$2);
    SWIG_arg++;
%}

/* A value handed back with its free function: decoded, then freed. */
%typemap(in, numinputs=0) (void **TAKEN, weft_free_fn *TAKEN_FREE) (void *v = NULL, weft_free_fn f = NULL)
%{ $1 = &v; $2 = &f; %}
%typemap(argout) (void **TAKEN, weft_free_fn *TAKEN_FREE) %{
    SWIG_arg += weft_lua_push_value(L, *$1, *$2);
%}
%typemap(freearg) (void **TAKEN, weft_free_fn *TAKEN_FREE) %{
    if (*$2 != NULL && *$1 != NULL) (*$2)(*$1);
%}

/* An item the caller then owns (a queue's get): decoded, then freed. */
%typemap(in, numinputs=0) void **TAKEN (void *v = NULL) %{ $1 = &v; %}
%typemap(argout) void **TAKEN %{ SWIG_arg += weft_lua_push_value(L, *$1, weft_lua_value_free); %}
%typemap(freearg) void **TAKEN %{
    if (weft_lua_is_value(*$1, weft_lua_value_free)) weft_lua_value_free(*$1);
%}

/* Any other value handed back stays owned by the library (a future's result,
 * a failure's payload): decoded, never freed. */
%typemap(in, numinputs=0) void **BORROWED_VALUE (void *v = NULL) %{ $1 = &v; %}
%typemap(argout) void **BORROWED_VALUE %{ SWIG_arg += weft_lua_push_value(L, *$1, weft_lua_value_free_never); %}

/* C-only hooks (comparators, clocks) have no Lua form: they are NULL, which
 * gives the library's default. */
%typemap(in, numinputs=0) (weft_queue_compare_fn cmp, void *cmp_arg) %{ $1 = NULL; $2 = NULL; %}
%typemap(in, numinputs=0) (weft_sched_timefunc timefunc, weft_sched_delayfunc delayfunc, void *clock_arg)
%{ $1 = NULL; $2 = NULL; $3 = NULL; %}

/* ---- strings, bytes and arrays ---------------------------------------------- */

/* A NULL-terminated vector of strings from a table of strings. */
%typemap(in, checkfn="lua_istable") const char *const * (const char **vec = NULL) %{
    vec = weft_lua_string_vector(L, $input, NULL);
    $1 = vec;
%}
%typemap(freearg) const char *const * %{ free(vec$argnum); %}
%typemap(argout) const char *const * ""
%typemap(typecheck) const char *const * %{ $1 = lua_istable(L, $input); %}

/* A counted vector of strings. */
%typemap(in, checkfn="lua_istable") (const char *const *groups, size_t n) (const char **vec = NULL) %{
    vec = weft_lua_string_vector(L, $input, &$2);
    $1 = vec;
%}
%typemap(freearg) (const char *const *groups, size_t n) %{ free(vec$argnum); %}

/* A counted vector of integers. */
%typemap(in, checkfn="lua_istable") (const int *fds, size_t n) (int *vec = NULL) %{
    vec = weft_lua_int_vector(L, $input, &$2);
    $1 = vec;
%}
%typemap(freearg) (const int *fds, size_t n) %{ free(vec$argnum); %}

/* A counted vector of handle values (STARTUPINFO's handle list). */
%typemap(in, checkfn="lua_istable") (const intptr_t *handles, size_t n) (intptr_t *vec = NULL) %{
    {
        size_t len_ = (size_t)lua_rawlen(L, $input);
        vec = calloc(len_ > 0 ? len_ : 1, sizeof *vec);
        if (vec == NULL) {
            weft_lua_push_error(L, WEFT_NOMEM, "weft: out of memory");
            SWIG_fail;
        }
        for (size_t i_ = 0; i_ < len_; i_++) {
            lua_rawgeti(L, $input, (lua_Integer)i_ + 1);
            vec[i_] = (intptr_t)lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
        $1 = vec;
        $2 = len_;
    }
%}
%typemap(freearg) (const intptr_t *handles, size_t n) %{ free(vec$argnum); %}
%typemap(in, numinputs=0) (const intptr_t **handles, size_t *n) (const intptr_t *p = NULL, size_t n = 0)
%{ $1 = &p; $2 = &n; %}
%typemap(argout) (const intptr_t **handles, size_t *n) %{
    lua_createtable(L, (int)*$2, 0);
    for (size_t i_ = 0; i_ < *$2; i_++) {
        lua_pushinteger(L, (lua_Integer)(*$1)[i_]);
        lua_rawseti(L, -2, (lua_Integer)i_ + 1);
    }
    SWIG_arg++;
%}

/* Bytes going in: a string, or nil for none. */
%typemap(in, checkfn="weft_lua_isnil_or_string") (const void *BYTES, size_t BYTES_LEN) %{
    $1 = (void *)lua_tolstring(L, $input, &$2);
%}

/* Bytes going out from part of a buffer (BYTES_AT, weft.i): a whole string;
 * the area's Lua layer takes the part first. */
%typemap(in, checkfn="lua_isstring") (const void *BYTES_AT, size_t BYTES_AT_OFFSET, size_t BYTES_AT_LEN) %{
    $1 = (void *)lua_tolstring(L, $input, &$3);
    $2 = 0;
%}

/* Bytes coming out that the caller frees with weft_free(). */
%typemap(in, numinputs=0) (char **BYTES_OUT, size_t *BYTES_OUT_LEN) ($*1_ltype p = NULL, size_t n = 0)
%{ $1 = &p; $2 = &n; %}
%typemap(argout) (char **BYTES_OUT, size_t *BYTES_OUT_LEN) %{
    if (*$1 != NULL) lua_pushlstring(L, *$1, *$2); else lua_pushnil(L);
    SWIG_arg++;
%}
%typemap(freearg) (char **BYTES_OUT, size_t *BYTES_OUT_LEN) %{ weft_free(*$1); %}

/* Bytes coming out that the object keeps. */
%typemap(in, numinputs=0) (const char **BYTES_VIEW, size_t *BYTES_VIEW_LEN) (const char *p = NULL, size_t n = 0)
%{ $1 = &p; $2 = &n; %}
%typemap(argout) (const char **BYTES_VIEW, size_t *BYTES_VIEW_LEN) %{
    if (*$1 != NULL) lua_pushlstring(L, *$1, *$2); else lua_pushnil(L);
    SWIG_arg++;
%}

/* A vector of strings the object keeps, as a table. */
%typemap(in, numinputs=0) (const char *const **argv, size_t *argc) (const char *const *p = NULL, size_t n = 0)
%{ $1 = &p; $2 = &n; %}
%typemap(argout) (const char *const **argv, size_t *argc) %{
    lua_createtable(L, (int)*$2, 0);
    for (size_t i_ = 0; i_ < *$2; i_++) {
        lua_pushstring(L, (*$1)[i_]);
        lua_rawseti(L, -2, (lua_Integer)i_ + 1);
    }
    SWIG_arg++;
%}

/* A counted array of handles from a table of handles of that type. */
%typemap(in, checkfn="lua_istable") (weft_future *const *fs, size_t n) (void **vec = NULL) %{
    vec = weft_lua_handle_vector(L, $input, $*1_descriptor, &$2);
    $1 = ($1_ltype)vec;
%}
%typemap(freearg) (weft_future *const *fs, size_t n) %{ free(vec$argnum); %}

/* One flag per future of weft_futures_wait, as a table of booleans. */
%typemap(in, numinputs=0) unsigned char *done (unsigned char *flags = NULL) %{ %}
%typemap(check) unsigned char *done %{
    flags$argnum = calloc(arg2 > 0 ? arg2 : 1, 1);
    if (flags$argnum == NULL) {
        weft_lua_push_error(L, WEFT_NOMEM, "weft: out of memory");
        SWIG_fail;
    }
    $1 = flags$argnum;
%}
%typemap(argout) unsigned char *done %{
    lua_createtable(L, (int)arg2, 0);
    for (size_t i_ = 0; i_ < arg2; i_++) {
        lua_pushboolean(L, $1[i_] != 0);
        lua_rawseti(L, -2, (lua_Integer)i_ + 1);
    }
    SWIG_arg++;
%}
%typemap(freearg) unsigned char *done %{ free(flags$argnum); %}

/* WAIT_ENTRIES (weft.i): one table of connections and descriptors
 * (integers), side by side. */
%typemap(in, checkfn="lua_istable") (weft_connection *const *WAIT_ENTRIES, const int *WAIT_FDS, size_t WAIT_N)
    (void **conns = NULL, int *fds = NULL) %{
    {
        size_t len_ = (size_t)lua_rawlen(L, $input);
        conns = calloc(len_ > 0 ? len_ : 1, sizeof *conns);
        fds = calloc(len_ > 0 ? len_ : 1, sizeof *fds);
        if (conns == NULL || fds == NULL) {
            weft_lua_push_error(L, WEFT_NOMEM, "weft: out of memory");
            SWIG_fail;
        }
        for (size_t i_ = 0; i_ < len_; i_++) {
            lua_rawgeti(L, $input, (lua_Integer)i_ + 1);
            int isint_ = 0;
            lua_Integer fd_ = lua_tointegerx(L, -1, &isint_);
            fds[i_] = -1;
            if (isint_) {
                fds[i_] = fd_ < 0 || fd_ > INT32_MAX ? -1 : (int)fd_;
            } else if (lua_isnil(L, -1) || !weft_lua_to_handle(L, -1, &conns[i_], $descriptor(weft_connection *))) {
                lua_pop(L, 1);
                weft_lua_push_error(L, WEFT_EINVAL, "$symname: an entry is neither a connection nor a descriptor");
                SWIG_fail;
            }
            lua_pop(L, 1);
        }
        $1 = ($1_ltype)conns;
        $2 = fds;
        $3 = len_;
    }
%}
%typemap(freearg) (weft_connection *const *WAIT_ENTRIES, const int *WAIT_FDS, size_t WAIT_N) %{
    free(conns$argnum);
    free(fds$argnum);
%}
%typemap(argout) (weft_connection *const *WAIT_ENTRIES, const int *WAIT_FDS, size_t WAIT_N) "" /* not results */

/* READY_FLAGS (weft.i): a flag per entry of the wait, as a table of
 * booleans; the entries' count is the call's third argument
 * (weft_connection_wait). */
%typemap(in, numinputs=0) (int *READY_FLAGS, size_t *READY_COUNT) (int *flags = NULL, size_t count = 0)
%{ $2 = &count; %}
%typemap(check) (int *READY_FLAGS, size_t *READY_COUNT) %{
    flags$argnum = calloc(arg3 > 0 ? arg3 : 1, sizeof(int));
    if (flags$argnum == NULL) {
        weft_lua_push_error(L, WEFT_NOMEM, "weft: out of memory");
        SWIG_fail;
    }
    $1 = flags$argnum;
%}
%typemap(argout) (int *READY_FLAGS, size_t *READY_COUNT) %{
    lua_createtable(L, (int)arg3, 0);
    for (size_t i_ = 0; i_ < arg3; i_++) {
        lua_pushboolean(L, $1[i_] != 0);
        lua_rawseti(L, -2, (lua_Integer)i_ + 1);
    }
    SWIG_arg++;
%}
%typemap(freearg) (int *READY_FLAGS, size_t *READY_COUNT) %{ free(flags$argnum); %}

/* An array of new references (threading.enumerate): a table of handles
 * that own them; the array itself is freed. */
%typemap(in, numinputs=0) (weft_thread ***out, size_t *n) (weft_thread **p = NULL, size_t n = 0)
%{ $1 = &p; $2 = &n; %}
%typemap(argout) (weft_thread ***out, size_t *n) %{
    lua_createtable(L, (int)*$2, 0);
    for (size_t i_ = 0; i_ < *$2; i_++) {
        weft_lua_push_handle(L, (*$1)[i_], SWIGTYPE_p_weft_thread, 1);
        (*$1)[i_] = NULL;
        lua_rawseti(L, -2, (lua_Integer)i_ + 1);
    }
    SWIG_arg++;
%}
%typemap(freearg) (weft_thread ***out, size_t *n) %{
    if (*$1 != NULL) {
        for (size_t i_ = 0; i_ < *$2; i_++)
            if ((*$1)[i_] != NULL) weft_thread_free((*$1)[i_]);
        weft_free(*$1);
    }
%}

/* A snapshot of a scheduler's queue: a table of {time, priority, sequence}
 * records, read before the array and its references are released. */
%typemap(in, numinputs=0) (weft_sched_event ***events, size_t *count) (weft_sched_event **p = NULL, size_t n = 0)
%{ $1 = &p; $2 = &n; %}
%typemap(argout) (weft_sched_event ***events, size_t *count) %{
    lua_createtable(L, (int)*$2, 0);
    for (size_t i_ = 0; i_ < *$2; i_++) {
        double t_ = 0;
        int prio_ = 0;
        uint64_t seq_ = 0;
        weft_sched_event_time((*$1)[i_], &t_);
        weft_sched_event_priority((*$1)[i_], &prio_);
        weft_sched_event_sequence((*$1)[i_], &seq_);
        lua_createtable(L, 0, 3);
        lua_pushnumber(L, t_);
        lua_setfield(L, -2, "time");
        lua_pushinteger(L, prio_);
        lua_setfield(L, -2, "priority");
        lua_pushinteger(L, (lua_Integer)seq_);
        lua_setfield(L, -2, "sequence");
        lua_rawseti(L, -2, (lua_Integer)i_ + 1);
    }
    SWIG_arg++;
%}
%typemap(freearg) (weft_sched_event ***events, size_t *count) %{ weft_sched_queue_free(*$1, *$2); %}

/* ---- callables ----------------------------------------------------------- */

/* A Lua function as a callable: copied now, run in a Lua state of the thread
 * that runs it. The library owns the copy once the call succeeds. */
%typemap(in, checkfn="weft_lua_isnil_or_callable") (weft_fn CALLABLE, void *CALLABLE_ARG, weft_free_fn CALLABLE_FREE) (void *task = NULL) %{
    if (!lua_isnil(L, $input)) {
        task = weft_lua_task_new(L, $input);
        $1 = weft_lua_trampoline;
        $2 = task;
        $3 = weft_lua_task_free;
    }
%}
%typemap(argout) (weft_fn CALLABLE, void *CALLABLE_ARG, weft_free_fn CALLABLE_FREE) %{ task$argnum = NULL; %}
%typemap(freearg) (weft_fn CALLABLE, void *CALLABLE_ARG, weft_free_fn CALLABLE_FREE) %{ weft_lua_task_free(task$argnum); %}

/* A callable the library calls before the call returns, on this thread, and
 * whose argument the caller keeps. weft_call runs it as threads do (copied,
 * in this thread's worker state), so it shows what a thread would see;
 * the others (weft_context_run) call the function directly in the caller's
 * state, as Python's Context.run calls it in the same interpreter. */
%typemap(in, checkfn="weft_lua_is_callable") (weft_fn CALL_NOW, void *CALL_NOW_ARG) (void *task = NULL, weft_lua_direct direct = {0}) %{
    if (strcmp("$symname", "weft_call") == 0) {
        task = weft_lua_task_new(L, $input);
        $1 = weft_lua_trampoline;
        $2 = task;
    } else {
        direct.L = L;
        direct.index = $input;
        $1 = weft_lua_direct_trampoline;
        $2 = &direct;
    }
%}
%typemap(freearg) (weft_fn CALL_NOW, void *CALL_NOW_ARG) %{ weft_lua_task_free(task$argnum); %}

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
/* Lua strings are immutable: a message is received as a new string
 * (weft_connection_recv_bytes), never into a caller's buffer. */
%ignore weft_connection_recv_bytes_into;
/* weft_free is for memory the typemaps already free. */
%ignore weft_free;
/* Read by the scheduler-queue typemap; an array is never handed to Lua. */
%ignore weft_sched_queue_free;

/* Handle metatables, the codec and the worker states (host.c) need SWIG's
 * type records; these give them access without exposing SWIG's runtime. */
%{
int weft_lua_isnil_or_userdata(lua_State *L, int idx)
{
    return lua_isnil(L, idx) || lua_isuserdata(L, idx);
}

int weft_lua_isnil_or_string(lua_State *L, int idx)
{
    return lua_isnil(L, idx) || lua_type(L, idx) == LUA_TSTRING;
}

void **weft_lua_handle_vector(lua_State *L, int idx, const void *type, size_t *n)
{
    size_t len = (size_t)lua_rawlen(L, idx);
    void **vec = calloc(len > 0 ? len : 1, sizeof *vec);
    if (vec == NULL) {
        luaL_error(L, "weft: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        void *p = NULL;
        if (lua_isnil(L, -1) || !weft_lua_to_handle(L, -1, &p, type)) {
            free(vec);
            luaL_error(L, "weft: element %d is not a %s", (int)i + 1, weft_lua_type_name(type));
            return NULL;
        }
        vec[i] = p;
        lua_pop(L, 1);
    }
    *n = len;
    return vec;
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
