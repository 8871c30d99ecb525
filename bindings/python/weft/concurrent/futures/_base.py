"""Future, Executor, wait() and as_completed() over weft's futures."""
import logging as _logging
import time as _time
import threading as _std_threading
from concurrent.futures import (ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, CancelledError,
                                InvalidStateError, TimeoutError)
from concurrent.futures._base import DoneAndNotDoneFutures

from ... import _errors
from ..._timeout import FOREVER, seconds
from ... import _weft as _c

LOGGER = _logging.getLogger("concurrent.futures")

_RETURN_WHEN = {
    FIRST_COMPLETED: _c.WEFT_FIRST_COMPLETED,
    FIRST_EXCEPTION: _c.WEFT_FIRST_EXCEPTION,
    ALL_COMPLETED: _c.WEFT_ALL_COMPLETED,
}

_result = _c.weft_future_result
_exception = _c.weft_future_exception
_handle_id = _c.weft_py_handle_id

_BROKEN_BY_INITIALIZER = "A thread initializer failed, the thread pool is not usable anymore"




class Future:
    """The result of an asynchronous call (concurrent.futures.Future).

    Executors make them; code that runs calls itself may make one with
    Future() and complete it with set_result() or set_exception().
    """

    __slots__ = ("_h", "__weakref__")

    def __init__(self):
        self._h = _c.weft_future_new()

    @classmethod
    def _from_handle(cls, h):
        f = cls.__new__(cls)
        f._h = h
        return f

    def __repr__(self):
        h = self._h
        if _c.weft_future_cancelled(h):
            state = "cancelled"
        elif _c.weft_future_done(h):
            code, text, payload = _exception(h, 0.0)
            if code:
                state = "finished raised %s" % type(self._failure(code, payload, text)).__name__
            else:
                state = "finished returned %s" % type(_result(h, 0.0)).__name__
        elif _c.weft_future_running(h):
            state = "running"
        else:
            state = "pending"
        return "<%s at %#x state=%s>" % (type(self).__name__, id(self), state)

    def cancel(self):
        """Cancel the call if it has not started; return whether it is cancelled."""
        return bool(_c.weft_future_cancel(self._h))

    def cancelled(self):
        """Return True if the call was cancelled."""
        return bool(_c.weft_future_cancelled(self._h))

    def running(self):
        """Return True if the call is running."""
        return bool(_c.weft_future_running(self._h))

    def done(self):
        """Return True if the call finished or was cancelled."""
        return bool(_c.weft_future_done(self._h))

    @staticmethod
    def _failure(code, payload, text=None):
        if isinstance(payload, BaseException):
            return payload
        if code == _c.WEFT_BROKEN_THREAD_POOL:
            # The only way a thread pool breaks, worded as CPython's.
            from .thread import BrokenThreadPool
            return BrokenThreadPool(_BROKEN_BY_INITIALIZER)
        return _errors.exception(code, text)

    def _state(self):
        # CPython's names for the states, as its messages print them.
        h = self._h
        if _c.weft_future_cancelled(h):
            return "CANCELLED"
        if _c.weft_future_done(h):
            return "FINISHED"
        return "RUNNING" if _c.weft_future_running(h) else "PENDING"

    def result(self, timeout=None):
        """Return the call's value, waiting up to timeout seconds (None: no limit).

        Raises CancelledError if the future was cancelled, TimeoutError if
        it did not finish in time, and the call's own exception (the same
        object) if it raised one.
        """
        h = self._h
        try:
            return _result(h, 0.0)  # done already: no GIL switch
        except BaseException:
            pass
        err = None
        try:
            return _result(h, seconds(timeout))
        except CancelledError:
            raise CancelledError() from None
        except TimeoutError:
            raise TimeoutError() from None  # CPython's carries no message
        except BaseException as e:
            err = e
        # Outside the except clause, so that the task's exception is raised
        # as it is, its __context__ untouched.
        try:
            code, text, payload = _exception(h, 0.0)
        except BaseException:
            code = 0
        if not code:
            try:
                raise err
            finally:
                err = None
        err = None
        raise self._failure(code, payload, text)

    def exception(self, timeout=None):
        """Return the exception the call raised (None if it returned).

        Waits up to timeout seconds; raises CancelledError or TimeoutError
        as result() does.
        """
        try:
            code, text, payload = _exception(self._h, seconds(timeout))
        except CancelledError:
            raise CancelledError() from None
        except TimeoutError:
            raise TimeoutError() from None
        if not code:
            return None
        return self._failure(code, payload, text)

    def add_done_callback(self, fn):
        """Call fn(future) when the future finishes or is cancelled (at once if it has).

        An exception in fn is logged and ignored, as Python does.
        """
        def call():
            try:
                fn(self)
            except Exception:
                LOGGER.exception("exception calling callback for %r", self)
        _c.weft_future_add_done_callback(self._h, call)

    def set_running_or_notify_cancel(self):
        """Mark the future running (True) or, if cancelled, notify waiters (False)."""
        try:
            return bool(_c.weft_future_set_running_or_notify_cancel(self._h))
        except (InvalidStateError, RuntimeError):
            state = self._state()
            if state == "CANCELLED":
                state = "CANCELLED_AND_NOTIFIED"  # the only cancelled state that refuses
            LOGGER.critical("Future %s in unexpected state: %s", id(self), state)
            raise RuntimeError("Future in unexpected state") from None

    def set_result(self, result):
        """Complete the future with a value; InvalidStateError if it is done."""
        try:
            _c.weft_future_set_result(self._h, result)
        except InvalidStateError:
            raise InvalidStateError("%s: %r" % (self._state(), self)) from None

    def set_exception(self, exception):
        """Complete the future with an exception; InvalidStateError if it is done."""
        try:
            _c.weft_future_set_exception(self._h, _c.WEFT_FAILED, str(exception), exception)
        except InvalidStateError:
            raise InvalidStateError("%s: %r" % (self._state(), self)) from None

    __class_getitem__ = classmethod(lambda cls, item: cls)


