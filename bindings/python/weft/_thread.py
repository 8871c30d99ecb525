"""weft._thread: Python's low-level `_thread` module over weft's threads."""
import signal as _signal
import sys as _sys

from . import _weft as _c
from ._sync import Lock as _new_lock
from ._sync import LockType
from ._sync import RLock

__all__ = ["error", "LockType", "RLock", "start_new_thread", "start_new", "interrupt_main", "exit",
           "exit_thread", "allocate_lock", "allocate", "get_ident", "get_native_id", "stack_size",
           "TIMEOUT_MAX", "_count"]

error = RuntimeError
TIMEOUT_MAX = _c.WEFT_TIMEOUT_MAX
get_ident = _c.weft_threading_get_ident
get_native_id = _c.weft_threading_get_native_id


# A staticmethod object: callable as it is and, like Python's built-in
# function, not turned into a method when stored as a class attribute
# (`locktype = _thread.allocate_lock`).
allocate_lock = staticmethod(_new_lock)
allocate_lock.__doc__ = "Create a new lock object (LockType), initially unlocked."
allocate = allocate_lock

def _count():
    """Return the number of threads started by weft that are still running
    (not the main thread, nor foreign threads weft only saw), as
    _thread._count() counts Python's."""
    main = _c.weft_thread_ident(_c.weft_threading_main_thread())
    n = 0
    for h in _c.weft_threading_enumerate():
        if _c.weft_thread_ident(h) != main and not (_c.weft_thread_name(h) or "").startswith("Dummy-"):
            n += 1
    return n


def start_new_thread(function, args, kwargs=None, /):
    """Start a thread running function(*args, **kwargs); return its identifier.

    The thread ends when the function returns; an exception other than
    SystemExit is reported to sys.unraisablehook, as Python does.
    """
    if not isinstance(args, tuple):
        raise TypeError("2nd arg must be a tuple")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError("optional 3rd arg must be a dictionary")
    if not callable(function):
        raise TypeError("first arg must be callable")
    kw = kwargs or {}

    def run():
        try:
            function(*args, **kw)
        except SystemExit:
            pass
        except BaseException as e:
            _sys.unraisablehook(_UnraisableArgs(type(e), e, e.__traceback__,
                                                "Exception ignored in thread started by", function))
        finally:
            wt = _sys.modules.get("weft.threading")
            if wt is not None:
                wt._forget_dummy(get_ident())

    try:
        return _c.weft_threading_start_new_thread(run)
    except RuntimeError:
        raise RuntimeError("can't start new thread") from None


start_new = start_new_thread


class _UnraisableArgs:
    __slots__ = ("exc_type", "exc_value", "exc_traceback", "err_msg", "object")

    def __init__(self, exc_type, exc_value, exc_traceback, err_msg, obj):
        self.exc_type = exc_type
        self.exc_value = exc_value
        self.exc_traceback = exc_traceback
        self.err_msg = err_msg
        self.object = obj


def exit():
    """Raise SystemExit, which ends the calling thread silently."""
    raise SystemExit


exit_thread = exit


def interrupt_main(signum=_signal.SIGINT, /):
    """Simulate the arrival of a signal (SIGINT by default) in the main thread.

    Nothing happens if Python does not handle the signal.
    """
    _c.weft_threading_interrupt_main(int(signum))


def stack_size(size=None, /):
    """Return the stack size of new threads; with size, set it and return the old one."""
    if size is None:
        return _c.weft_threading_get_stack_size()
    if size < 0:
        raise ValueError("size must be 0 or a positive value")
    return _c.weft_threading_stack_size(size)
