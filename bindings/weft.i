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

/* A count or size going in: a negative number is the language's value
 * error (ValueError, a Lua error, an error wrapping ErrEinval), never a
 * huge unsigned value. */
%apply size_t SIZE { size_t };

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
