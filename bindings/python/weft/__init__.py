"""weft: Python's concurrent execution modules over the weft C library.

The submodules mirror the standard library's, with the same names,
arguments and exceptions, so code written for the standard modules runs
after changing only its imports::

    from weft import threading, queue
    from weft.concurrent import futures

The SWIG extension ``weft._weft`` holds the C functions themselves.
"""
from . import _weft

# The binding's threads, hooks and callbacks belong to the main
# interpreter: refuse a subinterpreter at once, before anything is set up.
if not _weft.weft_py_main_interpreter():
    raise ImportError("weft cannot be imported in a subinterpreter")

from . import _errors
from . import _exit

__all__ = ["version", "version_string", "status_table"]

# Python runs signal handlers in the main thread only: there, a blocking
# call that a signal interrupts comes back so that KeyboardInterrupt (or any
# handler's exception) is raised at once, as the standard modules do.
import threading as _std_threading
if _std_threading.current_thread() is _std_threading.main_thread():
    _weft.weft_threading_set_interruptible(1)
del _std_threading

#: The loaded library's version string, such as "1.0.0".
__version__ = _weft.weft_version_string()


def version():
    """The loaded library's version as a (major, minor, patch) tuple."""
    v = _weft.weft_version()
    return (v >> 16, (v >> 8) & 0xFF, v & 0xFF)


def version_string():
    """The loaded library's version string."""
    return _weft.weft_version_string()


def status_table():
    """The status table: a list of (code, name, Python exception, message)."""
    return _weft.weft_py_status_table()


class _Reported(Exception):
    """Raised in place of an exception already reported in Python's way
    (logged, as an executor's initializer failure is): weft's excepthook
    then stays silent."""


def _thread_failure(status, message, ident, exc):
    # weft reported a failure to its excepthook: a weft thread that Python
    # did not start, or an executor's initializer. Hand it to
    # threading.excepthook, with the exception object when Python raised it.
    import sys
    import threading as std
    if isinstance(exc, _Reported):
        return
    if not isinstance(exc, BaseException):
        cls = _errors.exception_class(status) or Exception
        try:
            exc = cls(message)
        except Exception:
            exc = RuntimeError(message)
    wt = sys.modules.get("weft.threading")
    thread = wt._thread_for_ident(ident) if wt is not None else None
    hook = wt.excepthook if wt is not None else std.excepthook
    hook(std.ExceptHookArgs([type(exc), exc, exc.__traceback__, thread]))


_weft.weft_py_install_thread_hooks(_thread_failure)
