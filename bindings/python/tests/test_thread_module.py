"""weft._thread against the standard _thread module."""
import _thread
import signal
import sys
import time

import pytest

from conftest import require

wt = require("_thread")


def test_start_new_thread_runs_and_returns_ident():
    lock = wt.allocate_lock()
    lock.acquire()
    out = []

    def body(a, b=0):
        out.append((a + b, wt.get_ident()))
        lock.release()

    ident = wt.start_new_thread(body, (1,), {"b": 2})
    assert lock.acquire(timeout=5)
    assert out == [(3, ident)]


def test_arguments_checked_like_python():
    for mod in (_thread, wt):
        with pytest.raises(TypeError):
            mod.start_new_thread(print, [1])
        with pytest.raises(TypeError):
            mod.start_new_thread(print, (1,), [])


def test_exceptions_go_to_unraisablehook_and_exit_is_silent():
    got = []
    old = sys.unraisablehook
    sys.unraisablehook = got.append
    done = wt.allocate_lock()
    done.acquire()
    try:
        def fail():
            try:
                raise KeyError("lost")
            finally:
                done.release()
        wt.start_new_thread(fail, ())
        assert done.acquire(timeout=5)
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.001)

        def leave():
            wt.exit()
        wt.start_new_thread(leave, ())
        time.sleep(0.05)
    finally:
        sys.unraisablehook = old
    assert len(got) == 1 and isinstance(got[0].exc_value, KeyError)


def test_lock_type_and_constants():
    assert isinstance(wt.allocate_lock(), wt.LockType)
    assert wt.error is RuntimeError
    assert wt.TIMEOUT_MAX == _thread.TIMEOUT_MAX
    lk = wt.allocate_lock()
    assert lk.acquire(False) and lk.locked()
    lk.release()
    with pytest.raises(RuntimeError):
        lk.release()


def test_interrupt_main():
    with pytest.raises(KeyboardInterrupt):
        wt.interrupt_main()
        for _ in range(1000):
            time.sleep(0.001)
    old = signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    try:
        wt.interrupt_main(signal.SIGUSR1)  # ignored: nothing happens
    finally:
        signal.signal(signal.SIGUSR1, old)
