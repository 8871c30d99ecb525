/* weft.i — the one interface file from which SWIG generates the Python, Lua
 * and Go bindings. It %includes the public headers, so every public function
 * reaches every language without being listed again; the per-language files
 * it includes hold the typemaps that turn a weft_status into the language's
 * error, `T **out` parameters into return values and a `(fn, arg, free_arg)`
 * callable into a call of a host function (one trampoline per language). */

#if defined(SWIGPYTHON)
%module(package="weft") _weft
#else
%module weft
#endif

%{
#include "weft.h"
%}

/* The export macro means nothing to SWIG. */
#define WEFT_API

/* ---- functions no binding wraps ------------------------------------------ */

/* Thread hooks and the excepthook take C function pointers called on
 * arbitrary threads at thread start and end: they are for C code and for a
 * binding's own set-up (Python installs them itself), not wrapped. */
%ignore weft_threading_settrace;
%ignore weft_threading_setprofile;
%ignore weft_threading_settrace_all_threads;
%ignore weft_threading_setprofile_all_threads;
%ignore weft_threading_gettrace;
%ignore weft_threading_getprofile;
%ignore weft_threading_deliver_hooks;
%ignore weft_threading_set_excepthook;
%ignore weft_threading_excepthook;
%ignore weft_threading_default_excepthook;
/* An outcome exists only during a C callable's call. */
%ignore weft_future_from_outcome;
/* A bound callable is a C triple no host language can hold: run the
 * function under Context.run (ctx:run, Context.Run) instead. */
%ignore weft_context_bind;
/* Ends the calling thread without returning: it would cut through the host
 * language's own frames (a Python or Lua call, a cgo callback). Return
 * from the target instead. */
%ignore weft_threading_exit;
/* Read by the enumerate typemaps; an array is never handed over. */
%ignore weft_thread_list_free;
/* map calls a C function per argument; each language's Executor.map is
 * written over submit, with the same order and failure semantics. */
%ignore weft_executor_map;
%ignore weft_map_iter_next;
%ignore weft_map_iter_free;

/* A binding's own reference counting: Go's wrappers use them (a blocking
 * call holds a reference); Python and Lua objects own theirs already, and a
 * script that dropped a reference it does not hold would free an object
 * under another one. */
#if !defined(SWIGGO)
%ignore weft_handle_ref;
%ignore weft_handle_unref;
#endif

/* ---- the language's implementation of the API's shapes -------------------- */

/* Each language file writes its typemaps once, on the abstract parameter
 * patterns named below (in capitals); this file applies them to the
 * patterns the headers use, so a shape is recognised in one place for all
 * three languages. */
#if defined(SWIGPYTHON)
%include "python/weft_python.i"
#elif defined(SWIGLUA)
%include "lua/weft_lua.i"
#elif defined(SWIGGO)
%include "go/weft_go.i"
#endif

/* ---- the shapes, by parameter pattern -------------------------------------- */

/* Two shapes go by C type, in every language file: a `weft_status` result
 * (nothing on success, the language's error otherwise) and a pointer to a
 * non-const scalar (`int *`, `size_t *`, `double *`, `char **`, ...), always
 * a result. The others go by the parameter names the headers use, here. */

/* A count or size going in: a negative number is the language's value
 * error (ValueError, a Lua error, an error wrapping ErrEinval), never a
 * huge unsigned value. */
%apply size_t SIZE { size_t };

#if !defined(SWIGGO)
/* The shapes below are Python's and Lua's: Go's typemaps go by C type alone
 * (every void * it hands over is a cgo.Handle and every weft_free_fn the
 * one function that deletes such a handle, every weft_fn the one
 * trampoline, bytes in are a *byte beside their SIZE), so it has no names
 * to tell apart. */

/* A callable handed to the library with its argument's free function: the
 * library owns it once the call succeeds (threads, timers, tasks, actions,
 * done callbacks). */
%apply (weft_fn CALLABLE, void *CALLABLE_ARG, weft_free_fn CALLABLE_FREE) {
    (weft_fn fn, void *arg, weft_free_fn free_arg),
    (weft_fn action, void *arg, weft_free_fn free_arg) };
