"""weft.threading: Python's `threading` module over weft's threads.

Thread (subclassing with run() included), Timer, local, the module
functions and the synchronisation classes have the standard names,
arguments and exceptions. A weft thread is an OS thread started by the C
library; Python code in it runs under the GIL like any thread's, and every
blocking call releases the GIL.

A failure in a thread goes to `excepthook`, whose default hands it to the
standard `threading.excepthook` (so replacing either one is seen).
"""
import itertools as _itertools
import os as _os
import sys as _sys
import _thread as _std_thread
import threading as _std

from . import _weft as _c
from ._timeout import seconds
from ._sync import (Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, Lock, RLock,
                    Semaphore)

__all__ = ["get_ident", "get_native_id", "active_count", "current_thread", "enumerate",
           "main_thread", "TIMEOUT_MAX", "Thread", "Timer", "local", "settrace", "setprofile",
           "settrace_all_threads", "setprofile_all_threads", "gettrace", "getprofile",
           "stack_size", "excepthook", "ExceptHookArgs", "Lock", "RLock", "Condition",
           "Semaphore", "BoundedSemaphore", "Event", "Barrier", "BrokenBarrierError",
           "activeCount", "currentThread", "ThreadError"]

TIMEOUT_MAX = _c.WEFT_TIMEOUT_MAX
ThreadError = _std_thread.error
ExceptHookArgs = _std.ExceptHookArgs
__excepthook__ = _std.__excepthook__

get_ident = _c.weft_threading_get_ident
get_native_id = _c.weft_threading_get_native_id

# ident -> Thread, for the weft threads started from Python and running;
# filled by start() and by the thread itself, whichever comes first.
_active = {}
_active_lock = _std_thread.allocate_lock()
_counter = _itertools.count(1).__next__
_trace_hook = None
_profile_hook = None


def _newname(name_template="Thread-%d"):
    return name_template % _counter()


def excepthook(args, /):
    """Handle an exception raised by Thread.run(); by default, threading.excepthook."""
    return _std.excepthook(args)


def _call_excepthook(thread):
    exc_type, exc_value, exc_tb = _sys.exc_info()
    hook = globals().get("excepthook") or _std.excepthook
    try:
        hook(ExceptHookArgs([exc_type, exc_value, exc_tb, thread]))
    except Exception as exc:
        # As Python reports a hook that fails.
        exc.__suppress_context__ = True
        del exc
        stderr = _sys.stderr if _sys.stderr is not None else thread._stderr
        print("Exception in threading.excepthook:", file=stderr, flush=True)
        (_sys.excepthook or _sys.__excepthook__)(*_sys.exc_info())
    finally:
        exc_type = exc_value = exc_tb = None


