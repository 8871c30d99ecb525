"""weft.concurrent.futures against the standard concurrent.futures."""
import concurrent.futures as std
import concurrent.futures.thread  # std.thread, a submodule not imported by the package
import threading
import time

import pytest

from conftest import require

wf = require("concurrent.futures")

MODULES = [std, wf]


def test_exceptions_are_the_standard_ones():
    assert wf.CancelledError is std.CancelledError
    assert wf.TimeoutError is std.TimeoutError
    assert wf.InvalidStateError is std.InvalidStateError
    assert wf.BrokenExecutor is std.BrokenExecutor
    assert wf.thread.BrokenThreadPool is std.thread.BrokenThreadPool


@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_submit_result_and_map(mod):
    with mod.ThreadPoolExecutor(max_workers=4) as ex:
        fs = [ex.submit(pow, i, 2) for i in range(50)]
        assert [f.result() for f in fs] == [i * i for i in range(50)]
        assert list(ex.map(lambda a, b: a - b, range(10), range(10, 20))) == [-10] * 10
        f = ex.submit(lambda x, y=1: x + y, 1, y=5)
        assert f.result(timeout=5) == 6
        assert f.done() and not f.running() and not f.cancelled()
        assert f.exception() is None


def test_same_exception_object():
    err = KeyError("the one")

    def boom():
        raise err

    with wf.ThreadPoolExecutor(2) as ex:
        f = ex.submit(boom)
        with pytest.raises(KeyError) as info:
            f.result()
        assert info.value is err
        assert f.exception() is err
        assert err.__context__ is None
        with pytest.raises(KeyError) as info2:
            f.result()
        assert info2.value is err


def test_result_timeout_and_cancel():
    for mod in MODULES:
        with mod.ThreadPoolExecutor(1) as ex:
            gate = threading.Event()
            first = ex.submit(gate.wait)
            queued = ex.submit(lambda: "never")
            t0 = time.monotonic()
            with pytest.raises(mod.TimeoutError):
                first.result(timeout=0.05)
            assert time.monotonic() - t0 >= 0.05
            assert queued.cancel() is True
            assert queued.cancelled()
            with pytest.raises(mod.CancelledError):
                queued.result()
            with pytest.raises(mod.CancelledError):
                queued.exception()
            gate.set()
            assert first.result() is True


def test_done_callbacks():
    for mod in MODULES:
        seen = []
        with mod.ThreadPoolExecutor(2) as ex:
            f = ex.submit(lambda: 7)
            f.add_done_callback(lambda fut: seen.append(fut.result()))
            f.result()
            deadline = time.monotonic() + 5
            while not seen and time.monotonic() < deadline:
                time.sleep(0.001)
            f.add_done_callback(lambda fut: seen.append(("again", fut is f)))
        assert seen == [7, ("again", True)]


def test_wait_and_as_completed():
    for mod in MODULES:
        with mod.ThreadPoolExecutor(4) as ex:
            gate = threading.Event()
            fast = [ex.submit(lambda i=i: i) for i in range(3)]
            slow = ex.submit(gate.wait)
            done, not_done = mod.wait(fast + [slow], timeout=0.05)
            assert set(fast) <= done and not_done == {slow}
            done, not_done = mod.wait(fast + [slow], return_when=mod.FIRST_COMPLETED)
            assert done and slow in not_done
            with pytest.raises(mod.TimeoutError):
                list(mod.as_completed([slow], timeout=0.05))
            gate.set()
            got = list(mod.as_completed(fast + [slow, slow]))
            assert len(got) == 4 and set(got) == set(fast) | {slow}
            done, not_done = mod.wait(fast + [slow])
            assert not not_done


def test_wait_first_exception():
    for mod in MODULES:
        with mod.ThreadPoolExecutor(2) as ex:
            gate = threading.Event()
            bad = ex.submit(lambda: 1 / 0)
            slow = ex.submit(gate.wait)
            done, not_done = mod.wait([bad, slow], timeout=5, return_when=mod.FIRST_EXCEPTION)
            assert bad in done and slow in not_done
            gate.set()


