"""Details of threading and _thread that programs (and CPython's own tests)
rely on: ThreadError, reprs, the Condition protocol for any lock,
_at_fork_reinit, a failing excepthook, dummy threads, allocate_lock as a
class attribute, _count(), and the standard threading module seeing weft's
threads under their own names."""
import io
import logging
import re
import sys
import threading as std_threading
import time

import pytest

from conftest import require

wt = require("threading")
wthread = require("_thread")


def run_in_thread(fn):
    out = []
    t = wt.Thread(target=lambda: out.append(fn()), name="worker-x")
    t.start()
    t.join()
    return out[0]


def test_thread_error_is_runtime_error():
    assert wt.ThreadError is RuntimeError


def test_lock_repr_and_type_not_instantiable():
    lk = wt.Lock()
    assert re.fullmatch(r"<unlocked _thread\.lock object at 0x[0-9a-f]+>", repr(lk))
    lk.acquire()
    assert re.fullmatch(r"<locked _thread\.lock object at 0x[0-9a-f]+>", repr(lk))
    lk.release()
    with pytest.raises(TypeError):
        type(lk)()
    assert isinstance(lk, wthread.LockType)


def test_rlock_repr_owner_and_count():
    r = wt.RLock()
    assert re.fullmatch(r"<unlocked _thread\.RLock object owner=0 count=0 at 0x[0-9a-f]+>", repr(r))
    r.acquire()
    r.acquire()
    me = wt.get_ident()
    assert re.fullmatch(r"<locked _thread\.RLock object owner=%d count=2 at 0x[0-9a-f]+>" % me, repr(r))
    r.release()
    r.release()
    with pytest.raises(RuntimeError):
        r.release()


def test_event_and_barrier_reprs():
    e = wt.Event()
    assert re.fullmatch(r"<(weft\.)?threading\.Event at 0x[0-9a-f]+: unset>", repr(e))
    e.set()
    assert re.fullmatch(r"<(weft\.)?threading\.Event at 0x[0-9a-f]+: set>", repr(e))
    b = wt.Barrier(2)
    assert re.fullmatch(r"<(weft\.)?threading\.Barrier at 0x[0-9a-f]+: waiters=0/2>", repr(b))
    b.abort()
    assert re.fullmatch(r"<(weft\.)?threading\.Barrier at 0x[0-9a-f]+: broken>", repr(b))


def test_semaphore_reprs_show_the_value():
    s = wt.Semaphore(2)
    assert re.fullmatch(r"<(weft\.)?threading\.Semaphore at 0x[0-9a-f]+: value=2>", repr(s))
    s.acquire()
    assert re.fullmatch(r"<(weft\.)?threading\.Semaphore at 0x[0-9a-f]+: value=1>", repr(s))
    b = wt.BoundedSemaphore(3)
    b.acquire()
    assert re.fullmatch(r"<(weft\.)?threading\.BoundedSemaphore at 0x[0-9a-f]+: value=2/3>", repr(b))


def test_thread_repr_daemon_and_stopped():
    t = wt.Thread(target=lambda: None, name="r1", daemon=True)
    assert repr(t) == "<Thread(r1, initial daemon)>"
    t.start()
    t.join()
    assert repr(t) == "<Thread(r1, stopped daemon %d)>" % t.ident


def test_at_fork_reinit():
    lk = wt.Lock()
    lk.acquire()
    lk._at_fork_reinit()
    assert not lk.locked()
    e = wt.Event()
    e.set()
    e._at_fork_reinit()
    assert e.is_set()
    e.clear()
    e._at_fork_reinit()
    assert not e.is_set()


class ProtocolLock:
    """A user lock with the Condition protocol, recording its calls."""

    def __init__(self):
        self.lock = wt.RLock()
        self.calls = []

    def acquire(self, *a):
        return self.lock.acquire(*a)

    def release(self):
        self.lock.release()

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()

    def _is_owned(self):
        self.calls.append("is_owned")
        return self.lock._is_owned()

    def _release_save(self):
        self.calls.append("release_save")
        return self.lock._release_save()

    def _acquire_restore(self, state):
        self.calls.append("acquire_restore")
        self.lock._acquire_restore(state)