def _is_weft(f):
    return isinstance(f, Future)


def _finished_raising(f):
    # Done by raising (not cancelled): FIRST_EXCEPTION's condition.
    return f.done() and not f.cancelled() and f.exception(0) is not None


class _Waiter:
    """Told when any of several futures completes, whatever made them.

    The standard library's futures take it in their `_waiters` list, as
    their own wait() does, and drop it afterwards; weft's and any other
    future's done callbacks notify it (a callback cannot be removed, so it
    holds the waiter only until the future completes)."""

    def __init__(self):
        self.event = _std_threading.Event()

    def notify(self, *_):
        self.event.set()

    # The interface of concurrent.futures._base's waiters.
    add_result = add_exception = add_cancelled = notify

    def install(self, fs):
        installed = []
        for f in fs:
            cond, waiters = getattr(f, "_condition", None), getattr(f, "_waiters", None)
            if not _is_weft(f) and cond is not None and isinstance(waiters, list):
                with cond:
                    waiters.append(self)
                installed.append(f)
            else:
                f.add_done_callback(self.notify)
        return installed

    def remove(self, installed):
        for f in installed:
            with f._condition:
                try:
                    f._waiters.remove(self)
                except ValueError:
                    pass


def _deadline(timeout):
    t = seconds(timeout)
    return None if t == FOREVER else _time.monotonic() + t


def _left(deadline):
    return None if deadline is None else max(0.0, deadline - _time.monotonic())