def test_shutdown_rejects_new_work():
    for mod in MODULES:
        ex = mod.ThreadPoolExecutor(2)
        ex.shutdown()
        with pytest.raises(RuntimeError):
            ex.submit(int)


def test_shutdown_cancel_futures():
    ex = wf.ThreadPoolExecutor(1)
    gate = threading.Event()
    started = threading.Event()
    running = ex.submit(lambda: started.set() or gate.wait())
    assert started.wait(5)
    pending = [ex.submit(int) for _ in range(5)]
    ex.shutdown(wait=False, cancel_futures=True)
    gate.set()
    assert running.result(5) is True
    assert all(f.cancelled() for f in pending)


def test_initializer_failure_breaks_pool():
    for mod in MODULES:
        def init():
            raise ValueError("no")
        ex = mod.ThreadPoolExecutor(1, initializer=init)
        f = ex.submit(int)
        with pytest.raises(std.thread.BrokenThreadPool):
            f.result(timeout=5)
        with pytest.raises(std.thread.BrokenThreadPool):
            ex.submit(int)
        ex.shutdown()


def test_initializer_runs_with_args():
    seen = []
    with wf.ThreadPoolExecutor(2, initializer=seen.append, initargs=("hello",)) as ex:
        ex.submit(int).result()
    assert "hello" in seen


def test_user_future():
    f = wf.Future()
    assert not f.done()
    assert f.set_running_or_notify_cancel() is True
    assert f.running()
    f.set_result(3)
    assert f.result() == 3
    with pytest.raises(wf.InvalidStateError):
        f.set_result(4)
    g = wf.Future()
    err = OSError("x")
    g.set_exception(err)
    assert g.exception() is err
    with pytest.raises(OSError) as info:
        g.result()
    assert info.value is err


def test_bad_arguments_like_python():
    for mod in MODULES:
        with pytest.raises(ValueError):
            mod.ThreadPoolExecutor(0)
        with pytest.raises(TypeError):
            mod.ThreadPoolExecutor(1, initializer=42)


