"""The synchronisation classes of weft.threading: Lock, RLock, Condition,
Semaphore, BoundedSemaphore, Event and Barrier over weft's primitives.

Each has the standard class's methods, arguments, results and exceptions.
A blocking call first tries without waiting (keeping the GIL, so an
uncontended acquire costs no thread switch) and only then waits with the
GIL released.
"""
import threading as _std
import time as _time

from . import _weft as _c
from ._weft import weft_threading_get_ident as _get_ident
from ._timeout import FOREVER, RELEASE_GIL, seconds

__all__ = ["Lock", "LockType", "RLock", "Condition", "Semaphore", "BoundedSemaphore", "Event", "Barrier",
           "BrokenBarrierError"]

BrokenBarrierError = _std.BrokenBarrierError

_lock_acquire = _c.weft_lock_acquire
_lock_release = _c.weft_lock_release


def _lock_timeout(blocking, timeout):
    """Lock.acquire's (blocking, timeout) as weft's seconds, with Python's checks."""
    if not blocking:
        if timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        return 0.0
    if timeout == -1:
        return FOREVER
    return seconds(timeout, negative="timeout value must be a non-negative number", infinite=False)


def _lock_methods(c_new, c_acquire, c_release, not_held):
    """__init__, acquire and release of Lock and RLock, over their C
    functions (closures: as fast as the module globals they replace)."""

    def __init__(self):
        self._h = c_new()

    def acquire(self, blocking=True, timeout=-1):
        """Acquire the lock, blocking or non-blocking, with an optional timeout
        (an RLock again, if this thread owns it).

        Returns True if the lock was acquired, False if not.
        """
        t = _lock_timeout(blocking, timeout)
        try:
            c_acquire(self._h, 0.0)
            return True
        except TimeoutError:
            if t == 0.0:
                return False
        try:
            c_acquire(self._h, t)
            return True
        except TimeoutError:
            return False

    def release(self):
        """Release the lock (an RLock: undo one acquire); RuntimeError if it
        is not locked (an RLock: not owned by this thread)."""
        try:
            c_release(self._h)
        except RuntimeError:
            raise RuntimeError(not_held) from None

    return __init__, acquire, release


class lock:
    """A primitive lock: any thread may release it (_thread.LockType).

    Made by threading.Lock() or _thread.allocate_lock(); the type itself
    cannot be instantiated, as Python's cannot.
    """

    __slots__ = ("_h", "__weakref__")
    acquire, release = _lock_methods(_c.weft_lock_new, _lock_acquire, _lock_release,
                                     "release unlocked lock")[1:]

    def __new__(cls, *args, **kw):
        raise TypeError("cannot create '%s.%s' instances" % (cls.__module__, cls.__qualname__))

    def locked(self):
        """Return whether the lock is held."""
        return bool(_c.weft_lock_locked(self._h))

    def __enter__(self):
        # acquire() without its argument checks: the with statement's path.
        try:
            _lock_acquire(self._h, 0.0)
        except TimeoutError:
            _lock_acquire(self._h, -1.0)
        return True

    def __exit__(self, t, v, tb):
        _lock_release(self._h)

    acquire_lock = acquire
    release_lock = release
    locked_lock = locked

    def _at_fork_reinit(self):
        # After a fork: a new, unlocked lock (the old one may be held by a
        # thread that exists only in the parent).
        self._h = _c.weft_lock_new()

    def __repr__(self):
        return "<%s _thread.lock object at %#x>" % ("locked" if self.locked() else "unlocked", id(self))


lock.__module__ = "weft._thread"
LockType = lock
_new_object = object.__new__


def Lock():
    """Return a new primitive lock (threading.Lock, _thread.allocate_lock)."""
    self = _new_object(LockType)
    self._h = _c.weft_lock_new()
    return self


