#!/usr/bin/env python3
"""A thread pool computing something real: PBKDF2 keys for a list of passwords.

    PYTHONPATH=build/bindings/python /usr/bin/python3 bindings/python/examples/thread_pool.py [N]

hashlib.pbkdf2_hmac releases the GIL while it iterates, so the workers of
weft's ThreadPoolExecutor derive keys in parallel on every core. The keys
are checked against a serial run; as_completed() shows them arriving as
they finish.
"""
import hashlib
import os
import sys
import time

from weft.concurrent.futures import ThreadPoolExecutor, as_completed

ROUNDS = 50000


def derive(password):
    return hashlib.pbkdf2_hmac("sha256", password.encode(), b"weft-example-salt", ROUNDS).hex()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    passwords = ["password-%d" % i for i in range(n)]

    t0 = time.perf_counter()
    serial = [derive(p) for p in passwords]
    t_serial = time.perf_counter() - t0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        parallel = list(pool.map(derive, passwords))
    t_pool = time.perf_counter() - t0

    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        futures = {pool.submit(derive, p): p for p in passwords}
        arrived = [futures[f] for f in as_completed(futures)]

    assert parallel == serial, "keys differ"
    assert sorted(arrived) == sorted(passwords)
    print("%d keys (%d rounds each): serial %.3f s, %d workers %.3f s (%.1fx)"
          % (n, ROUNDS, t_serial, os.cpu_count(), t_pool, t_serial / t_pool))
    print("key of %r: %s" % (passwords[0], parallel[0]))


if __name__ == "__main__":
    main()
