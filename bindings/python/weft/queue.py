"""weft.queue: Python's `queue` module over weft's queues.

Queue, LifoQueue, PriorityQueue and SimpleQueue have the standard classes'
methods, arguments and exceptions (`queue.Empty`, `queue.Full`, and
`ShutDown`, which is `queue.ShutDown` where Python has it). Items are any
Python objects; the queue holds one reference to each. Blocking calls
release the GIL.
"""
import queue as _std
from collections import deque as _deque
from heapq import heappop as _heappop, heappush as _heappush
from time import monotonic as _time

from . import _weft as _c
from ._timeout import RELEASE_GIL, seconds
from ._errors import ShutDown
from ._sync import Condition as _Condition, Lock as _Lock

__all__ = ["Empty", "Full", "ShutDown", "Queue", "PriorityQueue", "LifoQueue", "SimpleQueue"]

Empty = _std.Empty
Full = _std.Full

_put = _c.weft_queue_put
_get = _c.weft_queue_get
_put_nowait = _c.weft_queue_put_nowait
_get_nowait = _c.weft_queue_get_nowait


_NEGATIVE = "'timeout' must be a non-negative number"


def _wait(block, timeout, exc):
    """The wait of a put or get whose first try (timeout 0, keeping the GIL)
    failed: raises a bare `exc` (Full or Empty, with no message, as Python's)
    when the call may not wait, else gives the timeout in seconds."""
    if block:
        t = seconds(timeout, negative=_NEGATIVE)
        if t != 0.0:
            return t
    raise exc


def _ordered_timeout(timeout):
    """A PriorityQueue's timeout: never 0, so the GIL is always released."""
    return seconds(timeout, negative=_NEGATIVE, at_least=RELEASE_GIL)


# weft's queue classes and their Python twins (below).
_TWINS = {}


class Queue:
    """Create a queue object with a given maximum size.

    If maxsize is <= 0, the queue size is infinite.
    """

    _new = staticmethod(_c.weft_queue_new)

    def __init__(self, maxsize=0):
        self.maxsize = maxsize
        self._q = self._new(maxsize if maxsize > 0 else 0)

    def __init_subclass__(cls, **kw):
        # A subclass that overrides the storage hooks (_init, _qsize, _put,
        # _get) defines what the queue does, as with Python's queue: it gets
        # the Python implementation that calls them under the queue's mutex
        # (over weft's Lock and Condition), in place of weft's C queue.
        super().__init_subclass__(**kw)
        if cls.__module__ == __name__ or any(issubclass(cls, py) for py in _TWINS.values()):
            return
        own = [k for k in cls.__mro__ if k not in _TWINS and k is not object]
        if not any(h in vars(k) for k in own for h in _HOOKS):
            return
        bases = tuple(_TWINS.get(b, b) for b in cls.__bases__)
        if bases == cls.__bases__:
            raise TypeError("%s overrides the queue's storage hooks but derives from weft.queue "
                            "through a class that does not" % cls.__name__)
        cls.__bases__ = bases

    def task_done(self):
        """Indicate that a formerly enqueued task is complete.

        Raises ValueError if called more times than there were items.
        """
        try:
            _c.weft_queue_task_done(self._q)
        except ValueError:
            raise ValueError("task_done() called too many times") from None

    def join(self):
        """Blocks until all items in the queue have been gotten and processed."""
        _c.weft_queue_join(self._q, -1.0)

    def qsize(self):
        """Return the approximate size of the queue (not reliable!)."""
        return _c.weft_queue_qsize(self._q)

    def empty(self):
        """Return True if the queue is empty, False otherwise (not reliable!)."""
        return bool(_c.weft_queue_empty(self._q))

    def full(self):
        """Return True if the queue is full, False otherwise (not reliable!)."""
        return bool(_c.weft_queue_full(self._q))

    def put(self, item, block=True, timeout=None):
        """Put an item into the queue.

        With block true and timeout None, waits until a free slot is
        available; with a timeout, raises Full after that many seconds;
        with block false, raises Full at once if no slot is free.
        Raises ShutDown if the queue has been shut down.
        """
        # A first try with timeout 0 keeps the GIL: the common case (room
        # available) then costs no thread switch. A negative timeout of a
        # blocking put into a bounded queue is ValueError, room or not, as
        # in Python.
        if timeout is not None and block and timeout < 0 and self.maxsize > 0:
            raise ValueError(_NEGATIVE)
        try:
            return _put(self._q, item, 0.0)
        except Full:
            pass
        t = _wait(block, timeout, Full)
        try:
            return _put(self._q, item, t)
        except Full:
            pass
        raise Full

    def get(self, block=True, timeout=None):
        """Remove and return an item from the queue.

        With block true and timeout None, waits until an item is available;
        with a timeout, raises Empty after that many seconds; with block
        false, raises Empty at once if no item is available.
        Raises ShutDown if the queue has been shut down and is empty, or if
        it has been shut down immediately.
        """
        if timeout is not None and block and timeout < 0:
            raise ValueError(_NEGATIVE)
        try:
            return _get(self._q, 0.0)
        except Empty:
            pass
        t = _wait(block, timeout, Empty)
        try:
            return _get(self._q, t)
        except Empty:
            pass
        raise Empty

    def put_nowait(self, item):
        """Put an item into the queue without blocking (put(item, False))."""
        return self.put(item, block=False)

    def get_nowait(self):
        """Remove and return an item if one is immediately available, else raise Empty."""
        return self.get(block=False)

    def shutdown(self, immediate=False):
        """Shut down the queue, making put() and get() raise ShutDown.

        By default get() still returns the remaining items; with immediate
        true the queue is emptied at once and join() returns.
        """
        _c.weft_queue_shutdown(self._q, 1 if immediate else 0)

    def __class_getitem__(cls, item):
        return cls