class RLock:
    """A re-entrant lock: the owning thread may acquire it again (threading.RLock)."""

    __slots__ = ("_h", "_owner", "_count", "__weakref__")
    _acquire, _release = _lock_methods(_c.weft_rlock_new, _c.weft_rlock_acquire,
                                       _c.weft_rlock_release, "cannot release un-acquired lock")[1:]

    def __init__(self):
        self._h = _c.weft_rlock_new()
        self._owner = 0
        self._count = 0

    def acquire(self, blocking=True, timeout=-1):
        """Acquire the lock, blocking or non-blocking, with an optional timeout;
        again, if this thread owns it. Returns True if it was acquired."""
        if self._acquire(blocking, timeout):
            # Only the owner writes these, while it holds the lock.
            self._owner = _get_ident()
            self._count += 1
            return True
        return False

    def release(self):
        """Undo one acquire; RuntimeError if this thread does not own the lock."""
        if self._owner != _get_ident() or not self._count:
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if not self._count:
            self._owner = 0
        try:
            self._release()
        except BaseException:
            self._count += 1
            self._owner = _get_ident()
            raise

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()

    # The Condition protocol (as Python's RLock has it).
    def _is_owned(self):
        return self._owner == _get_ident() and self._count > 0

    def _release_save(self):
        if not self._is_owned():
            raise RuntimeError("cannot release un-acquired lock")
        state = (self._count, self._owner)
        for _ in range(self._count):
            self.release()
        return state

    def _acquire_restore(self, state):
        count, owner = state
        self.acquire()
        for _ in range(count - 1):
            self.acquire()

    def _at_fork_reinit(self):
        self._h = _c.weft_rlock_new()
        self._owner = 0
        self._count = 0

    def __repr__(self):
        owner = self._owner
        return "<%s %s.%s object owner=%r count=%d at %#x>" % (
            "locked" if self._count else "unlocked", "_thread", "RLock", owner, self._count, id(self))


class Condition:
    """A condition variable (threading.Condition).

    With no lock, the condition makes its own RLock, as Python's does. Over
    a Lock or RLock of weft it waits in C; over any other lock it runs
    Python's algorithm, using the lock's _is_owned, _release_save and
    _acquire_restore where it has them.
    """

    def __new__(cls, lock=None):
        if cls is Condition and lock is not None and not isinstance(lock, (RLock, LockType)):
            cls = _PyCondition
        return object.__new__(cls)

    def __init__(self, lock=None):
        if lock is None:
            lock = RLock()
        self._rlock = None
        if isinstance(lock, RLock):
            self._h = _c.weft_condition_new_with_rlock(lock._h)
            self._rlock = lock
        else:
            self._h = _c.weft_condition_new_with_lock(lock._h)
        self._lock = lock
        self.acquire = lock.acquire
        self.release = lock.release

    def __enter__(self):
        return self._lock.__enter__()

    def __exit__(self, *exc):
        return self._lock.__exit__(*exc)

    def _is_owned(self):
        if self._rlock is not None:
            return self._rlock._is_owned()
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def wait(self, timeout=None):
        """Release the lock, wait until notified or the timeout passes, re-acquire.

        Returns True unless the timeout passed. RuntimeError if the lock is
        not held.
        """
        # Never exactly 0, which would keep the GIL: waking re-acquires the
        # lock without a time limit, and its holder may need the GIL to
        # release it.
        t = seconds(timeout, at_least=RELEASE_GIL)
        lk = self._rlock
        if lk is not None:
            # The RLock's owner and count follow it through the wait.
            if not lk._is_owned():
                raise RuntimeError("cannot wait on un-acquired lock")
            saved = lk._owner, lk._count
            lk._owner = 0
            lk._count = 0
        try:
            _c.weft_condition_wait(self._h, t)
            return True
        except TimeoutError:
            return False
        except RuntimeError:
            raise RuntimeError("cannot wait on un-acquired lock") from None
        finally:
            if lk is not None:
                lk._owner, lk._count = saved

    def wait_for(self, predicate, timeout=None):
        """Wait until predicate() is true, or the timeout passes; return its last value."""
        endtime = None
        waittime = timeout
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    endtime = _time.monotonic() + waittime
                else:
                    waittime = endtime - _time.monotonic()
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    def notify(self, n=1):
        """Wake up to n threads waiting on the condition; RuntimeError if the lock is not held."""
        try:
            # n <= 0 wakes nobody, as in Python (C refuses a negative count).
            _c.weft_condition_notify(self._h, max(n, 0))
        except RuntimeError:
            raise RuntimeError("cannot notify on un-acquired lock") from None

    def notify_all(self):
        """Wake all threads waiting on the condition."""
        try:
            _c.weft_condition_notify_all(self._h)
        except RuntimeError:
            raise RuntimeError("cannot notify on un-acquired lock") from None

    notifyAll = notify_all

    def __repr__(self):
        return "<Condition(%s, %d)>" % (self._lock, self._nwaiters())

    def _nwaiters(self):
        return 0  # weft's condition keeps its waiters in C


