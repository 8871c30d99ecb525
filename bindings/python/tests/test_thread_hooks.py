"""weft threads driven through weft._weft directly: the kept thread states,
and failures routed from weft's excepthook to threading.excepthook."""
import threading

import pytest
from conftest import require_weft

require_weft()  # weft's own layer: nothing of it is a standard module

from weft import _weft

if not hasattr(_weft, "weft_thread_new"):
    pytest.skip("weft has no threads in this build", allow_module_level=True)


def test_thread_runs_python_many_times():
    seen = []

    def body():
        for i in range(1000):
            _weft.weft_call(lambda i=i: seen.append(i))

    t = _weft.weft_thread_new("raw", body)
    _weft.weft_thread_start(t)
    _weft.weft_thread_join(t, -1.0)
    assert seen == list(range(1000))


def test_failure_reaches_threading_excepthook_with_the_object():
    err = ValueError("raw thread failed")

    def body():
        raise err

    got = []
    old = threading.excepthook
    threading.excepthook = got.append
    try:
        t = _weft.weft_thread_new("raw-failing", body)
        _weft.weft_thread_start(t)
        _weft.weft_thread_join(t, -1.0)
    finally:
        threading.excepthook = old
    assert len(got) == 1
    assert got[0].exc_value is err
    assert got[0].exc_type is ValueError


def test_join_timeout_is_timeouterror():
    ev = threading.Event()
    t = _weft.weft_thread_new("waiter", ev.wait)
    _weft.weft_thread_start(t)
    with pytest.raises(TimeoutError):
        _weft.weft_thread_join(t, 0.01)
    ev.set()
    _weft.weft_thread_join(t, -1.0)
    assert _weft.weft_thread_is_alive(t) == 0


def test_misuse_of_thread_handles():
    t = _weft.weft_thread_new("never", lambda: None)
    with pytest.raises(RuntimeError):
        _weft.weft_thread_join(t, 0.0)
    with pytest.raises(TypeError):
        _weft.weft_thread_start(object())
    with pytest.raises(ValueError):
        _weft.weft_thread_start(None)
    with pytest.raises(TypeError):
        _weft.weft_thread_new("bad", 42)