class Thread:
    """A thread of control, as threading.Thread; started by weft.

    Pass a callable as target, or subclass and override run().
    """

    _initialized = False

    def __init__(self, group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None):
        """Make a thread object; start() runs it. Pass the arguments by keyword.

        group must be None (kept for compatibility). target is called as
        target(*args, **kwargs) by run(); None calls nothing. name defaults
        to "Thread-N" ("Thread-N (target)" with a target). daemon, if not
        None, says whether the thread is a daemon; by default it is one if
        the creating thread is. A subclass that overrides __init__ must call
        Thread.__init__ before anything else.
        """
        assert group is None, "group argument must be None for now"
        if kwargs is None:
            kwargs = {}
        if name:
            name = str(name)
        else:
            name = _newname("Thread-%d")
            if target is not None:
                try:
                    name += " (%s)" % target.__name__
                except AttributeError:
                    pass
        self._target = target
        self._name = name
        self._args = args
        self._kwargs = kwargs
        if daemon is not None:
            if daemon and not _daemon_threads_allowed():
                raise RuntimeError("daemon threads are disabled in this (sub)interpreter")
            self._daemonic = bool(daemon)
        else:
            self._daemonic = _caller_daemon()
        self._h = None
        self._started = False
        self._ended = False
        self._ident = None
        self._stderr = _sys.stderr
        self._initialized = True

    # ---- running --------------------------------------------------------

    def start(self):
        """Start the thread's activity; at most once per Thread object."""
        if not self._initialized:
            raise RuntimeError("thread.__init__() not called")
        if self._started:
            raise RuntimeError("threads can only be started once")
        h = _c.weft_thread_new(self._name, self._bootstrap)
        _c.weft_thread_set_daemon(h, 1 if self._daemonic else 0)
        try:
            _c.weft_thread_start(h)
        except RuntimeError:
            raise RuntimeError("can't start new thread") from None
        self._mark_started(h)

    def _mark_started(self, h):
        """Records the started weft thread `h` and lists it as active."""
        self._h = h
        self._started = True
        self._ident = _c.weft_thread_ident(h) or None
        with _active_lock:
            if not self._ended:
                _active[self._ident] = self

    def run(self):
        """The thread's activity: calls target(*args, **kwargs); override in subclasses."""
        try:
            if self._target is not None:
                self._target(*self._args, **self._kwargs)
        finally:
            del self._target, self._args, self._kwargs

    def _bootstrap(self):
        # Runs in the new thread, called by weft through the trampoline.
        ident = get_ident()
        self._ident = ident
        with _active_lock:
            _active[ident] = self
        # The standard threading module sees this thread too, under its
        # name (logging's threadName, threading.current_thread()).
        view = _std_view(self, ident)
        try:
            if _trace_hook is not None:
                _sys.settrace(_trace_hook)
            if _profile_hook is not None:
                _sys.setprofile(_profile_hook)
            try:
                self.run()
            except BaseException:
                _call_excepthook(self)
        finally:
            _std_forget(view, ident)
            with _active_lock:
                self._ended = True
                _active.pop(ident, None)

    def join(self, timeout=None):
        """Wait until the thread ends, or the timeout (seconds) passes.

        Returns None either way: check is_alive() after a timeout.
        """
        if not self._initialized:
            raise RuntimeError("Thread.__init__() not called")
        if not self._started:
            raise RuntimeError("cannot join thread before it is started")
        if self is current_thread():
            raise RuntimeError("cannot join current thread")
        t = seconds(timeout)
        try:
            _c.weft_thread_join(self._h, t)
        except TimeoutError:
            pass

    def is_alive(self):
        """Return whether the thread is alive (started and not yet ended)."""
        if not self._started:
            return False
        return bool(_c.weft_thread_is_alive(self._h))

    # ---- attributes -------------------------------------------------------

    @property
    def name(self):
        """The thread's name, for identification only."""
        return self._name

    @name.setter
    def name(self, name):
        self._name = str(name)
        if self._h is not None:
            _c.weft_thread_set_name(self._h, self._name)

    @property
    def ident(self):
        """The thread identifier (get_ident() in it), or None if not started."""
        return self._ident

    @property
    def native_id(self):
        """The operating system's thread id, or None if not started."""
        if self._h is None:
            return None
        return _c.weft_thread_native_id(self._h) or None

    @property
    def daemon(self):
        """Whether the thread is a daemon thread (not waited for at exit)."""
        return self._daemonic

    @daemon.setter
    def daemon(self, daemonic):
        if not self._initialized:
            raise RuntimeError("Thread.__init__() not called")
        if daemonic and not _daemon_threads_allowed():
            raise RuntimeError("daemon threads are disabled in this interpreter")
        if self._started:
            raise RuntimeError("cannot set daemon status of active thread")
        self._daemonic = bool(daemonic)

    def isDaemon(self):
        """Deprecated alias of the daemon attribute."""
        return self.daemon

    def setDaemon(self, daemonic):
        """Deprecated setter of the daemon attribute."""
        self.daemon = daemonic

    def getName(self):
        """Deprecated alias of the name attribute."""
        return self.name

    def setName(self, name):
        """Deprecated setter of the name attribute."""
        self.name = name

    def __repr__(self):
        status = "initial"
        if self._started:
            status = "started"
        if self._started and not self.is_alive():
            status = "stopped"
        if self._daemonic:
            status += " daemon"
        if self._ident is not None:
            status += " %s" % self._ident
        return "<%s(%s, %s)>" % (type(self).__name__, self._name, status)


class _StdThread(_std.Thread):
    """What the standard threading module lists for a running weft thread
    (in threading._active, under its ident, as Python's own threads are).

    A started Thread, not a _DummyThread: to the standard module (and code
    asking it, such as current_thread() in the thread or in a child forked
    from it) the thread looks as a thread Python started does, with the
    weft thread's name, daemon flag, liveness and join."""

    def __init__(self, thread, ident):
        _std.Thread.__init__(self, name=thread._name, daemon=thread._daemonic)
        self._weft_thread = thread
        self._started.set()
        self._ident = ident
        set_native = getattr(self, "_set_native_id", None)
        if set_native is not None:
            set_native()

    @property
    def name(self):
        return self._weft_thread._name

    @name.setter
    def name(self, name):
        self._weft_thread.name = name

    def start(self):
        raise RuntimeError("threads can only be started once")

    def is_alive(self):
        # _is_stopped: forgotten in a forked child (threading._after_fork).
        return not self._is_stopped and self._weft_thread.is_alive()

    def join(self, timeout=None):
        if not self._is_stopped:
            self._weft_thread.join(timeout)

    def _after_fork(self, new_ident=None):
        # Python 3.12+ calls this in a forked child (3.11 calls
        # _reset_internal_locks and _stop, which suit this class as they
        # are): the forking thread stays itself, the others have ended. The
        # base class would look for a thread handle it never had.
        self._started._at_fork_reinit()
        if new_ident is not None:
            self._ident = new_ident
        else:
            self._is_stopped = True