class _PyCondition(Condition):
    """Python's Condition algorithm over a lock that is not weft's (any
    object with acquire and release): each waiter waits on a weft Lock of
    its own."""

    def __init__(self, lock=None):
        from collections import deque
        self._lock = lock
        self.acquire = lock.acquire
        self.release = lock.release
        for name in ("_release_save", "_acquire_restore", "_is_owned"):
            f = getattr(lock, name, None)
            if f is not None:
                setattr(self, name, f)
        self._waiters = deque()

    def _release_save(self):
        self._lock.release()

    def _acquire_restore(self, state):
        self._lock.acquire()

    def _is_owned(self):
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def wait(self, timeout=None):
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        waiter = Lock()
        waiter.acquire()
        self._waiters.append(waiter)
        saved = self._release_save()
        gotit = False
        try:
            if timeout is None:
                waiter.acquire()
                gotit = True
            elif timeout > 0:
                gotit = waiter.acquire(True, timeout)
            else:
                gotit = waiter.acquire(False)
            return gotit
        finally:
            self._acquire_restore(saved)
            if not gotit:
                try:
                    self._waiters.remove(waiter)
                except ValueError:
                    pass

    def notify(self, n=1):
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        waiters = self._waiters
        while waiters and n > 0:
            waiter = waiters[0]
            try:
                waiter.release()
            except RuntimeError:
                pass
            else:
                n -= 1
            try:
                waiters.remove(waiter)
            except ValueError:
                pass

    def notify_all(self):
        self.notify(len(self._waiters))

    notifyAll = notify_all

    def _nwaiters(self):
        return len(self._waiters)


class Semaphore:
    """A counter decremented by acquire() and incremented by release() (threading.Semaphore)."""

    _new = staticmethod(_c.weft_semaphore_new)

    def __init__(self, value=1):
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._h = self._new(value)

    def acquire(self, blocking=True, timeout=None):
        """Decrement the counter, waiting while it is zero; True on success."""
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        try:
            _c.weft_semaphore_acquire(self._h, 0.0)
            return True
        except TimeoutError:
            if not blocking:
                return False
        try:
            _c.weft_semaphore_acquire(self._h, seconds(timeout))
            return True
        except TimeoutError:
            return False

    __enter__ = acquire

    def release(self, n=1):
        """Increment the counter by n, waking up to n waiting threads."""
        if n < 1:
            raise ValueError("n must be one or more")
        self._release(n)

    def _release(self, n):
        _c.weft_semaphore_release(self._h, n)

    def __exit__(self, *exc):
        self.release()

    @property
    def _value(self):
        return _c.weft_semaphore_value(self._h)

    def __repr__(self):
        extra = ""
        if isinstance(self, BoundedSemaphore):
            extra = "/%d" % self._initial_value
        return "<%s.%s at %#x: value=%d%s>" % (type(self).__module__, type(self).__qualname__, id(self),
                                              self._value, extra)


