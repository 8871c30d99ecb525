"""A program written against the standard modules' types, checked by mypy
--strict against weft's stubs (tests: python.stubs, and install.pip on the
pip-installed package), and run. Each reveal is what typeshed gives for the
standard module."""
from __future__ import annotations

import sys

from weft import contextvars, queue, sched, subprocess, threading
from weft.concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait


def square(x: int) -> int:
    return x * x


def main() -> int:
    q: queue.Queue[int] = queue.Queue(maxsize=4)
    q.put(3, timeout=1.0)
    n: int = q.get(block=True, timeout=1.0)
    try:
        q.get_nowait()
    except queue.Empty:
        pass

    lock = threading.Lock()
    with lock:
        pass
    ok: bool = lock.acquire(timeout=0.1)
    if ok:
        lock.release()
    cond = threading.Condition(threading.RLock())
    with cond:
        cond.notify_all()
    event = threading.Event()
    t = threading.Thread(target=event.set, name="setter", daemon=True)
    t.start()
    t.join(timeout=5.0)
    assert event.wait(5.0)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="typed") as pool:
        f: Future[int] = pool.submit(square, 7)
        squares: list[int] = list(pool.map(square, range(4)))
        done, _ = wait([f], timeout=5.0)
        for g in as_completed(done):
            n += g.result()
    del pool

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="x")
    token = var.set("y")
    ctx = contextvars.copy_context()
    value: str = ctx.run(var.get)
    var.reset(token)

    s = sched.scheduler()
    s.enter(0, 1, print, ("scheduled",))
    s.run()

    out: bytes = subprocess.check_output([sys.executable, "-c", "print('bytes')"])
    text: str = subprocess.run([sys.executable, "-c", "print('text')"], capture_output=True,
                               text=True, check=True).stdout
    print(n, squares, value, out.strip(), text.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
