#!/usr/bin/env python3
"""Benchmarks of the Python binding against the standard modules.

    PYTHONPATH=build/bindings/python /usr/bin/python3 bindings/python/bench/bench_python.py [--quick]

Each figure is the median of several runs in this process; ratios compare
weft with the standard class measured in the same run (> 1: weft is
faster). Only the areas present in the built library are measured.
"""
import argparse
import statistics
import sys
import threading
import time

QUICK = False


def median_rate(fn, n, runs):
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(n)
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def queue_pingpong(make):
    """Items per second through a queue from a producer thread to a consumer thread."""
    def run(n):
        q = make()
        done = []

        def consumer():
            get = q.get
            for _ in range(n):
                get()
            done.append(True)

        t = threading.Thread(target=consumer)
        t.start()
        put = q.put
        for i in range(n):
            put(i)
        t.join()
        assert done
    return run


def executor_tasks(make):
    """Tasks per second through an executor (submit, then wait for all results)."""
    def run(n):
        with make() as ex:
            fs = [ex.submit(int, i) for i in range(n)]
            for f in fs:
                f.result()
    return run


def report(title, rows, base):
    print("== " + title)
    for name, rate in rows:
        print("  %-36s %12.0f /s" % (name, rate))
    ref = dict(rows)
    for name, rate in rows:
        if name != base:
            print("  ratio %s / %s: %.2f" % (base, name, ref[base] / rate))


def bench_queue(runs, n):
    import queue
    rows = []
    try:
        from weft import queue as wq
    except (ImportError, AttributeError) as e:  # the area is not in this build
        print("== queue: skipped (%s)" % e)
        return
    rows.append(("weft.queue.Queue", median_rate(queue_pingpong(wq.Queue), n, runs)))
    try:
        rows.append(("weft.queue.SimpleQueue", median_rate(queue_pingpong(wq.SimpleQueue), n, runs)))
    except Exception as e:  # an area still missing a function
        print("  weft.queue.SimpleQueue skipped: %s" % e)
    rows.append(("queue.Queue", median_rate(queue_pingpong(queue.Queue), n, runs)))
    rows.append(("queue.SimpleQueue", median_rate(queue_pingpong(queue.SimpleQueue), n, runs)))
    report("queue: put/get between two threads (items/s)", rows, "weft.queue.Queue")


def bench_executor(runs, n):
    import concurrent.futures as std
    try:
        from weft.concurrent import futures as wf
    except (ImportError, AttributeError) as e:  # the area is not in this build
        print("== executor: skipped (%s)" % e)
        return
    rows = [
        ("weft ThreadPoolExecutor(4)", median_rate(executor_tasks(lambda: wf.ThreadPoolExecutor(4)), n, runs)),
        ("concurrent.futures ThreadPoolExecutor(4)",
         median_rate(executor_tasks(lambda: std.ThreadPoolExecutor(4)), n, runs)),
    ]
    report("executor: submit + result of trivial tasks (tasks/s)", rows, "weft ThreadPoolExecutor(4)")


def lock_cycles(make):
    """Uncontended acquire/release pairs per second (with statements)."""
    def run(n):
        lk = make()
        for _ in range(n):
            with lk:
                pass
    return run


def bench_lock(runs, n):
    import threading
    try:
        from weft import threading as wt
    except (ImportError, AttributeError) as e:  # the area is not in this build
        print("== lock: skipped (%s)" % e)
        return
    rows = [
        ("weft.threading.Lock", median_rate(lock_cycles(wt.Lock), n, runs)),
        ("threading.Lock", median_rate(lock_cycles(threading.Lock), n, runs)),
    ]
    report("lock: uncontended with-blocks (pairs/s)", rows, "weft.threading.Lock")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer items and runs")
    args = ap.parse_args()
    runs = 3 if args.quick else 7
    scale = 0.1 if args.quick else 1.0
    print("Python %s; medians of %d runs; the machine is shared, figures wobble" % (sys.version.split()[0], runs))
    bench_queue(runs, int(200000 * scale))
    bench_executor(runs, int(50000 * scale))
    bench_lock(runs, int(500000 * scale))


if __name__ == "__main__":
    main()