/* A callable the library runs before the call returns (weft_call,
 * weft_context_run); the caller keeps its argument. */
%apply (weft_fn CALL_NOW, void *CALL_NOW_ARG) { (weft_fn fn, void *arg) };

/* A value handed to the library, owned by it once the call succeeds (a
 * failed call leaves it to the caller): with its free function, or alone
 * for a container given its free function when it was made. */
%apply (void *OWNED, weft_free_fn OWNED_FREE) {
    (void *value, weft_free_fn free_value),
    (void *item, weft_free_fn free_item),
    (void *payload, weft_free_fn free_payload),
    (void *default_value, weft_free_fn free_value) };
%apply void *OWNED { void *value, void *item };
/* A value lent for the call only (a get's default). */
%apply void *LENT { void *default_value };
/* A value handed back that the caller now owns (a queue's get, weft_call's
 * result): with its free function, or alone (the container's). */
%apply (void **TAKEN, weft_free_fn *TAKEN_FREE) { (void **result, weft_free_fn *free_result) };
/* A token's old value, or a flag that there was none (Token.MISSING). */
%apply (void **OLD_VALUE, int *MISSING) { (void **old_value, int *missing) };

/* Bytes going in (an input, a key, an address; none for NULL); bytes
 * handed back that the caller frees (weft_free); bytes handed back that
 * the object keeps. */
%apply (const void *BYTES, size_t BYTES_LEN) {
    (const void *input, size_t input_len),
    (const void *authkey, size_t authkey_len),
    (const char *address, size_t address_len) };
%apply (char **BYTES_OUT, size_t *BYTES_OUT_LEN) {
    (char **out, size_t *out_len),
    (char **err, size_t *err_len),
    (char **output, size_t *output_len),
    (char **address, size_t *address_len),
    (void **buf, size_t *len) };
%apply (const char **BYTES_VIEW, size_t *BYTES_VIEW_LEN) { (const char **data, size_t *len) };
/* A message going out from part of a buffer: the language passes one
 * bytes-like value whole (offset 0, its length) and its own layer slices
 * it first, as a memoryview or a substring. */
%apply (const void *BYTES_AT, size_t BYTES_AT_OFFSET, size_t BYTES_AT_LEN) {
    (const void *buf, size_t offset, size_t size) };
/* Writable memory lent for the call, that a message is received into. */
%apply (void *BUFFER, size_t BUFFER_LEN) { (void *buf, size_t buflen) };
/* What weft_connection_wait() waits on: one list of connections and
 * descriptors side by side, and one ready flag handed back for each. */
%apply (weft_connection *const *WAIT_ENTRIES, const int *WAIT_FDS, size_t WAIT_N) {
    (weft_connection *const *conns, const int *fds, size_t n) };
%apply (int *READY_FLAGS, size_t *READY_COUNT) { (int *ready, size_t *nready) };
#endif

/* Values handed back, by the names core.h gives them, in all three
 * languages: an item or result is the caller's now (a queue's get; in
 * Python and Lua a result comes with its free function, above), a value or
 * payload stays the object's (a future's result, a thread-local or context
 * value, a failure's payload). */
%apply void **TAKEN { void **item, void **result };
%apply void **BORROWED_VALUE { void **value, void **payload };

/* A handle result that stays the object's it came from: the headers name
 * every such parameter `borrowed` (core.h), the one marker all three
 * languages read. Python and Lua take a reference of their own for the
 * object they make; Go hands the value to the wrapper, which maps it to the
 * caller's own Go object. (Python's handle results are typed per handle
 * type, so weft_python.i applies this per type too.) */
%apply SWIGTYPE **BORROWED_HANDLE { SWIGTYPE **borrowed };

%include "weft/status.h"
%include "weft/core.h"
%include "weft/thread.h"
%include "weft/sync.h"
%include "weft/queue.h"
%include "weft/futures.h"
%include "weft/sched.h"
%include "weft/context.h"
%include "weft/subprocess.h"
%include "weft/connection.h"
