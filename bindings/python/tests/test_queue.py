"""weft.queue against the standard queue module: the same scenarios give the
same results and raise the same exception classes."""
import gc
import queue
import sys
import threading
import time

import pytest

from conftest import require, weft_only

wq = require("queue")

# Queue.shutdown is new in Python 3.13: against an older standard module
# those tests have nothing to run.
needs_shutdown = pytest.mark.skipif(not hasattr(wq.Queue, "shutdown"), reason="queue.Queue.shutdown needs Python 3.13")

PAIRS = [
    (queue.Queue, wq.Queue),
    (queue.LifoQueue, wq.LifoQueue),
    (queue.PriorityQueue, wq.PriorityQueue),
]


def scenario(Q):
    """A small script of operations; returns what it observed."""
    seen = []
    q = Q(3)
    seen.append((q.empty(), q.full(), q.qsize(), q.maxsize))
    for x in (5, 1, 3):
        q.put(x)
    seen.append((q.empty(), q.full(), q.qsize()))
    for call in (lambda: q.put(9, block=False), lambda: q.put_nowait(9), lambda: q.put(9, timeout=0.01)):
        try:
            call()
            seen.append("put")
        except queue.Full:
            seen.append("Full")
    seen.append([q.get() for _ in range(3)])
    for call in (lambda: q.get(block=False), q.get_nowait, lambda: q.get(timeout=0.01)):
        try:
            seen.append(call())
        except queue.Empty:
            seen.append("Empty")
    try:
        q.get(timeout=-1)
    except ValueError:
        seen.append("ValueError")
    q.put(7)
    q.get()
    q.task_done()
    try:
        for _ in range(5):
            q.task_done()
    except ValueError as e:
        seen.append(("ValueError", str(e)))
    q.join()
    return seen


@pytest.mark.parametrize("std, weft", PAIRS, ids=lambda c: c.__name__)
def test_same_behaviour_as_standard(std, weft):
    assert scenario(weft) == scenario(std)


def test_priority_tuples_and_ties():
    for Q in (queue.PriorityQueue, wq.PriorityQueue):
        q = Q()
        for item in [(2, "b"), (1, "z"), (2, "a"), (0, "x")]:
            q.put(item)
        assert [q.get() for _ in range(4)] == [(0, "x"), (1, "z"), (2, "a"), (2, "b")]


def test_priority_uncomparable_raises_typeerror():
    q = wq.PriorityQueue()
    q.put(1)
    with pytest.raises(TypeError):
        q.put("a")


def test_simple_queue_matches_standard():
    def run(Q):
        q = Q()
        out = [q.empty(), q.qsize()]
        for i in range(3):
            q.put(i)
        q.put_nowait(3)
        out += [q.qsize(), q.get(), q.get(block=False), q.get_nowait(), q.get(timeout=1)]
        try:
            q.get(timeout=0.01)
        except queue.Empty:
            out.append("Empty")
        return out
    assert run(wq.SimpleQueue) == run(queue.SimpleQueue)


def test_timeout_waits_at_least():
    q = wq.Queue()
    t0 = time.monotonic()
    with pytest.raises(queue.Empty):
        q.get(timeout=0.1)
    assert time.monotonic() - t0 >= 0.1


def test_items_are_the_same_objects_and_released():
    q = wq.Queue()
    obj = object()
    before = sys.getrefcount(obj)
    q.put(obj)
    assert sys.getrefcount(obj) == before + 1
    assert q.get() is obj
    assert sys.getrefcount(obj) == before
    for _ in range(10):
        q.put(obj)
    del q
    gc.collect()
    assert sys.getrefcount(obj) == before


