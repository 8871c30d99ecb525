"""The Python binding as installed (python3-weft, `cmake --install` or
`pip install`), run from outside the source tree."""
import os
import sys

import weft
from weft import queue, threading
from weft.concurrent.futures import ThreadPoolExecutor

# Not the package of the source tree nor the build tree's copy of it (a
# build directory may sit inside the source tree, as CI's does).
here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))
origin = os.path.abspath(weft.__file__)
assert not origin.startswith(os.path.join(top, "bindings") + os.sep), origin
assert os.sep + os.path.join("bindings", "python", "weft") + os.sep not in origin, origin
with ThreadPoolExecutor(max_workers=2) as pool:
    assert sum(pool.map(pow, range(10), [2] * 10)) == 285
del pool
q = queue.Queue(maxsize=1)
t = threading.Thread(target=q.put, args=(42,))
t.start()
assert q.get(timeout=30) == 42
t.join()
print("python consumer: weft", weft.version_string(), "from", os.path.dirname(weft.__file__), "ok")
