"""The Python binding as installed (python3-weft, `cmake --install` or
`pip install`), run from outside the source tree."""
import os
import sys

import weft
from weft import queue, threading
from weft.concurrent.futures import ThreadPoolExecutor

here = os.path.dirname(os.path.abspath(__file__))
assert not weft.__file__.startswith(os.path.dirname(os.path.dirname(here))), weft.__file__
with ThreadPoolExecutor(max_workers=2) as pool:
    assert sum(pool.map(pow, range(10), [2] * 10)) == 285
# Dropped before exit: an executor still referenced when the interpreter
# shuts down can hang it there (an open problem of the binding).
del pool
q = queue.Queue(maxsize=1)
t = threading.Thread(target=q.put, args=(42,))
t.start()
assert q.get(timeout=30) == 42
t.join()
print("python consumer: weft", weft.version_string(), "from", os.path.dirname(weft.__file__), "ok")