def test_producer_consumer_threads():
    q = wq.Queue(maxsize=8)
    out = []

    def consumer():
        while True:
            item = q.get()
            if item is None:
                q.task_done()
                return
            out.append(item)
            q.task_done()

    threads = [threading.Thread(target=consumer) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(3000):
        q.put(i)
    for _ in threads:
        q.put(None)
    q.join()
    for t in threads:
        t.join()
    assert sorted(out) == list(range(3000))


def test_blocked_gets_release_the_gil():
    # Two threads blocked in weft gets must not stop a third Python thread.
    q = wq.Queue()
    getters = [threading.Thread(target=q.get) for _ in range(2)]
    for t in getters:
        t.start()
    time.sleep(0.05)
    count = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < 0.2:
        count += 1
    assert count > 1000
    q.put(1)
    q.put(2)
    for t in getters:
        t.join(5)
        assert not t.is_alive()


@needs_shutdown
def test_shutdown():
    q = wq.Queue()
    q.put(1)
    q.shutdown()
    with pytest.raises(wq.ShutDown):
        q.put(2)
    assert q.get() == 1
    with pytest.raises(wq.ShutDown):
        q.get()
    if hasattr(queue, "ShutDown"):
        assert wq.ShutDown is queue.ShutDown


@needs_shutdown
def test_shutdown_immediate_releases_items():
    q = wq.Queue()
    obj = object()
    before = sys.getrefcount(obj)
    q.put(obj)
    q.shutdown(immediate=True)
    with pytest.raises(wq.ShutDown):
        q.get()
    gc.collect()
    # The item's reference is dropped (maybe through the deferred list,
    # drained by the next call into weft).
    q.qsize()
    assert sys.getrefcount(obj) == before


@weft_only
def test_wrong_types():
    with pytest.raises(TypeError):
        wq.Queue("big")
    with pytest.raises(TypeError):
        wq._c.weft_queue_put(object(), 1, 0.0)
    q = wq.Queue()
    with pytest.raises(TypeError):
        q.get(timeout="soon")


@needs_shutdown
def test_stress_shutdown_while_busy():
    # Items freed by an immediate shutdown while other threads put and get
    # (their references are dropped without waiting for the GIL).
    import gc
    marker = object()
    before = sys.getrefcount(marker)
    for _ in range(20):
        q = wq.Queue(maxsize=16)
        stop = threading.Event()

        def producer():
            try:
                while not stop.is_set():
                    q.put(marker, timeout=0.01)
            except (queue.Full, wq.ShutDown):
                pass

        def consumer():
            try:
                while not stop.is_set():
                    q.get(timeout=0.01)
            except (queue.Empty, wq.ShutDown):
                pass

        ts = [threading.Thread(target=f) for f in (producer, producer, consumer)]
        for t in ts:
            t.start()
        time.sleep(0.01)
        q.shutdown(immediate=True)
        stop.set()
        for t in ts:
            t.join()
        del q
    gc.collect()
    wq.Queue().qsize()  # drains the deferred releases
    assert sys.getrefcount(marker) == before


def test_negative_maxsize_is_unbounded_like_python():
    # Python's queues take maxsize <= 0 as "no limit" and keep the number.
    for cls in (wq.Queue, wq.LifoQueue, wq.PriorityQueue):
        q = cls(maxsize=-5)
        assert q.maxsize == -5
        for i in range(100):
            q.put_nowait(i)
        assert not q.full() and q.qsize() == 100


# ---- issue 9: timeouts, storage hooks, bare exceptions ----------------------

@pytest.mark.parametrize("name", ["Queue", "LifoQueue", "PriorityQueue"])
def test_negative_timeout_of_a_blocking_call_is_valueerror(name):
    Q = getattr(wq, name)
    q = Q(2)
    q.put(1)
    with pytest.raises(ValueError):
        q.get(True, -1)  # even with an item there, as Python checks first
    with pytest.raises(ValueError):
        q.put(2, True, -0.5)  # a bounded queue, even with room
    assert q.get(False) == 1
    with pytest.raises(ValueError):
        q.get(timeout=-1)
    Q().put(3, True, -1)  # unbounded: put never looks at the timeout
    with pytest.raises(ValueError):
        wq.SimpleQueue().get(True, -1)


def test_empty_and_full_carry_no_message():
    q = wq.Queue(1)
    for call in (lambda: q.get(False), lambda: q.get(timeout=0.001), q.get_nowait):
        with pytest.raises(wq.Empty) as e:
            call()
        assert e.value.args == () and str(e.value) == ""
    q.put(1)
    for call in (lambda: q.put(2, False), lambda: q.put(2, timeout=0.001), lambda: q.put_nowait(2)):
        with pytest.raises(wq.Full) as e:
            call()
        assert e.value.args == () and str(e.value) == ""
    with pytest.raises(wq.Empty) as e:
        wq.SimpleQueue().get(timeout=0.001)
    assert e.value.args == ()


def test_subclass_storage_hooks_define_the_queue():
    calls = []

    class Stack(wq.Queue):
        def _init(self, maxsize):
            calls.append(("init", maxsize))
            self.queue = []

        def _qsize(self):
            return len(self.queue)

        def _put(self, item):
            calls.append(("put", item))
            self.queue.append(item)

        def _get(self):
            return self.queue.pop()

    s = Stack(3)
    assert isinstance(s, wq.Queue)
    for i in range(3):
        s.put(i)
    assert s.full() and s.qsize() == 3
    with pytest.raises(wq.Full):
        s.put(9, timeout=0.01)
    assert [s.get() for _ in range(3)] == [2, 1, 0]
    assert s.empty()
    with pytest.raises(wq.Empty):
        s.get(timeout=0.01)
    assert calls == [("init", 3), ("put", 0), ("put", 1), ("put", 2)]
    s.task_done()  # three puts, so far one task done
    assert s.unfinished_tasks == 2

    class Deeper(Stack):  # a subclass of the subclass keeps its storage
        pass

    d = Deeper()
    d.put("a")
    d.put("b")
    assert d.get() == "b"


def test_subclass_hooks_of_lifo_and_priority_queues():
    class Doubling(wq.PriorityQueue):
        def _put(self, item):
            super()._put(item * 2)

    p = Doubling()
    for x in (3, 1, 2):
        p.put(x)
    assert [p.get() for _ in range(3)] == [2, 4, 6]

    class Counting(wq.LifoQueue):
        def _get(self):
            self.gets = getattr(self, "gets", 0) + 1
            return super()._get()

    c = Counting()
    c.put(1)
    c.put(2)
    assert [c.get(), c.get(), c.gets] == [2, 1, 2]


def test_subclass_queue_between_threads():
    class Fifo(wq.Queue):
        def _init(self, maxsize):
            self.queue = []

        def _qsize(self):
            return len(self.queue)

        def _put(self, item):
            self.queue.append(item)

        def _get(self):
            return self.queue.pop(0)

    q = Fifo(4)
    out = []

    def consume():
        while True:
            x = q.get()
            if x is None:
                break
            out.append(x)
            q.task_done()
        q.task_done()

    t = threading.Thread(target=consume)
    t.start()
    for i in range(200):
        q.put(i)
    q.put(None)
    q.join()
    t.join()
    assert out == list(range(200))
