"""weft.queue: Python's `queue` module over weft's queues.

Queue, LifoQueue, PriorityQueue and SimpleQueue have the standard classes'
methods, arguments and exceptions (`queue.Empty`, `queue.Full`, and
`ShutDown`, which is `queue.ShutDown` where Python has it). Items are any
Python objects; the queue holds one reference to each. Blocking calls
release the GIL.
"""
import queue as _std

from . import _weft as _c
from ._timeout import RELEASE_GIL, seconds
from ._errors import ShutDown

__all__ = ["Empty", "Full", "ShutDown", "Queue", "PriorityQueue", "LifoQueue", "SimpleQueue"]

Empty = _std.Empty
Full = _std.Full

_put = _c.weft_queue_put
_get = _c.weft_queue_get
_put_nowait = _c.weft_queue_put_nowait
_get_nowait = _c.weft_queue_get_nowait


def _then(block, timeout):
    """The wait of a put or get whose first try (timeout 0, keeping the GIL)
    failed: re-raises that try's Full or Empty when the call may not wait,
    else gives the timeout (negative is ValueError, as in Python)."""
    if block:
        t = seconds(timeout, negative="'timeout' must be a non-negative number")
        if t != 0.0:
            return t
    raise  # the first try's exception, being handled by the caller


def _ordered_timeout(timeout):
    """A PriorityQueue's timeout: never 0, so the GIL is always released."""
    return seconds(timeout, negative="'timeout' must be a non-negative number", at_least=RELEASE_GIL)


class Queue:
    """Create a queue object with a given maximum size.

    If maxsize is <= 0, the queue size is infinite.
    """

    _new = staticmethod(_c.weft_queue_new)

    def __init__(self, maxsize=0):
        self.maxsize = maxsize
        self._q = self._new(maxsize if maxsize > 0 else 0)

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
        # available) then costs no thread switch.
        try:
            return _put(self._q, item, 0.0)
        except Full:
            t = _then(block, timeout)
        return _put(self._q, item, t)

    def get(self, block=True, timeout=None):
        """Remove and return an item from the queue.

        With block true and timeout None, waits until an item is available;
        with a timeout, raises Empty after that many seconds; with block
        false, raises Empty at once if no item is available.
        Raises ShutDown if the queue has been shut down and is empty, or if
        it has been shut down immediately.
        """
        try:
            return _get(self._q, 0.0)
        except Empty:
            t = _then(block, timeout)
        return _get(self._q, t)

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
                _put(self._q, item, _ordered_timeout(timeout))
        finally:
            _c.weft_py_take_error()

    def get(self, block=True, timeout=None):
        try:
            if not block:
                return _get_nowait(self._q)
            return _get(self._q, _ordered_timeout(timeout))
        finally:
            _c.weft_py_take_error()


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
        try:
            return _c.weft_simple_queue_get(self._q, 0.0)
        except Empty:
            t = _then(block, timeout)
        return _c.weft_simple_queue_get(self._q, t)

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
