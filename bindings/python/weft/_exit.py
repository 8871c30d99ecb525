"""What weft does when the interpreter exits.

Python's threading._shutdown runs the functions registered with
threading._register_atexit before the interpreter is torn down; weft uses
it to shut down executors (waiting for their pending work, as Python's do)
and then to wait for non-daemon weft threads, whose Python code needs a
live interpreter. weft's own C atexit handler would run too late for that.
"""
import threading as _std

from . import _weft as _c

_callbacks = []


def register(fn):
    """Run fn() at interpreter exit, before weft waits for its threads."""
    _callbacks.append(fn)


def _run():
    for fn in reversed(_callbacks):
        try:
            fn()
        except Exception:
            pass
    shutdown = getattr(_c, "weft_threading_shutdown", None)
    if shutdown is not None:
        shutdown()


_register = getattr(_std, "_register_atexit", None)
if _register is not None:
    _register(_run)
else:  # an interpreter without the hook: the atexit module, later but still alive
    import atexit as _atexit
    _atexit.register(_run)
