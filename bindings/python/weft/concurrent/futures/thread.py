"""ThreadPoolExecutor over weft's thread pool (concurrent.futures.thread)."""
import functools as _functools
import os as _os
import queue as _queue
import sys as _sys
import threading as _std_threading
import weakref as _weakref
from concurrent.futures.thread import BrokenThreadPool

from ... import _Reported, _exit
from ... import _weft as _c
from . import _base
from ._base import Executor, Future

__all__ = ["ThreadPoolExecutor", "BrokenThreadPool"]

_submit = _c.weft_executor_submit
_wrap = Future._from_handle

# Executors still alive at interpreter exit are shut down (waiting for their
# pending work, as Python's are) before the interpreter goes away.
_live = _weakref.WeakSet()


def _shutdown_all():
    for ex in list(_live):
        try:
            ex.shutdown(wait=True)
        except Exception:
            pass
    # Executors dropped without shutdown(): their work still runs, and the
    # interpreter waits for it at exit, as CPython joins their workers.
    with _reaper_lock:
        reaper = _reaper[0]
    if reaper is not None:
        _dropped.put(None)
        reaper.join()


_exit.register(_shutdown_all)

# weft frees an executor handle only once its workers are done (the free
# waits for them). An executor that the program drops while its work still
# runs or waits must not make the dropping thread wait, as CPython's does
# not: its handle goes to one reaper thread that frees it there.
_dropped = _queue.SimpleQueue()
_reaper = [None]
_reaper_lock = _std_threading.Lock()


def _reap():
    while True:
        h = _dropped.get()
        if h is None:
            return
        # Wait here (GIL released) for the workers, so that whichever thread
        # drops the last reference frees a pool that is already joined.
        try:
            _c.weft_executor_shutdown(h, 1, 0)
        except Exception:
            pass
        del h


def _drop(h):
    _dropped.put(h)
    with _reaper_lock:
        if _reaper[0] is None:
            t = _std_threading.Thread(target=_reap, name="weft-executor-reaper", daemon=True)
            t.start()
            _reaper[0] = t


def _after_fork():
    # In a forked child only the forking thread exists. The parent's
    # executors are forgotten, as CPython's child forgets them: their
    # workers, and any submit under way at the fork, were threads of the
    # parent, so exit must not shut them down (that would wait for them for
    # ever). The parent's reaper is gone too (an executor dropped here needs
    # a reaper of its own), another thread may have held its lock at the
    # fork, and the handles queued for it are the parent's to free.
    global _dropped, _reaper_lock
    _live.clear()
    _dropped = _queue.SimpleQueue()
    _reaper_lock = _std_threading.Lock()
    _reaper[0] = None


if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork)


class ThreadPoolExecutor(Executor):
    """An executor running calls in a pool of at most max_workers weft threads.

    Workers start as work arrives (when none is idle). initializer, if
    given, runs as initializer(*initargs) at the start of each worker; if it
    raises, the pool breaks: pending and later work fails with
    BrokenThreadPool.
    """

    def __init__(self, max_workers=None, thread_name_prefix="", initializer=None, initargs=()):
        """Make a pool of at most max_workers threads.

        max_workers defaults to min(32, os.cpu_count() + 4) and must be
        positive. thread_name_prefix names the workers (prefix_0,
        prefix_1, ...). initializer, a callable, runs as
        initializer(*initargs) first in each worker; if it raises, the pool
        is broken (BrokenThreadPool).
        """
        if max_workers is None:
            max_workers = min(32, (_os.cpu_count() or 1) + 4)
        if max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._max_workers = max_workers
        self._thread_name_prefix = thread_name_prefix or ("ThreadPoolExecutor-%d" % _next_id())
        self._pid = _os.getpid()
        opts = _c.weft_executor_opts_new()
        _c.weft_executor_opts_set_max_workers(opts, max_workers)
        _c.weft_executor_opts_set_thread_name_prefix(opts, self._thread_name_prefix)
        if initializer is not None:
            _c.weft_executor_opts_set_initializer(opts, _functools.partial(_initialize, initializer, initargs))
        self._h = _c.weft_thread_pool_executor_new(opts)
        _live.add(self)

    def submit(self, fn, /, *args, **kwargs):
        """Schedule fn(*args, **kwargs) on a worker; return its Future.

        RuntimeError after shutdown(); BrokenThreadPool if an initializer failed.
        """
        if args or kwargs:
            fn = _functools.partial(fn, *args, **kwargs)
        elif not callable(fn):
            raise TypeError("%r object is not callable" % type(fn).__name__)
        try:
            return _wrap(_submit(self._h, fn))
        except BrokenThreadPool:
            raise BrokenThreadPool(_base._BROKEN_BY_INITIALIZER) from None
        except RuntimeError as e:
            if "shutdown" in str(e) or "shut down" in str(e):
                raise RuntimeError("cannot schedule new futures after shutdown") from None
            raise

    def shutdown(self, wait=True, *, cancel_futures=False):
        """Stop accepting work; with wait, return when pending work is done.

        With cancel_futures, pending work that has not started is cancelled.
        """
        _c.weft_executor_shutdown(self._h, 1 if wait else 0, 1 if cancel_futures else 0)

    def __del__(self):
        # Dropped: no new work; queued work still runs (as in CPython) and
        # the handle is freed by the reaper, not by the dropping thread.
        # Once the interpreter is finalizing (a module-level executor
        # collected at exit) a new thread would never run and starting one
        # would wait for it for ever; exit has already waited for every
        # executor's work by then (_shutdown_all), so the handle is freed
        # here, when `h` goes.
        h = self.__dict__.pop("_h", None)
        if h is None:
            return
        if self._pid != _os.getpid():
            # The parent's executor, dropped in a forked child: left alone
            # (see _after_fork) and its handle never freed here.
            h.thisown = False
            return
        try:
            _c.weft_executor_shutdown(h, 0, 0)
            if not _sys.is_finalizing():
                _drop(h)
        except Exception:
            pass


def _initialize(initializer, initargs):
    # As Python's worker does: log the failure, then break the pool (the
    # raised _Reported tells weft's excepthook it was reported already).
    try:
        initializer(*initargs)
    except BaseException:
        _base.LOGGER.critical("Exception in initializer:", exc_info=True)
        raise _Reported() from None


_ids = iter(range(1 << 62))


def _next_id():
    return next(_ids)