def _std_view(thread, ident):
    try:
        view = _StdThread(thread, ident)
        with _std._active_limbo_lock:
            _std._active[ident] = view
        return view
    except Exception:  # a standard module without these internals: not listed
        return None


def _std_forget(view, ident):
    if view is None:
        return
    try:
        with _std._active_limbo_lock:
            if _std._active.get(ident) is view:
                del _std._active[ident]
    except Exception:
        pass


def _caller_daemon():
    # A new thread inherits the daemon flag of the thread creating it.
    t = _active.get(get_ident())
    if t is not None:
        return t.daemon
    return _std.current_thread().daemon


def _daemon_threads_allowed():
    f = getattr(_std, "_daemon_threads_allowed", None)
    return f() if f is not None else True


class _HandleThread(Thread):
    """A thread weft knows but Python did not start: the main thread, a
    thread of another origin ("dummy"), or one started from C."""

    def __init__(self, h, daemon):
        self._h = h
        self._target = None
        self._args = ()
        self._kwargs = {}
        self._name = _c.weft_thread_name(h)
        self._daemonic = daemon
        self._started = True
        self._ended = False
        self._ident = _c.weft_thread_ident(h) or None
        self._stderr = _sys.stderr
        self._initialized = True

    def start(self):
        raise RuntimeError("threads can only be started once")



class _MainThread(_HandleThread):
    pass


class _DummyThread(_HandleThread):
    def join(self, timeout=None):
        raise RuntimeError("cannot join a dummy thread")


_main = None
_others = {}  # ident -> _HandleThread for threads not started from Python


def main_thread():
    """Return the main thread object (the thread the interpreter started in)."""
    global _main
    if _main is None:
        _main = _MainThread(_c.weft_threading_main_thread(), False)
    return _main


def _wrap(h):
    ident = _c.weft_thread_ident(h)
    t = _active.get(ident)
    if t is not None and (not isinstance(t, _HandleThread) or t.is_alive()):
        return t
    m = main_thread()
    if ident == m._ident:
        return m
    # A thread Python did not start (_thread.start_new_thread, C code, a
    # foreign thread): a _DummyThread, listed in _active while it runs, as
    # Python's threading lists its dummies.
    t = _DummyThread(h, bool(_c.weft_thread_daemon(h)))
    with _active_lock:
        _active[ident] = t
    return t


def _forget_dummy(ident):
    """A thread of _thread.start_new_thread ends: its dummy leaves _active."""
    with _active_lock:
        if isinstance(_active.get(ident), _HandleThread):
            del _active[ident]


def current_thread():
    """Return the Thread object of the calling thread."""
    t = _active.get(get_ident())
    if t is not None:
        return t
    return _wrap(_c.weft_threading_current_thread())


def enumerate():
    """Return a list of every alive thread weft knows."""
    return [_wrap(h) for h in _c.weft_threading_enumerate()]


def active_count():
    """Return the number of alive threads weft knows (len(enumerate()))."""
    return _c.weft_threading_active_count()


currentThread = current_thread
activeCount = active_count


def stack_size(size=None):
    """Return the stack size of new threads; with size, set it (0: system default)."""
    if size is None:
        return _c.weft_threading_get_stack_size()
    if size < 0:
        raise ValueError("size must be 0 or a positive value")
    return _c.weft_threading_stack_size(size)


def settrace(func):
    """Set a trace function (sys.settrace) for threads started from weft.threading."""
    global _trace_hook
    _trace_hook = func


def setprofile(func):
    """Set a profile function (sys.setprofile) for threads started from weft.threading."""
    global _profile_hook
    _profile_hook = func


def _all_threads(ours, name, this_thread, func):
    """ours(func) for threads started from here, then the standard module's
    `name` for the running ones (Python 3.12+), else this_thread(func)."""
    ours(func)
    f = getattr(_std, name, None)
    if f is not None:
        f(func)
    else:
        this_thread(func)


