"""weft.threading against the standard threading module."""
import sys
import threading
import time

import pytest

from conftest import require, weft_only

wt = require("threading")


def test_thread_target_args_and_join():
    out = []
    t = wt.Thread(target=lambda a, b=0: out.append(a + b), args=(1,), kwargs={"b": 2})
    assert not t.is_alive() and t.ident is None
    t.start()
    t.join()
    assert out == [3]
    assert not t.is_alive()
    assert isinstance(t.ident, int)


def test_subclass_run_and_current_thread():
    seen = {}

    class Worker(wt.Thread):
        def run(self):
            seen["me"] = wt.current_thread()
            seen["ident"] = wt.get_ident()
            seen["native"] = wt.get_native_id()

    w = Worker(name="worker-1")
    w.start()
    w.join()
    assert seen["me"] is w
    assert seen["ident"] == w.ident
    assert seen["native"] == w.native_id
    assert w.name == "worker-1"


def test_default_names_like_python():
    t = wt.Thread(target=len)
    assert t.name.startswith("Thread-") and t.name.endswith(" (len)")


def test_start_twice_and_join_errors_like_python():
    for mod in (threading, wt):
        t = mod.Thread(target=lambda: None)
        with pytest.raises(RuntimeError):
            t.join()
        t.start()
        with pytest.raises(RuntimeError):
            t.start()
        t.join()


def test_join_timeout_returns_none():
    ev = wt.Event()
    t = wt.Thread(target=ev.wait)
    t.start()
    t0 = time.monotonic()
    assert t.join(0.05) is None
    assert time.monotonic() - t0 >= 0.05
    assert t.is_alive()
    ev.set()
    t.join()
    assert not t.is_alive()


def test_daemon_flag():
    t = wt.Thread(target=lambda: None)
    assert t.daemon is False
    t.daemon = True
    t.start()
    with pytest.raises(RuntimeError):
        t.daemon = False
    t.join()


def test_excepthook_sees_failures():
    got = []
    old = threading.excepthook
    threading.excepthook = got.append
    try:
        err = ValueError("boom")

        def fail():
            raise err

        t = wt.Thread(target=fail)
        t.start()
        t.join()
    finally:
        threading.excepthook = old
    assert len(got) == 1
    assert got[0].exc_value is err and got[0].exc_type is ValueError
    assert got[0].thread is t


def test_module_excepthook_can_be_replaced():
    got = []
    old = wt.excepthook
    wt.excepthook = got.append
    try:
        t = wt.Thread(target=lambda: 1 / 0)
        t.start()
        t.join()
    finally:
        wt.excepthook = old
    assert got and got[0].exc_type is ZeroDivisionError


def test_main_thread_and_enumerate():
    m = wt.main_thread()
    assert m.name == "MainThread"
    assert wt.current_thread() is m
    assert m.ident == threading.get_ident()
    ev = wt.Event()
    t = wt.Thread(target=ev.wait)
    t.start()
    try:
        assert t in wt.enumerate()
        assert wt.active_count() >= 2
    finally:
        ev.set()
        t.join()


def test_local_per_thread():
    loc = wt.local()
    loc.x = 1
    seen = []

    def worker():
        seen.append(hasattr(loc, "x"))
        loc.x = 2
        seen.append(loc.x)

    t = wt.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [False, 2]
    assert loc.x == 1


def test_local_subclass_init_per_thread():
    class L(wt.local):
        def __init__(self, v):
            self.v = v
            self.tid = wt.get_ident()

    loc = L(5)
    out = []
    t = wt.Thread(target=lambda: out.append((loc.v, loc.tid)))
    t.start()
    t.join()
    assert out[0][0] == 5 and out[0][1] != wt.get_ident()


def test_timer_fires_and_cancel():
    out = []
    tm = wt.Timer(0.05, out.append, args=["fired"])
    t0 = time.monotonic()
    tm.start()
    tm.join()
    assert out == ["fired"] and time.monotonic() - t0 >= 0.05
    tm2 = wt.Timer(10, out.append, args=["never"])
    tm2.start()
    tm2.cancel()
    tm2.join(5)
    assert not tm2.is_alive()
    assert out == ["fired"]


def test_settrace_applies_to_new_threads():
    calls = []

    def tracer(frame, event, arg):
        calls.append(event)
        return None

    wt.settrace(tracer)
    try:
        t = wt.Thread(target=lambda: None)
        t.start()
        t.join()
    finally:
        wt.settrace(None)
    assert "call" in calls
    assert wt.gettrace() is None


def test_stack_size_and_timeout_max():
    assert wt.TIMEOUT_MAX == threading.TIMEOUT_MAX
    assert wt.stack_size() == 0


# ---- synchronisation, against the standard classes ----------------------