class LifoQueue(Queue):
    """Variant of Queue that retrieves most recently added entries first."""

    _new = staticmethod(_c.weft_lifo_queue_new)


class PriorityQueue(Queue):
    """Variant of Queue that retrieves open entries in priority order (lowest first).

    Entries are typically tuples of the form: (priority number, data).
    Items are ordered with `<`, as heapq orders them; equal items come out
    in the order they were put.
    """

    _new = staticmethod(_c.weft_priority_queue_new)

    # The queue orders items by calling `<` under its own lock, so every
    # call here releases the GIL before taking that lock (the *_nowait
    # functions, never timeout 0, which would keep the GIL).
    def put(self, item, block=True, timeout=None):
        try:
            if not block:
                _put_nowait(self._q, item)
            else:
                if timeout is not None and timeout < 0 and self.maxsize <= 0:
                    timeout = 0  # unbounded: Python never looks at it
                _put(self._q, item, _ordered_timeout(timeout))
        except Full:
            pass
        else:
            return
        finally:
            _c.weft_py_take_error()
        raise Full

    def get(self, block=True, timeout=None):
        try:
            if not block:
                return _get_nowait(self._q)
            return _get(self._q, _ordered_timeout(timeout))
        except Empty:
            pass
        finally:
            _c.weft_py_take_error()
        raise Empty


class SimpleQueue:
    """Simple, unbounded, reentrant FIFO queue."""

    def __init__(self):
        self._q = _c.weft_simple_queue_new()

    def put(self, item, block=True, timeout=None):
        """Put the item on the queue; never blocks (block and timeout are ignored)."""
        _c.weft_simple_queue_put(self._q, item)

    def put_nowait(self, item):
        """Put an item into the queue without blocking (put(item, block=False))."""
        _c.weft_simple_queue_put(self._q, item)

    def get(self, block=True, timeout=None):
        """Remove and return an item from the queue.

        With block true and timeout None, waits until an item is available;
        with a timeout, raises Empty after that many seconds; with block
        false, raises Empty at once if no item is available.
        """
        if timeout is not None and block and timeout < 0:
            raise ValueError(_NEGATIVE)
        try:
            return _c.weft_simple_queue_get(self._q, 0.0)
        except Empty:
            pass
        t = _wait(block, timeout, Empty)
        try:
            return _c.weft_simple_queue_get(self._q, t)
        except Empty:
            pass
        raise Empty

    def get_nowait(self):
        """Remove and return an item if one is immediately available, else raise Empty."""
        return self.get(False)

    def empty(self):
        """Return True if the queue is empty, False otherwise (not reliable!)."""
        return bool(_c.weft_simple_queue_empty(self._q))

    def qsize(self):
        """Return the approximate size of the queue (not reliable!)."""
        return _c.weft_simple_queue_qsize(self._q)

    def __class_getitem__(cls, item):
        return cls


# ---- queues whose subclass defines the storage ------------------------------

_HOOKS = ("_init", "_qsize", "_put", "_get")