def settrace_all_threads(func):
    """Set a trace function for all threads, running ones included (where Python can)."""
    _all_threads(settrace, "settrace_all_threads", _sys.settrace, func)


def setprofile_all_threads(func):
    """Set a profile function for all threads, running ones included (where Python can)."""
    _all_threads(setprofile, "setprofile_all_threads", _sys.setprofile, func)


def gettrace():
    """Return the trace function set by settrace()."""
    return _trace_hook


def getprofile():
    """Return the profile function set by setprofile()."""
    return _profile_hook


class Timer(Thread):
    """Call a function after a number of seconds, in its own thread, unless cancelled."""

    def __init__(self, interval, function, args=None, kwargs=None):
        Thread.__init__(self)
        self.interval = interval
        self.function = function
        self.args = args if args is not None else []
        self.kwargs = kwargs if kwargs is not None else {}
        self._timer = None
        self._cancelled = False
        self.finished = Event()

    def start(self):
        if not self._initialized:
            raise RuntimeError("thread.__init__() not called")
        if self._started:
            raise RuntimeError("threads can only be started once")
        tm = _c.weft_timer_new(max(float(self.interval), 0.0), self._bootstrap)
        h = _c.weft_timer_thread(tm)
        _c.weft_thread_set_name(h, self._name)
        _c.weft_thread_set_daemon(h, 1 if self._daemonic else 0)
        if self._cancelled:
            _c.weft_timer_cancel(tm)
        try:
            _c.weft_timer_start(tm)
        except RuntimeError:
            raise RuntimeError("can't start new thread") from None
        self._timer = tm
        self._mark_started(h)

    def cancel(self):
        """Stop the timer if it has not fired yet."""
        self._cancelled = True
        self.finished.set()
        if self._timer is not None:
            _c.weft_timer_cancel(self._timer)

    def run(self):
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()


class local:
    """Thread-local data: each thread sees its own attributes (threading.local).

    Subclasses may define __init__, called in each thread with the
    constructor's arguments the first time the thread touches the object.
    The values of a thread are released when it ends.
    """

    __slots__ = ("_local__impl", "__dict__")

    def __new__(cls, /, *args, **kw):
        if (args or kw) and (cls.__init__ is object.__init__):
            raise TypeError("Initialization arguments are not supported")
        self = object.__new__(cls)
        impl = (_c.weft_local_new(), args, kw, _std.RLock())
        object.__setattr__(self, "_local__impl", impl)
        d = {}
        _c.weft_local_set(impl[0], d)
        object.__setattr__(self, "__dict__", d)
        return self


def _local_dict(self):
    h, args, kw, lock = object.__getattribute__(self, "_local__impl")
    d = _c.weft_local_get(h)
    if d is None:
        d = {}
        _c.weft_local_set(h, d)
        object.__setattr__(self, "__dict__", d)
        if args or kw or type(self).__init__ is not object.__init__:
            type(self).__init__(self, *args, **kw)
    return d, lock


def _local_getattribute(self, name):
    d, lock = _local_dict(self)
    with lock:
        object.__setattr__(self, "__dict__", d)
        return object.__getattribute__(self, name)


def _local_setattr(self, name, value):
    if name == "__dict__":
        raise AttributeError("%r object attribute '__dict__' is read-only" % type(self).__name__)
    d, lock = _local_dict(self)
    with lock:
        object.__setattr__(self, "__dict__", d)
        return object.__setattr__(self, name, value)


def _local_delattr(self, name):
    if name == "__dict__":
        raise AttributeError("%r object attribute '__dict__' is read-only" % type(self).__name__)
    d, lock = _local_dict(self)
    with lock:
        object.__setattr__(self, "__dict__", d)
        return object.__delattr__(self, name)


local.__getattribute__ = _local_getattribute
local.__setattr__ = _local_setattr
local.__delattr__ = _local_delattr


def _after_fork():
    # In a forked child only the forking thread exists: the others are
    # forgotten (weft's C registry forgets them too, and their join()
    # returns at once), the forking thread becomes the main thread, and the
    # lock another thread may have held at the fork is made anew.
    global _active_lock, _main
    _active_lock = _std_thread.allocate_lock()
    ident = get_ident()
    current = _active.get(ident)
    _active.clear()
    _others.clear()
    _main = None
    if current is not None:
        _active[ident] = current
        _main = current


if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork)


def _thread_for_ident(ident):
    """The Thread object of a thread known by its ident, or None."""
    t = _active.get(ident) or _others.get(ident)
    if t is None and main_thread()._ident == ident:
        t = _main
    return t
