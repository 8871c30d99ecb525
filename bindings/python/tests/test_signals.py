"""Signals during blocking calls (PEP 475): Ctrl-C raises KeyboardInterrupt
in the main thread within moments, whatever it is waiting on; a handler that
returns lets the call go on, for no longer than its timeout."""
import os
import signal
import threading as std_threading
import time

import pytest

from conftest import interrupt_soon as _interrupt_soon, require

threading = require("threading")
queue = require("queue")
futures = require("concurrent.futures")


def _held_lock():
    lock = threading.Lock()
    lock.acquire()
    return lock


def _condition_wait():
    cond = threading.Condition()
    with cond:
        try:
            cond.wait()
        finally:
            # the condition's lock is held again when the exception leaves
            assert cond._is_owned() if hasattr(cond, "_is_owned") else True


BLOCKING = {
    "Queue.get": lambda: queue.Queue().get(),
    "Queue.get(timeout)": lambda: queue.Queue().get(timeout=30),
    "Queue.put(full)": lambda: (lambda q: (q.put(1), q.put(2)))(queue.Queue(1)),
    "SimpleQueue.get": lambda: queue.SimpleQueue().get(),
    "Lock.acquire": lambda: _held_lock().acquire(),
    "Lock.acquire(timeout)": lambda: _held_lock().acquire(timeout=30),
    "RLock.acquire(other thread)": None,  # built in the test
    "Event.wait": lambda: threading.Event().wait(),
    "Condition.wait": _condition_wait,
    "Semaphore.acquire": lambda: threading.Semaphore(0).acquire(),
    "Barrier.wait": lambda: threading.Barrier(2).wait(),
    "Thread.join": lambda: (lambda t: (t.start(), t.join()))(
        threading.Thread(target=time.sleep, args=(5,), daemon=True)),
    "Future.result": lambda: futures.Future().result(),
}


@pytest.mark.parametrize("name", sorted(BLOCKING))
def test_ctrl_c_interrupts_a_blocking_call(name):
    call = BLOCKING[name]
    if call is None:  # an RLock held by another thread
        rlock = threading.RLock()
        held = threading.Event()
        done = threading.Event()

        def holder():
            with rlock:
                held.set()
                done.wait(10)
        t = threading.Thread(target=holder)
        t.start()
        held.wait()
        call = rlock.acquire
    _interrupt_soon()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        call()
    assert time.monotonic() - start < 5
    if name.startswith("RLock"):
        done.set()
        t.join()


def test_barrier_left_by_an_interrupt_is_not_broken():
    barrier = threading.Barrier(2)
    _interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        barrier.wait()
    assert not barrier.broken
    assert barrier.n_waiting == 0


def test_a_handler_that_returns_lets_the_call_go_on():
    calls = []
    old = signal.signal(signal.SIGUSR1, lambda *a: calls.append(1))
    try:
        event = threading.Event()
        stop = std_threading.Event()

        def pester():
            while not stop.wait(0.02):
                os.kill(os.getpid(), signal.SIGUSR1)
        std_threading.Thread(target=pester, daemon=True).start()
        std_threading.Timer(0.4, event.set).start()
        assert event.wait(10) is True
        # the timeout still bounds the call across the interruptions
        start = time.monotonic()
        assert threading.Event().wait(0.3) is False
        elapsed = time.monotonic() - start
        stop.set()
        assert elapsed >= 0.29
        assert calls, "no signal arrived during the waits"
    finally:
        signal.signal(signal.SIGUSR1, old)


def test_queue_keeps_its_items_across_an_interrupted_put():
    q = queue.Queue(1)
    q.put("a")
    _interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        q.put("b")
    assert q.qsize() == 1
    assert q.get_nowait() == "a"
