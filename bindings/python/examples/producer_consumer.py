#!/usr/bin/env python3
"""A queue between producer and consumer threads, with weft.threading and weft.queue.

    PYTHONPATH=build/bindings/python /usr/bin/python3 bindings/python/examples/producer_consumer.py

Two producers put numbers into a bounded queue; three consumers take them,
test them for primality and put the primes into a result queue. join()
waits until every item is processed; a None per consumer ends them.
"""
from weft import queue, threading


def is_prime(n):
    if n < 2:
        return False
    f = 2
    while f * f <= n:
        if n % f == 0:
            return False
        f += 1
    return True


def main(limit=20000):
    work = queue.Queue(maxsize=64)
    primes = queue.SimpleQueue()

    def producer(start, step):
        for n in range(start, limit, step):
            work.put(n)

    def consumer():
        while True:
            n = work.get()
            try:
                if n is None:
                    return
                if is_prime(n):
                    primes.put(n)
            finally:
                work.task_done()

    consumers = [threading.Thread(target=consumer, name="consumer-%d" % i) for i in range(3)]
    producers = [threading.Thread(target=producer, args=(i, 2)) for i in range(2)]
    for t in consumers + producers:
        t.start()
    for t in producers:
        t.join()
    work.join()
    for _ in consumers:
        work.put(None)
    for t in consumers:
        t.join()

    found = sorted(primes.get() for _ in range(primes.qsize()))
    assert found == [n for n in range(limit) if is_prime(n)]
    print("%d primes below %d, the last %s" % (len(found), limit, found[-3:]))


if __name__ == "__main__":
    main()