class BoundedSemaphore(Semaphore):
    """A Semaphore whose counter may not exceed its initial value (ValueError)."""

    _new = staticmethod(_c.weft_semaphore_new_bounded)

    def __init__(self, value=1):
        super().__init__(value)
        self._initial_value = value

    def _release(self, n):
        try:
            _c.weft_semaphore_release(self._h, n)
        except ValueError:
            raise ValueError("Semaphore released too many times") from None


class Event:
    """A flag threads can wait for (threading.Event)."""

    def __init__(self):
        self._h = _c.weft_event_new()

    def is_set(self):
        """Return True if the flag is set."""
        return bool(_c.weft_event_is_set(self._h))

    isSet = is_set

    def set(self):
        """Set the flag, waking every waiting thread."""
        _c.weft_event_set(self._h)

    def clear(self):
        """Reset the flag."""
        _c.weft_event_clear(self._h)

    def wait(self, timeout=None):
        """Wait until the flag is set or the timeout passes; return the flag."""
        try:
            _c.weft_event_wait(self._h, seconds(timeout))
            return True
        except TimeoutError:
            return False

    def _at_fork_reinit(self):
        # After a fork: a new event, with the same flag (its waiters exist
        # only in the parent).
        was_set = self.is_set()
        self._h = _c.weft_event_new()
        if was_set:
            _c.weft_event_set(self._h)

    def __repr__(self):
        return "<%s.%s at %#x: %s>" % (type(self).__module__, type(self).__qualname__, id(self),
                                       "set" if self.is_set() else "unset")


class Barrier:
    """A barrier for a fixed number of threads (threading.Barrier).

    The action, if any, runs in the last thread to arrive; if it raises,
    the barrier breaks and that thread's wait() raises the same exception.
    """

    def __init__(self, parties, action=None, timeout=None):
        if parties < 1:
            raise ValueError("parties must be >= 1")
        self._action = action
        self._action_errors = {}
        act = self._run_action if action is not None else None
        self._h = _c.weft_barrier_new(parties, act, seconds(timeout, at_least=RELEASE_GIL))
        self._parties = parties

    def _run_action(self):
        try:
            self._action()
        except BaseException as e:
            self._action_errors[_c.weft_threading_get_ident()] = e
            raise

    def wait(self, timeout=None):
        """Wait for all parties; return this thread's index (0 .. parties-1).

        Raises BrokenBarrierError if the barrier is broken or breaks.
        """
        # Never exactly 0, which would keep the GIL: the action runs under
        # the barrier's lock and needs the GIL, so a caller must not wait
        # for that lock while holding it.
        t = seconds(timeout, at_least=RELEASE_GIL)
        try:
            return _c.weft_barrier_wait(self._h, t)
        except BaseException as e:
            err = self._action_errors.pop(_c.weft_threading_get_ident(), None)
            if err is not None:
                raise err
            if isinstance(e, BrokenBarrierError):
                raise
            if isinstance(e, TimeoutError):
                raise BrokenBarrierError() from None
            raise

    def reset(self):
        """Return the barrier to its empty state; waiting threads get BrokenBarrierError."""
        _c.weft_barrier_reset(self._h)

    def abort(self):
        """Put the barrier into the broken state."""
        _c.weft_barrier_abort(self._h)

    @property
    def parties(self):
        """The number of threads required to pass the barrier."""
        return _c.weft_barrier_parties(self._h)

    @property
    def n_waiting(self):
        """The number of threads currently waiting."""
        return _c.weft_barrier_n_waiting(self._h)

    @property
    def broken(self):
        """True if the barrier is broken."""
        return bool(_c.weft_barrier_broken(self._h))

    def __repr__(self):
        where = "<%s.%s at %#x" % (type(self).__module__, type(self).__qualname__, id(self))
        if self.broken:
            return where + ": broken>"
        return where + ": waiters=%d/%d>" % (self.n_waiting, self.parties)


for _cls in (Condition, Semaphore, BoundedSemaphore, Event, Barrier):
    _cls.__module__ = "weft.threading"
del _cls
