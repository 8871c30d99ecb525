"""Forking a process that runs threads (os.fork), as the standard threading
module documents it: only the forking thread exists in the child, it becomes
the child's main thread, and the child's exit does not wait for threads that
exist only in the parent. Each scenario runs many times in a child
interpreter, bounded in time, since the failures it guards against are
intermittent: a child that hangs at exit, or one that dies because the fork
landed in the middle of another thread's start (os/thread.c in the C
library)."""
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import STDLIB, require

require("threading")  # skips when weft's threads are not built
MODULE = "threading" if STDLIB else "weft.threading"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

PRELUDE = textwrap.dedent("""
    import os, sys, importlib
    threading = importlib.import_module(%r)
    stop = False

    def churn():
        # Threads starting and ending all the time: the forks below land in
        # the middle of that bookkeeping.
        while not stop:
            t = threading.Thread(target=lambda: None)
            t.start()
            t.join()

    def child_checks(parent_threads):
        me = threading.current_thread()
        ok = threading.main_thread() is me
        ok = ok and threading.enumerate() == [me] and threading.active_count() == 1
        ok = ok and not any(t.is_alive() for t in parent_threads)
        for t in parent_threads:
            t.join()  # forgotten in the child: returns at once
        ts = [threading.Thread(target=lambda: None) for _ in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return ok and not any(t.is_alive() for t in ts)

    def wait_child(pid):
        _, status = os.waitpid(pid, 0)
        if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
            # Leave at once: an exception here would leave the churners
            # running and the interpreter's exit waiting for them for ever,
            # a hang instead of the child's failure.
            print("a child failed: wait status", status, file=sys.stderr, flush=True)
            os._exit(1)
""") % MODULE


def run(body, rounds):
    code = PRELUDE + textwrap.dedent(body).replace("ROUNDS", str(rounds))
    p = subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", "-c", code],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "done", (p.stdout, p.stderr)


def test_fork_from_a_non_main_thread_while_threads_run():
    run("""
        churners = [threading.Thread(target=churn) for _ in range(3)]
        for c in churners:
            c.start()

        def forker():
            for i in range(ROUNDS):
                pid = os.fork()
                if pid == 0:
                    ok = child_checks(churners)
                    if i % 2 or not ok:
                        os._exit(0 if ok else 1)
                    return  # the forking thread ends: so does the child, with status 0
                wait_child(pid)

        f = threading.Thread(target=forker)
        f.start()
        f.join()
        stop = True
        for c in churners:
            c.join()
        print("done")
    """, 40)


def test_fork_from_main_thread_and_exit_normally_in_child():
    run("""
        churners = [threading.Thread(target=churn) for _ in range(3)]
        for c in churners:
            c.start()
        for i in range(ROUNDS):
            pid = os.fork()
            if pid == 0:
                ok = child_checks(churners)
                # A normal exit: the interpreter's shutdown must not wait
                # for the churners, which exist only in the parent.
                sys.exit(0 if ok else 1)
            wait_child(pid)
        stop = True
        for c in churners:
            c.join()
        print("done")
    """, 40)


def test_forked_child_sees_the_forking_thread_as_a_real_main_thread():
    # Forked from a Thread, or from a thread of _thread.start_new_thread that
    # never asked for its Thread object: in the child, the standard module
    # and the one under test both see the forking thread as their main
    # thread, a thread of their own (a Thread keeps its name), not a dummy.
    run("""
        import threading as std
        _thread = importlib.import_module(%r)

        def check(name):
            for mod in (std, threading):
                me = mod.current_thread()
                if isinstance(me, mod._DummyThread) or mod.main_thread() is not me or me.name != name:
                    print(mod.__name__, repr(me), repr(mod.main_thread()), file=sys.stderr, flush=True)
                    return 1
            return 0

        def fork_here(name):
            for i in range(ROUNDS):
                pid = os.fork()
                if pid == 0:
                    os._exit(check(name))
                wait_child(pid)

        t = threading.Thread(target=fork_here, args=("forker",), name="forker")
        t.start()
        t.join()
        done = _thread.allocate_lock()
        done.acquire()

        def from_raw_thread():
            fork_here("MainThread")
            done.release()

        _thread.start_new_thread(from_raw_thread, ())
        done.acquire()
        print("done")
    """ % ("_thread" if STDLIB else "weft._thread"), 5)


def futures_module():
    """The name of the concurrent.futures under test (skips without it)."""
    if STDLIB:
        return "concurrent.futures"
    pytest.importorskip("weft.concurrent.futures")
    return "weft.concurrent.futures"


def test_thread_pool_made_in_a_forked_child():
    # The parent's pools are busy at each fork. A child makes its own pools
    # and uses them, drops one with work queued, keeps one to the end and
    # exits: at once (forked from a thread) or normally (forked from the
    # main thread), when the interpreter shuts its live pools down and
    # collects the rest. Neither the parent's pools nor their workers may be
    # waited for there; the parent, too, exits with a pool still alive.
    run("""
        futures = importlib.import_module(%r)
        busy = futures.ThreadPoolExecutor(4)
        dropped = futures.ThreadPoolExecutor(1)
        dropped.submit(sum, [1])
        del dropped

        def spin():
            while not stop:
                busy.submit(int).result()

        spinners = [threading.Thread(target=spin) for _ in range(2)]
        for s in spinners:
            s.start()

        def child_pools():
            global kept
            kept = futures.ThreadPoolExecutor(2)
            ok = kept.submit(pow, 2, 10).result(timeout=60) == 1024
            with futures.ThreadPoolExecutor(2) as ex:
                ok = ok and list(ex.map(abs, range(-5, 0))) == [5, 4, 3, 2, 1]
            left = futures.ThreadPoolExecutor(1)
            left.submit(sum, [1, 2])
            del left
            return ok

        def forker():
            for i in range(ROUNDS):
                pid = os.fork()
                if pid == 0:
                    os._exit(0 if child_pools() else 1)
                wait_child(pid)

        f = threading.Thread(target=forker)
        f.start()
        f.join()
        for i in range(ROUNDS):
            pid = os.fork()
            if pid == 0:
                sys.exit(0 if child_pools() else 1)
            wait_child(pid)
        stop = True
        for s in spinners:
            s.join()
        print("done")
    """ % futures_module(), 10)
