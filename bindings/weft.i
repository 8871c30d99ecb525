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

#if defined(SWIGPYTHON)
%include "python/weft_python.i"
#elif defined(SWIGLUA)
%include "lua/weft_lua.i"
#elif defined(SWIGGO)
%include "go/weft_go.i"
#endif

%include "weft/status.h"
%include "weft/core.h"
%include "weft/thread.h"
%include "weft/sync.h"
%include "weft/queue.h"
%include "weft/futures.h"
%include "weft/sched.h"
%include "weft/context.h"
%include "weft/subprocess.h"
