"""Exceptions raised for weft status codes.

The classes come from the one status table (``WEFT_STATUS_MAP`` in
weft/status.h), whose rows name the standard exception each code stands for;
the extension resolves those names when a code is first raised. This module
registers the few classes that need help: ones the running Python does not
have yet (``queue.ShutDown`` arrived in 3.13) and ones whose constructor does
not take a plain message (``subprocess.CalledProcessError``).
"""
import importlib
import queue as _queue
import subprocess as _subprocess

from . import _weft

__all__ = ["ShutDown", "CalledProcessError", "exception_class", "message", "STATUS"]

#: A weft message as a Python user reads it, without the C function names
#: weft puts first ("weft_queue_get: the queue is empty" -> "the queue is
#: empty"): the rule every exception the extension raises follows.
message = _weft.weft_py_message


if hasattr(_queue, "ShutDown"):
    ShutDown = _queue.ShutDown
else:
    class ShutDown(Exception):
        """Raised by put() or get() on a queue that was shut down (queue.ShutDown)."""
    ShutDown.__module__ = "weft.queue"


class CalledProcessError(_subprocess.CalledProcessError):
    """subprocess.CalledProcessError that can also carry weft's message.

    weft raises it with the message of the failing call; the subprocess
    module raises it with the usual (returncode, cmd, output, stderr).
    """

    def __init__(self, returncode=None, cmd=None, output=None, stderr=None):
        self._message = None
        if isinstance(returncode, str) and cmd is None:
            self._message, returncode = returncode, None
        super().__init__(returncode, cmd, output, stderr)

    def __str__(self):
        if self._message is not None:
            return self._message
        return super().__str__()


def _resolve(dotted):
    if not dotted:
        return None
    mod, _, name = dotted.rpartition(".")
    try:
        obj = getattr(importlib.import_module(mod or "builtins"), name)
    except (ImportError, AttributeError):
        return None
    return obj if isinstance(obj, type) and issubclass(obj, BaseException) else None


#: code -> (name, exception class) for every row of the status table.
STATUS = {}

_ADAPTERS = {"queue.ShutDown": ShutDown, "subprocess.CalledProcessError": CalledProcessError}

for _code, _name, _pyexc, _msg in _weft.weft_py_status_table():
    globals()[_name] = _code
    if not _pyexc:
        STATUS[_code] = (_name, None)
        continue
    _cls = _ADAPTERS.get(_pyexc)
    if _cls is not None:
        _weft.weft_py_set_exception(_code, _cls)
    else:
        # Resolved here only to be listed; the extension resolves lazily.
        _cls = _resolve(_pyexc) if _pyexc.partition(".")[0] in ("queue", "concurrent", "threading", "subprocess") or "." not in _pyexc else None
    STATUS[_code] = (_name, _cls)


def exception(code, text=None):
    """The exception a failure with this code and weft message stands for."""
    cls = exception_class(code) or RuntimeError
    return cls(message(text) if text else _weft.weft_strerror(code))


def exception_class(code):
    """The exception class raised for a status code."""
    try:
        _weft.weft_py_raise_status(code)
    except BaseException as e:  # noqa: B902 - we want whatever it is
        return type(e)
    return None