def test_condition_uses_the_protocol_of_a_user_lock():
    lk = ProtocolLock()
    cond = wt.Condition(lk)
    with cond:
        with lk:  # re-entered: _release_save must release both levels
            assert cond.wait(0.01) is False
            cond.notify()
    assert lk.calls == ["is_owned", "release_save", "acquire_restore", "is_owned"]
    with pytest.raises(RuntimeError):
        cond.notify()

    ready = []

    def waiter():
        with cond:
            ready.append(1)
            cond.wait_for(lambda: len(ready) > 1, timeout=10)

    t = wt.Thread(target=waiter)
    t.start()
    while not ready:
        time.sleep(0.001)
    with cond:
        ready.append(2)
        cond.notify_all()
    t.join(10)
    assert not t.is_alive()


def test_condition_over_a_standard_lock():
    lk = std_threading.Lock()
    cond = wt.Condition(lk)
    with cond:
        assert cond.wait(0.01) is False
    with pytest.raises(RuntimeError):
        cond.wait(0.01)


def test_excepthook_that_raises_is_reported():
    err = io.StringIO()
    seen = []
    old_hook, old_stderr, old_sys_hook = wt.excepthook, sys.stderr, sys.excepthook

    def bad_hook(args):
        raise ValueError("hook failed")

    try:
        wt.excepthook = bad_hook
        sys.stderr = err
        sys.excepthook = lambda *exc: seen.append(exc[1])
        t = wt.Thread(target=lambda: 1 / 0)
        t.start()
        t.join()
    finally:
        wt.excepthook, sys.stderr, sys.excepthook = old_hook, old_stderr, old_sys_hook
    assert "Exception in threading.excepthook:" in err.getvalue()
    assert len(seen) == 1 and isinstance(seen[0], ValueError)


def test_start_new_thread_gets_a_dummy_thread_listed_while_it_runs():
    got = {}
    done = wthread.allocate_lock()
    done.acquire()
    go = wthread.allocate_lock()
    go.acquire()

    def body():
        me = wt.current_thread()
        got["dummy"] = isinstance(me, wt._DummyThread)
        got["active"] = wt._active.get(wt.get_ident()) is me
        got["listed"] = me in wt.enumerate()
        got["count"] = wthread._count()
        done.release()
        go.acquire()

    before = wthread._count()
    wthread.start_new_thread(body, ())
    assert done.acquire(timeout=10)
    go.release()
    assert got == {"dummy": True, "active": True, "listed": True, "count": before + 1}
    deadline = time.monotonic() + 10
    while wthread._count() != before and time.monotonic() < deadline:
        time.sleep(0.001)
    assert wthread._count() == before


def test_standard_threading_sees_a_thread_not_a_dummy():
    # What the standard module gives for a thread the module under test
    # started is a started Thread, alive while it runs, that another thread
    # can join, as for a thread Python started.
    go = wt.Event()
    seen = {}

    def body():
        seen["me"] = std_threading.current_thread()
        seen["alive"] = seen["me"].is_alive()
        go.wait(10)

    t = wt.Thread(target=body, name="worker-y")
    t.start()
    while "alive" not in seen:
        time.sleep(0.001)
    me = seen["me"]
    assert not isinstance(me, std_threading._DummyThread)
    assert isinstance(me, std_threading.Thread)
    assert seen["alive"] and me.is_alive() and me.name == "worker-y" and me.ident == t.ident
    assert me in std_threading.enumerate()
    me.join(0.01)
    assert me.is_alive()
    go.set()
    me.join(10)
    assert not me.is_alive()
    t.join()


def test_allocate_lock_as_a_class_attribute():
    class Holder:
        locktype = wthread.allocate_lock
        lock_class = wthread.LockType

    h = Holder()
    lk = h.locktype()
    assert isinstance(lk, wthread.LockType) and isinstance(lk, h.lock_class)
    assert lk.acquire(False) and lk.locked()
    lk.release()
    assert isinstance(wthread.allocate_lock(), wthread.LockType)


def test_standard_threading_sees_the_thread_by_its_name():
    # logging and other users of the standard module, inside a thread.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(threadName)s|%(thread)d|%(message)s"))
    log = logging.getLogger("weft-test-thread-name")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    local = std_threading.local()
    local.v = "main"
    seen = {}

    def body():
        log.info("hello")
        cur = std_threading.current_thread()
        seen["name"] = cur.name
        seen["ident"] = cur.ident == wt.get_ident()
        seen["listed"] = cur in std_threading.enumerate()
        seen["local"] = getattr(local, "v", None)
        local.v = "thread"
        return wt.get_ident()

    try:
        ident = run_in_thread(body)
    finally:
        log.removeHandler(handler)
    assert stream.getvalue() == "worker-x|%d|hello\n" % ident
    assert seen == {"name": "worker-x", "ident": True, "listed": True, "local": None}
    assert local.v == "main"
    assert ident not in std_threading._active  # gone once the thread ended