def test_many_tasks_from_many_threads():
    with wf.ThreadPoolExecutor(4) as ex:
        results = []

        def producer(k):
            fs = [ex.submit(lambda i=i: i * k) for i in range(300)]
            results.append(sum(f.result() for f in fs))

        ts = [threading.Thread(target=producer, args=(k,)) for k in range(1, 4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    assert sorted(results) == sorted(sum(range(300)) * k for k in range(1, 4))


def test_failed_tasks_release_their_exceptions():
    import gc
    import sys
    err = RuntimeError("shared")
    err.__traceback__ = None

    def fail():
        raise err

    before = sys.getrefcount(err)
    with wf.ThreadPoolExecutor(4) as ex:
        fs = [ex.submit(fail) for _ in range(500)]
        assert all(f.exception() is err for f in fs)
    del fs
    err.__traceback__ = None
    gc.collect()
    wf.Future().done()  # drains the deferred releases
    assert sys.getrefcount(err) == before


def test_wait_with_zero_timeout_leaves_later_calls_releasing_the_gil():
    from weft import queue as wq
    f = wf.Future()
    wf.wait([f], timeout=0)
    q = wq.SimpleQueue()
    t = threading.Thread(target=q.get)  # blocks in weft: must release the GIL
    t.start()
    time.sleep(0.05)  # would never return if the getter kept the GIL
    q.put(1)
    t.join(5)
    assert not t.is_alive()


# ---- issue 9 --------------------------------------------------------------

import gc  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import weakref  # noqa: E402

from conftest import weft_only  # noqa: E402


@weft_only  # the standard `concurrent` package needs `import concurrent.futures`
def test_import_package_exposes_futures():
    r = subprocess.run([sys.executable, "-c", "import weft.concurrent as c; print(c.futures.ThreadPoolExecutor.__name__)"],
                       capture_output=True, text=True)
    assert r.stdout.strip() == "ThreadPoolExecutor", r.stderr


@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_pools_left_alive_at_interpreter_exit(mod):
    # Module globals are collected while the interpreter finalizes, when no
    # new thread can start any more: exit must neither hang nor fail.
    code = ("import importlib\n"
            "futures = importlib.import_module(%r)\n"
            "pool = futures.ThreadPoolExecutor(2)\n"
            "queued = futures.ThreadPoolExecutor(1)\n"
            "assert pool.submit(pow, 2, 5).result() == 32\n"
            "queued.submit(sum, [1, 2])\n"
            "print('done')\n" % mod.__name__)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "done" and r.stderr == "", r.stderr


def _kinds_of_futures(ex):
    """A future of the executor, one made by hand, and one of the standard
    library's own concurrent.futures, completed later by another thread."""
    gate = threading.Event()
    by_pool = ex.submit(gate.wait, 5)
    by_hand = wf.Future()
    standard = std.Future()

    def complete():
        gate.set()
        time.sleep(0.02)
        by_hand.set_result("hand")
        time.sleep(0.02)
        standard.set_exception(KeyError("std"))
    threading.Timer(0.05, complete).start()
    return [by_pool, by_hand, standard]


def test_wait_and_as_completed_accept_any_future():
    with wf.ThreadPoolExecutor(2) as ex:
        fs = _kinds_of_futures(ex)
        done, not_done = wf.wait(fs, timeout=0)
        assert done == set() and not_done == set(fs)
        done, not_done = wf.wait(fs, return_when=wf.FIRST_COMPLETED, timeout=10)
        assert fs[0] in done
        done, not_done = wf.wait(fs, return_when=wf.FIRST_EXCEPTION, timeout=10)
        assert done == set(fs) and not not_done
        assert wf.wait(fs, timeout=10) == (set(fs), set())

        fs = _kinds_of_futures(ex)
        seen = list(wf.as_completed(fs + fs[:1], timeout=10))
        assert len(seen) == 3 and set(seen) == set(fs)
        assert seen[0] is fs[0]


@pytest.mark.parametrize("mixed", [False, True], ids=["own", "mixed"])
def test_as_completed_timeout_counts_unfinished(mixed):
    never = [wf.Future(), wf.Future()]
    if mixed:
        never.append(std.Future())
    finished = wf.Future()
    finished.set_result(1)
    fs = never + [finished]
    it = wf.as_completed(fs, timeout=0.05)
    assert next(it) is finished
    with pytest.raises(wf.TimeoutError) as info:
        next(it)
    assert str(info.value) == "%d (of %d) futures unfinished" % (len(never), len(fs))


def test_exception_messages_as_python():
    f = wf.Future()
    with pytest.raises(wf.TimeoutError) as info:
        f.result(timeout=0.01)
    assert info.value.args == ()
    with pytest.raises(wf.TimeoutError) as info:
        f.exception(timeout=0)
    assert info.value.args == ()
    f.set_result(3)
    with pytest.raises(wf.InvalidStateError) as info:
        f.set_result(4)
    assert str(info.value) == "FINISHED: %r" % (f,)
    assert repr(f) == "<Future at %#x state=finished returned int>" % id(f)
    with pytest.raises(wf.InvalidStateError) as info:
        f.set_exception(ValueError())
    assert str(info.value) == "FINISHED: %r" % (f,)


def test_initializer_failure_breaks_pool_as_python(caplog):
    broken = "A thread initializer failed, the thread pool is not usable anymore"

    def bad():
        raise ValueError("no")

    ex = wf.ThreadPoolExecutor(2, initializer=bad)
    fs = []
    try:
        for _ in range(3):
            fs.append(ex.submit(int, "1"))
    except wf.thread.BrokenThreadPool as e:  # broken already
        assert str(e) == broken
    assert fs
    for f in fs:
        with pytest.raises(wf.thread.BrokenThreadPool) as info:
            f.result(timeout=10)
        assert str(info.value) == broken
    deadline = time.monotonic() + 10
    while True:  # the pool breaks in the worker: wait until it has
        try:
            ex.submit(int, "1").result(timeout=10)
        except wf.thread.BrokenThreadPool as e:
            assert str(e) == broken
            break
        assert time.monotonic() < deadline
    ex.shutdown()


def test_saturated_pool_runs_everything_once_released():
    gate = threading.Event()
    ex = wf.ThreadPoolExecutor(2)
    fs = [ex.submit(gate.wait, 10) for _ in range(6)]
    done, not_done = wf.wait(fs, timeout=0.1)
    assert not done and len(not_done) == 6
    assert sum(f.running() for f in fs) <= 2
    gate.set()
    ex.shutdown(wait=True)
    assert [f.result(0) for f in fs] == [True] * 6


def test_shutdown_wait_while_running_and_submitting():
    ex = wf.ThreadPoolExecutor(2)
    later = []

    def chain(n):
        time.sleep(0.02)
        if n:
            try:
                later.append(ex.submit(chain, n - 1))
            except RuntimeError as e:
                later.append(str(e))
        return n

    first = ex.submit(chain, 5)
    time.sleep(0.005)
    ex.shutdown(wait=True)
    assert first.result(0) == 5
    assert later[-1] == "cannot schedule new futures after shutdown"

    # Other threads submitting while shutdown(wait=True) runs: they get
    # RuntimeError from then on; what was accepted runs.
    ex = wf.ThreadPoolExecutor(2)
    accepted, refused = [], []

    def submitter():
        while True:
            try:
                accepted.append(ex.submit(int, "7"))
            except RuntimeError:
                refused.append(1)
                return
            time.sleep(0.0005)
    threads = [threading.Thread(target=submitter) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    ex.shutdown(wait=True)
    for t in threads:
        t.join(10)
    assert len(refused) == 3
    assert all(f.done() for f in accepted)


def test_no_references_to_finished_work():
    class Obj:
        pass

    class Failure(Exception):
        pass

    def fail(x):
        raise Failure(x)

    ex = wf.ThreadPoolExecutor(2)
    arg, arg2, mapped = Obj(), Obj(), [Obj(), Obj()]
    f = ex.submit(lambda x: Obj(), arg)
    res = f.result()
    g = ex.submit(fail, arg2)
    err = g.exception()
    g.add_done_callback(lambda fut: None)
    out = list(ex.map(lambda o: Obj(), mapped))
    refs = [weakref.ref(o) for o in [arg, arg2, res, f, g, err] + mapped + out]
    del arg, arg2, mapped, f, res, g, err, out
    deadline = time.monotonic() + 10
    while any(r() is not None for r in refs) and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.01)
    assert [r() for r in refs] == [None] * len(refs)
    ex.shutdown()


def test_dropped_executor_does_not_wait_for_its_work():
    # Dropping a saturated executor neither blocks the dropping thread nor
    # loses the queued work; a map() over a temporary executor times out.
    gate = threading.Event()

    def saturate():
        ex = wf.ThreadPoolExecutor(2)
        return [ex.submit(gate.wait, 10) for _ in range(4)]

    fs = saturate()
    gc.collect()
    assert not any(f.done() for f in fs)
    gate.set()
    assert [f.result(timeout=10) for f in fs] == [True] * 4

    gate = threading.Event()
    with pytest.raises(wf.TimeoutError):
        list(wf.ThreadPoolExecutor(1).map(gate.wait, [10], timeout=0.05))
    gate.set()


def test_set_running_or_notify_cancel_as_python(caplog):
    f = wf.Future()
    assert f.cancel()
    assert f.set_running_or_notify_cancel() is False
    with pytest.raises(RuntimeError) as info:
        f.set_running_or_notify_cancel()
    assert str(info.value) == "Future in unexpected state"
    g = wf.Future()
    assert g.set_running_or_notify_cancel() is True
    with pytest.raises(RuntimeError, match="^Future in unexpected state$"):
        g.set_running_or_notify_cancel()
    states = [r.getMessage().rpartition(": ")[2] for r in caplog.records if "unexpected state" in r.getMessage()]
    assert states == ["CANCELLED_AND_NOTIFIED", "RUNNING"]