class _PyQueue(Queue):
    """Queue's algorithm in Python over weft's Lock and Condition, calling the
    storage hooks _init, _qsize, _put and _get under the mutex, as Python's
    queue.Queue does. A subclass of Queue that overrides the hooks derives
    from this class instead (Queue.__init_subclass__)."""

    def __init__(self, maxsize=0):
        self.maxsize = maxsize
        self._init(maxsize)
        self.mutex = _Lock()
        self.not_empty = _Condition(self.mutex)
        self.not_full = _Condition(self.mutex)
        self.all_tasks_done = _Condition(self.mutex)
        self.unfinished_tasks = 0
        self.is_shutdown = False

    def task_done(self):
        with self.all_tasks_done:
            unfinished = self.unfinished_tasks - 1
            if unfinished <= 0:
                if unfinished < 0:
                    raise ValueError("task_done() called too many times")
                self.all_tasks_done.notify_all()
            self.unfinished_tasks = unfinished

    def join(self):
        with self.all_tasks_done:
            while self.unfinished_tasks:
                self.all_tasks_done.wait()

    def qsize(self):
        with self.mutex:
            return self._qsize()

    def empty(self):
        with self.mutex:
            return not self._qsize()

    def full(self):
        with self.mutex:
            return 0 < self.maxsize <= self._qsize()

    def put(self, item, block=True, timeout=None):
        with self.not_full:
            if self.is_shutdown:
                raise ShutDown
            if self.maxsize > 0:
                if not block:
                    if self._qsize() >= self.maxsize:
                        raise Full
                elif timeout is None:
                    while self._qsize() >= self.maxsize:
                        self.not_full.wait()
                        if self.is_shutdown:
                            raise ShutDown
                elif timeout < 0:
                    raise ValueError(_NEGATIVE)
                else:
                    endtime = _time() + timeout
                    while self._qsize() >= self.maxsize:
                        remaining = endtime - _time()
                        if remaining <= 0.0:
                            raise Full
                        self.not_full.wait(remaining)
                        if self.is_shutdown:
                            raise ShutDown
            self._put(item)
            self.unfinished_tasks += 1
            self.not_empty.notify()

    def get(self, block=True, timeout=None):
        with self.not_empty:
            if self.is_shutdown and not self._qsize():
                raise ShutDown
            if not block:
                if not self._qsize():
                    raise Empty
            elif timeout is None:
                while not self._qsize():
                    self.not_empty.wait()
                    if self.is_shutdown and not self._qsize():
                        raise ShutDown
            elif timeout < 0:
                raise ValueError(_NEGATIVE)
            else:
                endtime = _time() + timeout
                while not self._qsize():
                    remaining = endtime - _time()
                    if remaining <= 0.0:
                        raise Empty
                    self.not_empty.wait(remaining)
                    if self.is_shutdown and not self._qsize():
                        raise ShutDown
            item = self._get()
            self.not_full.notify()
            return item

    def put_nowait(self, item):
        return self.put(item, block=False)

    def get_nowait(self):
        return self.get(block=False)

    def shutdown(self, immediate=False):
        with self.mutex:
            self.is_shutdown = True
            if immediate:
                while self._qsize():
                    self._get()
                    if self.unfinished_tasks > 0:
                        self.unfinished_tasks -= 1
                self.all_tasks_done.notify_all()
            self.not_empty.notify_all()
            self.not_full.notify_all()

    # The storage, as Python's Queue keeps it: a deque.
    def _init(self, maxsize):
        self.queue = _deque()

    def _qsize(self):
        return len(self.queue)

    def _put(self, item):
        self.queue.append(item)

    def _get(self):
        return self.queue.popleft()


for _name in ("task_done", "join", "qsize", "empty", "full", "put", "get", "put_nowait",
              "get_nowait", "shutdown"):
    getattr(_PyQueue, _name).__doc__ = getattr(Queue, _name).__doc__
del _name


class _PyLifoQueue(LifoQueue, _PyQueue):
    """LifoQueue's storage (a list) under _PyQueue's algorithm."""

    def _init(self, maxsize):
        self.queue = []

    def _qsize(self):
        return len(self.queue)

    def _put(self, item):
        self.queue.append(item)

    def _get(self):
        return self.queue.pop()


class _PyPriorityQueue(PriorityQueue, _PyQueue):
    """PriorityQueue's storage (a heap) under _PyQueue's algorithm."""

    put = _PyQueue.put
    get = _PyQueue.get

    def _init(self, maxsize):
        self.queue = []

    def _qsize(self):
        return len(self.queue)

    def _put(self, item):
        _heappush(self.queue, item)

    def _get(self):
        return _heappop(self.queue)


_TWINS.update({Queue: _PyQueue, LifoQueue: _PyLifoQueue, PriorityQueue: _PyPriorityQueue})
