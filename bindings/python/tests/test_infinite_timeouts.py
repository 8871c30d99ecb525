"""An infinite timeout means "forever" wherever the standard modules accept
one, and is OverflowError where they refuse it (Lock.acquire); both ways
against the standard modules too. Also the docstrings the standard
constructors have."""
import pytest

from conftest import require, weft_only

threading = require("threading")
queue = require("queue")
futures = require("concurrent.futures")
subprocess = require("subprocess")

INF = float("inf")


def test_ready_waits_return_at_once():
    e = threading.Event()
    e.set()
    assert e.wait(INF) is True
    q = queue.Queue()
    q.put(1, timeout=INF)
    assert q.get(timeout=INF) == 1
    f = futures.Future()
    f.set_result(3)
    assert f.result(INF) == 3 and f.exception(INF) is None
    assert futures.wait([f], timeout=INF).done == {f}
    assert list(futures.as_completed([f], timeout=INF)) == [f]
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
    t.join(INF)
    assert not t.is_alive()
    s = threading.Semaphore(1)
    assert s.acquire(timeout=INF) is True
    c = threading.Condition()
    with c:
        assert c.wait_for(lambda: True, INF) is True
    assert threading.Barrier(1).wait(INF) == 0
    p = subprocess.Popen(["true"])
    assert p.wait(INF) == 0
    assert subprocess.run(["true"], timeout=INF).returncode == 0


@weft_only  # CPython raises OverflowError once it has to block
def test_infinite_means_forever_until_woken():
    e = threading.Event()
    threading.Timer(0.05, e.set).start()
    assert e.wait(INF) is True
    f = futures.Future()
    threading.Timer(0.05, f.set_result, (5,)).start()
    assert f.result(INF) == 5


def test_lock_acquire_refuses_infinity():
    with pytest.raises(OverflowError):
        threading.Lock().acquire(timeout=INF)


def test_constructors_have_docstrings():
    for init in (threading.Thread.__init__, futures.ThreadPoolExecutor.__init__):
        assert init.__doc__ and init.__doc__.strip()
    doc = futures.ThreadPoolExecutor.__init__.__doc__
    assert "max_workers" in doc and "initializer" in doc
