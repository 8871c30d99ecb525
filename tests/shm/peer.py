"""CPython peers for tests/shm/test_interop.c.

check-weft-list NAME   attaches to the ShareableList weft made (see WEFT_LIST
                       in test_interop.c), checks every item and the format,
                       then changes items for weft to read back
make-list              makes CPYTHON_LIST, prints its name, waits for a line
                       on stdin (weft has changed it), checks weft's changes,
                       then unlinks it
shm NAME               attaches to weft's SharedMemory, checks weft's bytes
                       at 0, writes its own at 16
make-shm               makes a SharedMemory with its bytes at 0, prints its
                       name, waits for a line, checks weft's bytes at 100,
                       then unlinks it

CPython before 3.13 registers a segment it merely attaches to with its
resource tracker, which would unlink it when this process exits (gh-82300):
every attach here is followed by resource_tracker.unregister. Exit status 0
means every check held; otherwise the failed check is printed on stderr.
"""
import sys
from multiprocessing import resource_tracker, shared_memory

CPYTHON_LIST = [7, 1.5, False, None, "ünïcode", b"raw\x00", "ééééééé", -1]


def attached(shm):
    resource_tracker.unregister(shm._name, "shared_memory")
    return shm


def check(got, want, what):
    if got != want:
        sys.exit(f"{what}: got {got!r}, wanted {want!r}")


def check_weft_list(name):
    sl = shared_memory.ShareableList(name=name)
    attached(sl.shm)
    # What CPython reads: its own stripping of trailing NULs included.
    check(list(sl), [42, 2.5, True, None, "héllo wörld", b"ab\x00cd", -7, "ééééééé", b"tail"], "items")
    check(sl.format, "qdxxxxxxx?xxxxxx?x16s8sq16s6s2x", "format")
    check(len(sl), 9, "len")
    check(sl.count(True), 1, "count(True)")
    check(sl.index(-7), 6, "index(-7)")
    sl[0] = -123456789
    sl[1] = "xyz"
    sl[2] = None
    sl[3] = 7.25
    sl[4] = "naïve ☃"
    sl[5] = b"\x01\x02"
    sl[6] = False
    sl[7] = 1.5
    try:
        sl[5] = b"x" * 9
        sys.exit("an oversized item was accepted")
    except ValueError:
        pass
    sl.shm.close()


def make_list():
    sl = shared_memory.ShareableList(CPYTHON_LIST)
    print(sl.shm.name, flush=True)
    sys.stdin.readline()
    check(list(sl), [8, "weft", False, b"bytes!", "ünïcod", b"raw", "éééé", True], "weft's changes")
    sl.shm.close()
    sl.shm.unlink()


def shm(name):
    s = attached(shared_memory.SharedMemory(name=name))
    check(bytes(s.buf[:16]), b"weft wrote this!", "weft's bytes")
    check(s.size, 4096, "size")
    s.buf[16:33] = b"python wrote this"
    s.close()


def make_shm():
    s = shared_memory.SharedMemory(create=True, size=4096)
    s.buf[:12] = b"from cpython"
    print(s.name, flush=True)
    sys.stdin.readline()
    check(bytes(s.buf[100:104]), b"weft", "weft's bytes")
    s.close()
    s.unlink()


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"check-weft-list": check_weft_list, "make-list": make_list, "shm": shm, "make-shm": make_shm}[cmd](*args)