def lock_scenario(mod, cls):
    lk = getattr(mod, cls)()
    out = [lk.acquire(), lk.acquire(False), lk.acquire(timeout=0.01)]
    lk.release()
    if cls == "Lock":
        out.append(lk.locked())
        try:
            lk.release()
        except RuntimeError:
            out.append("RuntimeError")
    try:
        lk.acquire(False, 1)
    except ValueError:
        out.append("ValueError")
    try:
        lk.acquire(timeout=-5)
    except ValueError:
        out.append("ValueError")
    with lk:
        out.append("with")
    return out


@pytest.mark.parametrize("cls", ["Lock", "RLock"])
def test_locks_like_python(cls):
    assert lock_scenario(wt, cls) == lock_scenario(threading, cls)


def test_rlock_release_by_non_owner():
    for mod in (threading, wt):
        lk = mod.RLock()
        with pytest.raises(RuntimeError):
            lk.release()


def test_lock_released_by_other_thread():
    lk = wt.Lock()
    lk.acquire()
    t = wt.Thread(target=lk.release)
    t.start()
    t.join()
    assert lk.acquire(timeout=1)


def sem_scenario(mod, cls):
    s = getattr(mod, cls)(2)
    out = [s.acquire(), s.acquire(), s.acquire(False), s.acquire(timeout=0.01)]
    s.release()
    s.release()
    try:
        s.release()
        out.append("released")
    except ValueError:
        out.append("ValueError")
    try:
        mod.Semaphore(-1)
    except ValueError:
        out.append("ValueError")
    return out


@pytest.mark.parametrize("cls", ["Semaphore", "BoundedSemaphore"])
def test_semaphores_like_python(cls):
    assert sem_scenario(wt, cls) == sem_scenario(threading, cls)


def test_event_like_python():
    def run(mod):
        e = mod.Event()
        out = [e.is_set(), e.wait(0.01)]
        e.set()
        out += [e.is_set(), e.wait(), e.wait(0)]
        e.clear()
        out.append(e.is_set())
        return out
    assert run(wt) == run(threading)


def test_condition_producer_consumer():
    cond = wt.Condition()
    items = []
    got = []

    def consumer():
        with cond:
            assert cond.wait_for(lambda: items, timeout=5)
            got.append(items.pop())

    t = wt.Thread(target=consumer)
    t.start()
    time.sleep(0.02)
    with cond:
        items.append(42)
        cond.notify()
    t.join()
    assert got == [42]
    with pytest.raises(RuntimeError):
        cond.notify()
    with cond:
        assert cond.wait(0.01) is False


def test_condition_with_own_lock():
    lk = wt.Lock()
    cond = wt.Condition(lk)
    with cond:
        assert lk.locked()
    assert not lk.locked()


def test_barrier_like_python():
    for mod in (threading, wt):
        actions = []
        b = mod.Barrier(3, action=lambda: actions.append(1))
        idx = []
        ts = [mod.Thread(target=lambda: idx.append(b.wait())) for _ in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert sorted(idx) == [0, 1, 2] and actions == [1]
        assert b.parties == 3 and b.n_waiting == 0 and not b.broken
        b.abort()
        assert b.broken
        with pytest.raises(threading.BrokenBarrierError):
            b.wait()
        b.reset()
        assert not b.broken


def test_barrier_timeout_breaks():
    b = wt.Barrier(2)
    with pytest.raises(threading.BrokenBarrierError):
        b.wait(0.05)
    assert b.broken


def test_barrier_action_exception_is_the_same_object():
    err = KeyError("act")

    def act():
        raise err

    b = wt.Barrier(1, action=act)
    with pytest.raises(KeyError) as info:
        b.wait()
    assert info.value is err
    assert b.broken


def test_blocked_threads_release_the_gil():
    ev = wt.Event()
    lk = wt.Lock()
    lk.acquire()
    ts = [wt.Thread(target=ev.wait), wt.Thread(target=lk.acquire)]
    for t in ts:
        t.start()
    count = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < 0.2:
        count += 1
    assert count > 1000
    ev.set()
    lk.release()
    for t in ts:
        t.join(5)
        assert not t.is_alive()


@weft_only
def test_misuse_raises():
    with pytest.raises(TypeError):
        wt.Lock().acquire(timeout="x")
    with pytest.raises(TypeError):
        wt._c.weft_lock_acquire(wt.Event()._h, 0.0)
    with pytest.raises(ValueError):
        wt._c.weft_lock_acquire(None, 0.0)


def test_negative_counts_like_python():
    # Counts C takes as size_t: a negative one is ValueError where Python
    # raises it, never a wrapped-around huge value.
    for bad in (lambda: wt.Semaphore(-1), lambda: wt.BoundedSemaphore(-1),
                lambda: wt.Semaphore(1).release(-3), lambda: wt.stack_size(-1)):
        with pytest.raises(ValueError):
            bad()
    # ... and where Python accepts it, it means what it means there.
    cond = wt.Condition()
    with cond:
        cond.notify(-1)  # wakes nobody
    assert wt.Semaphore(0).acquire(timeout=0) is False