def as_completed(fs, timeout=None):
    """Yield the futures of fs as they complete (finished or cancelled).

    Raises TimeoutError if they are not all done within timeout seconds of
    the first next(). Duplicates are yielded once. Any future will do:
    weft's, or another implementation's such as concurrent.futures'.
    """
    fs = list(dict.fromkeys(fs))
    if all(_is_weft(f) for f in fs):
        yield from _as_completed_weft(fs, timeout)
        return
    deadline = _deadline(timeout)
    total = len(fs)
    pending = []
    for f in fs:
        if f.done():
            yield f
        else:
            pending.append(f)
    if not pending:
        return
    waiter = _Waiter()
    installed = waiter.install(pending)
    try:
        while pending:
            left = _left(deadline)
            if left is not None and left <= 0 and not any(f.done() for f in pending):
                raise TimeoutError("%d (of %d) futures unfinished" % (len(pending), total))
            waiter.event.wait(left)
            waiter.event.clear()
            still = []
            for f in pending:
                if f.done():
                    yield f
                else:
                    still.append(f)
            pending = still
    finally:
        waiter.remove(installed)


def _as_completed_weft(fs, timeout):
    by_id = {_handle_id(f._h): f for f in fs}
    it = _c.weft_as_completed_new([f._h for f in fs], seconds(timeout))
    yielded = 0
    while True:
        try:
            h = _c.weft_as_completed_next(it)
        except EOFError:
            return
        except TimeoutError:
            raise TimeoutError("%d (of %d) futures unfinished" % (len(fs) - yielded, len(fs))) from None
        yielded += 1
        yield by_id[_handle_id(h)]


def wait(fs, timeout=None, return_when=ALL_COMPLETED):
    """Wait for the futures of fs; return DoneAndNotDoneFutures(done, not_done).

    return_when is FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED. Any
    future will do: weft's, or another implementation's.
    """
    fs = set(fs)
    try:
        how = _RETURN_WHEN[return_when]
    except KeyError:
        raise ValueError("Invalid return condition: %r" % (return_when,)) from None
    if all(_is_weft(f) for f in fs):
        order = list(fs)
        flags = _c.weft_py_futures_wait([f._h for f in order], how, seconds(timeout))
        done = {f for f, d in zip(order, flags) if d}
        return DoneAndNotDoneFutures(done, fs - done)

    def satisfied(done):
        if return_when == FIRST_COMPLETED:
            return bool(done)
        if return_when == FIRST_EXCEPTION and any(_finished_raising(f) for f in done):
            return True
        return len(done) == len(fs)

    deadline = _deadline(timeout)
    done = {f for f in fs if f.done()}
    if satisfied(done):
        return DoneAndNotDoneFutures(done, fs - done)
    waiter = _Waiter()
    installed = waiter.install(fs - done)
    try:
        while True:
            left = _left(deadline)
            if left is not None and left <= 0:
                break
            waiter.event.wait(left)
            waiter.event.clear()
            done = {f for f in fs if f.done()}
            if satisfied(done):
                break
    finally:
        waiter.remove(installed)
    done = {f for f in fs if f.done()}
    return DoneAndNotDoneFutures(done, fs - done)


def _result_or_cancel(fut, timeout=None):
    try:
        return fut.result(timeout)
    finally:
        fut.cancel()


class Executor:
    """Base class of executors (concurrent.futures.Executor)."""

    def submit(self, fn, /, *args, **kwargs):
        """Schedule fn(*args, **kwargs); return a Future."""
        raise NotImplementedError()

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        """Return an iterator of fn(*args) over the iterables, run concurrently.

        The results come in order; TimeoutError if one is not ready within
        timeout seconds of the call; the first exception of a call is raised
        when its result is reached.
        """
        end_time = None if timeout is None else timeout + _time.monotonic()
        fs = [self.submit(fn, *args) for args in zip(*iterables)]

        def result_iterator():
            try:
                fs.reverse()
                while fs:
                    if end_time is None:
                        yield _result_or_cancel(fs.pop())
                    else:
                        yield _result_or_cancel(fs.pop(), end_time - _time.monotonic())
            finally:
                for future in fs:
                    future.cancel()
        return result_iterator()

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Free the executor's resources once pending work is done."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.shutdown(wait=True)
        return False
