"""The generic layer: status codes raise the standard exceptions, callables
run through the trampoline, misuse raises instead of crashing."""
import concurrent.futures
import gc
import queue
import subprocess
import sys
import threading

import pytest
from conftest import require_weft

require_weft()  # weft's own layer: nothing of it is a standard module

import weft
from weft import _weft


def test_version():
    assert weft.version_string() == weft.__version__
    major, minor, patch = weft.version()
    assert "%d.%d.%d" % (major, minor, patch) == weft.__version__


def test_status_table_matches_c():
    table = weft.status_table()
    assert table[0][:2] == (0, "WEFT_OK")
    codes = [row[0] for row in table]
    assert len(codes) == len(set(codes))
    for code, name, pyexc, message in table:
        assert _weft.weft_status_name(code) == name
        assert _weft.weft_strerror(code) == message
        assert _weft.weft_status_exception(code) == pyexc
        assert getattr(_weft, name) == code


@pytest.mark.parametrize("name, cls", [
    ("WEFT_EINVAL", ValueError),
    ("WEFT_NOMEM", MemoryError),
    ("WEFT_TIMEOUT", TimeoutError),
    ("WEFT_EMPTY", queue.Empty),
    ("WEFT_FULL", queue.Full),
    ("WEFT_CANCELLED", concurrent.futures.CancelledError),
    ("WEFT_INVALID_STATE", concurrent.futures.InvalidStateError),
    ("WEFT_BROKEN", threading.BrokenBarrierError),
    ("WEFT_BROKEN_EXECUTOR", concurrent.futures.BrokenExecutor),
    ("WEFT_BROKEN_THREAD_POOL", concurrent.futures.thread.BrokenThreadPool),
    ("WEFT_NOT_OWNER", RuntimeError),
    ("WEFT_EOF", EOFError),
    ("WEFT_CALLED_PROCESS", subprocess.CalledProcessError),
    ("WEFT_NOT_SUPPORTED", NotImplementedError),
    ("WEFT_LOOKUP", LookupError),
    ("WEFT_OVERFLOW", OverflowError),
])
def test_status_raises_standard_exception(name, cls):
    code = getattr(_weft, name)
    with pytest.raises(cls):
        _weft.weft_py_raise_status(code)


def test_every_code_raises_what_the_table_names():
    for code, name, pyexc, _ in weft.status_table():
        if not pyexc:
            continue
        with pytest.raises(BaseException) as info:
            _weft.weft_py_raise_status(code)
        mod, _, clsname = pyexc.rpartition(".")
        # The class itself or, for adapters, a subclass of the same name.
        assert info.type.__name__ == clsname, (name, info.type)


def test_shutdown_class():
    cls = weft._errors.exception_class(_weft.WEFT_SHUTDOWN)
    if hasattr(queue, "ShutDown"):
        assert cls is queue.ShutDown
    else:
        assert cls.__name__ == "ShutDown"


def test_called_process_error_adapter():
    e = weft._errors.CalledProcessError(3, ["false"], b"out", b"err")
    assert (e.returncode, e.cmd, e.output, e.stderr) == (3, ["false"], b"out", b"err")
    assert "non-zero exit status 3" in str(e)
    e = weft._errors.CalledProcessError("weft says no")
    assert str(e) == "weft says no"


def test_failed_call_carries_message():
    # The message without the C function's name, which means nothing to a
    # Python program (issue 9).
    with pytest.raises(ValueError) as info:
        _weft.weft_outcome_set_value(None, 1)
    assert str(info.value) == "outcome is NULL"


def test_messages_lose_c_function_names():
    assert _weft.weft_py_message("weft_queue_get: the queue is empty") == "the queue is empty"
    assert _weft.weft_py_message("weft_a: weft_b_c: nested") == "nested"
    assert _weft.weft_py_message("weft_x:no space") == "weft_x:no space"
    assert _weft.weft_py_message("plain: text") == "plain: text"


def test_call_returns_value():
    assert _weft.weft_call(lambda: 42) == 42
    assert _weft.weft_call(lambda: None) is None
    obj = object()
    assert _weft.weft_call(lambda: obj) is obj


def test_call_reports_exception():
    def boom():
        raise KeyError("nope")
    with pytest.raises(Exception, match="nope"):
        _weft.weft_call(boom)


def test_call_rejects_non_callable():
    with pytest.raises(TypeError):
        _weft.weft_call(42)


def test_call_does_not_leak():
    obj = object()
    before = sys.getrefcount(obj)
    for _ in range(100):
        _weft.weft_call(lambda: obj)
    gc.collect()
    assert sys.getrefcount(obj) == before


def test_call_from_other_threads():
    results = []

    def worker():
        for i in range(200):
            results.append(_weft.weft_call(lambda i=i: i * 2))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == sorted(i * 2 for i in range(200) for _ in range(4))


def test_wrong_argument_types():
    with pytest.raises(TypeError):
        _weft.weft_strerror("x")
    with pytest.raises(TypeError):
        _weft.weft_py_set_exception(1, 42)


def test_explicit_free_empties_the_handle():
    if not hasattr(_weft, "weft_simple_queue_new"):
        pytest.skip("no queues in this build")
    q = _weft.weft_simple_queue_new()
    _weft.weft_simple_queue_put(q, "x")
    _weft.weft_simple_queue_free(q)
    with pytest.raises(ValueError):
        _weft.weft_simple_queue_put(q, "y")
    _weft.weft_simple_queue_free(q)  # NULL: accepted, as in C
    del q
    gc.collect()
