"""weft: Python's concurrent execution modules over the weft C library.

The submodules mirror the standard library's, with the same names,
arguments and exceptions, so code written for the standard modules runs
after changing only its imports::

    from weft import threading, queue
    from weft.concurrent import futures

The SWIG extension ``weft._weft`` holds the C functions themselves.
"""
from . import _weft
from . import _errors
from . import _exit

__all__ = ["version", "version_string", "status_table"]

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


def _thread_failure(status, message, ident):
    # A weft thread that Python did not start failed (its C callable
    # reported an error): hand it to threading.excepthook, as Python does
    # for its own threads.
    import sys
    import threading as std
    cls = _errors.exception_class(status) or Exception
    try:
        exc = cls(message)
    except Exception:
        exc = RuntimeError(message)
    wt = sys.modules.get("weft.threading")
    thread = wt._thread_for_ident(ident) if wt is not None else None
    hook = wt.excepthook if wt is not None else std.excepthook
    hook(std.ExceptHookArgs([type(exc), exc, None, thread]))


_weft.weft_py_install_thread_hooks(_thread_failure)
