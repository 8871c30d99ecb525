"""weft.multiprocessing.connection as a drop-in for multiprocessing.connection.

Every test takes `mp`, which is weft's modules or the standard ones (the
fixture runs each test against both), so a test that passes is right about
the standard module too. The interoperation tests put a CPython process
that uses the standard module at the other end."""
import array
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import types

import pytest

from conftest import STDLIB, interrupt_soon

PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

MODULES = ["std"] if STDLIB else ["weft", "std"]


def _modules(name):
    if name == "std":
        import multiprocessing as m
        import multiprocessing.connection as conn
    else:
        try:
            import weft.multiprocessing as m
            import weft.multiprocessing.connection as conn
        except (ImportError, AttributeError) as e:  # the area is not in this build
            pytest.skip("weft.multiprocessing not available: %s" % e)
    return types.SimpleNamespace(
        name=name, Pipe=m.Pipe, AuthenticationError=m.AuthenticationError, BufferTooShort=m.BufferTooShort,
        connection=conn, Listener=conn.Listener, Client=conn.Client, wait=conn.wait, Connection=conn.Connection)


@pytest.fixture(params=MODULES)
def mp(request):
    return _modules(request.param)


def _in_thread(fn, *args):
    """Runs fn(*args) in a thread; join() gives its result or raises its exception."""
    box = {}

    def run():
        try:
            box["value"] = fn(*args)
        except BaseException as e:  # noqa: B902 - handed to the joiner
            box["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()

    def join():
        t.join(60)
        assert not t.is_alive(), "the thread did not finish"
        if "error" in box:
            raise box["error"]
        return box.get("value")
    return join


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


OBJECTS = [None, True, 0, -1, 2 ** 100, 1.5, "", "héllo wörld", b"\0bytes", bytearray(b"ba"),
           (1, (2, 3)), [1, [2, [3]]], {"k": 1, 2: [None]}, {1, 2, 3}, frozenset("ab"), Point(1, 2),
           list(range(10000)), "x" * 100000]


# ---- Pipe, send and recv -----------------------------------------------------

@pytest.mark.parametrize("duplex", [True, False])
def test_objects_cross_as_pickles(mp, duplex):
    r, w = mp.Pipe(duplex)
    join = _in_thread(lambda: [w.send(obj) for obj in OBJECTS])
    for obj in OBJECTS:
        assert r.recv() == obj
    join()
    # The frame holds the object pickled at the default protocol.
    w.send({"k": 1})
    assert pickle.loads(r.recv_bytes()) == {"k": 1}
    w.send_bytes(pickle.dumps([1, "two"], protocol=pickle.DEFAULT_PROTOCOL))
    assert r.recv() == [1, "two"]
    r.close()
    w.close()


def test_duplex_and_one_way_ends(mp):
    a, b = mp.Pipe()
    assert (a.readable, a.writable, b.readable, b.writable) == (True, True, True, True)
    b.send("back")
    assert a.recv() == "back"
    r, w = mp.Pipe(duplex=False)
    assert (r.readable, r.writable, w.readable, w.writable) == (True, False, False, True)
    with pytest.raises(OSError):
        r.send(1)
    with pytest.raises(OSError):
        r.send_bytes(b"x")
    with pytest.raises(OSError):
        w.recv()
    with pytest.raises(OSError):
        w.poll()
    for c in (a, b, r, w):
        c.close()


def test_send_bytes_offsets_and_sizes(mp):
    a, b = mp.Pipe()
    data = b"0123456789"
    a.send_bytes(data)
    a.send_bytes(data, 3)
    a.send_bytes(data, 3, 4)
    a.send_bytes(data, 10)
    a.send_bytes(data, 0, 0)
    a.send_bytes(memoryview(data)[2:5])
    a.send_bytes(bytearray(data), 8, 2)
    # Buffers of wider items are counted in bytes.
    a.send_bytes(array.array("i", [1, 2, 3]), 4, 4)
    assert [b.recv_bytes() for _ in range(8)] == [
        data, b"3456789", b"3456", b"", b"", b"234", b"89", array.array("i", [2]).tobytes()]
    for offset, size in [(-1, None), (11, None), (0, -1), (5, 6), (11, 0)]:
        with pytest.raises(ValueError):
            a.send_bytes(data, offset, size)
    with pytest.raises(TypeError):
        a.send_bytes("text")
    assert not b.poll()
    a.close()
    b.close()


@pytest.mark.parametrize("duplex", [True, False])
def test_big_messages(mp, duplex):
    r, w = mp.Pipe(duplex)
    big = bytes(range(256)) * (64 * 1024 + 3)  # 16 MiB and a bit: many reads and writes
    join = _in_thread(lambda: (w.send_bytes(big), w.send(list(range(200000))), w.send_bytes(big, 1, len(big) - 2)))
    assert r.recv_bytes() == big
    assert r.recv() == list(range(200000))
    buf = bytearray(len(big) + 10)
    assert r.recv_bytes_into(buf, 5) == len(big) - 2
    assert buf[5:5 + len(big) - 2] == big[1:-1]
    join()
    r.close()
    w.close()


def test_maxlength(mp):
    a, b = mp.Pipe()
    a.send_bytes(b"12345")
    assert b.recv_bytes(5) == b"12345"
    with pytest.raises(ValueError):
        b.recv_bytes(-1)
    a.send_bytes(b"123456")
    with pytest.raises(OSError, match="bad message length"):
        b.recv_bytes(5)
    # The stream cannot be trusted any more: the end stops reading.
    assert not b.readable and not b.closed
    with pytest.raises(OSError):
        b.recv_bytes()
    b.send_bytes(b"still writes")
    assert a.recv_bytes() == b"still writes"
    # A read-only end is closed instead.
    r, w = mp.Pipe(False)
    w.send_bytes(b"too long")
    with pytest.raises(OSError, match="bad message length"):
        r.recv_bytes(3)
    assert r.closed
    for c in (a, b, w):
        c.close()


def test_recv_bytes_into(mp):
    a, b = mp.Pipe()
    buf = bytearray(b"." * 12)
    a.send_bytes(b"hello")
    assert b.recv_bytes_into(buf) == 5
    a.send_bytes(b"world")
    assert b.recv_bytes_into(buf, 7) == 5
    assert buf == bytearray(b"hello..world")
    a.send_bytes(b"")
    assert b.recv_bytes_into(buf, 12) == 0
    ints = array.array("i", [0, 0, 0])
    a.send_bytes(array.array("i", [7, 8]))
    assert b.recv_bytes_into(ints, 4) == 8
    assert list(ints) == [0, 7, 8]
    with pytest.raises(ValueError):
        b.recv_bytes_into(buf, -1)
    with pytest.raises(ValueError):
        b.recv_bytes_into(buf, 13)
    a.send_bytes(b"does not fit")
    with pytest.raises(mp.BufferTooShort) as e:
        b.recv_bytes_into(bytearray(4))
    assert e.value.args[0] == b"does not fit"
    a.send_bytes(b"12345")
    with pytest.raises(mp.BufferTooShort) as e:
        b.recv_bytes_into(bytearray(8), 4)
    assert e.value.args[0] == b"12345"
    # The messages were taken: the next one is next.
    a.send_bytes(b"next")
    assert b.recv_bytes() == b"next"
    a.close()
    b.close()


def test_poll_and_timeouts(mp):
    a, b = mp.Pipe()
    assert b.poll() is False
    assert b.poll(0.05) is False
    assert b.poll(-1) is False
    join = _in_thread(lambda: a.send("later"))
    assert b.poll(None) is True
    assert b.poll(30) is True
    assert b.recv() == "later"
    join()
    a.send_bytes(b"")
    assert b.poll()
    assert b.recv_bytes() == b""
    a.close()
    b.close()


@pytest.mark.parametrize("duplex", [True, False])
def test_end_of_file_after_close(mp, duplex):
    r, w = mp.Pipe(duplex)
    w.send("last")
    w.close()
    assert r.recv() == "last"
    assert r.poll()  # end of file counts as ready
    with pytest.raises(EOFError):
        r.recv()
    with pytest.raises(EOFError):
        r.recv_bytes()
    with pytest.raises(EOFError):
        r.recv_bytes_into(bytearray(4))
    r.close()


def test_end_of_file_inside_a_message(mp):
    # An earlier failure with an errno must not colour this one.
    with pytest.raises(FileNotFoundError):
        mp.Client(os.path.join(_tmpdir(), "nobody"))
    r, w = os.pipe()
    conn = mp.Connection(r, writable=False)
    os.write(w, b"\0\0\0\x0aabc")  # a frame of 10 bytes, 3 of them sent
    os.close(w)
    with pytest.raises(OSError, match="end of file during message") as e:
        conn.recv_bytes()
    assert type(e.value) is OSError
    conn.close()


def test_a_closed_connection(mp):
    a, b = mp.Pipe()
    with a:
        pass
    assert a.closed and not b.closed
    for call in (a.fileno, a.recv, a.recv_bytes, a.poll, lambda: a.send(1), lambda: a.send_bytes(b"x"),
                 lambda: a.recv_bytes_into(bytearray(4))):
        with pytest.raises(OSError):
            call()
    a.close()  # again: nothing happens
    with pytest.raises(OSError):
        b.send("to nobody")
    b.close()
    assert b.closed


def test_connection_from_a_descriptor(mp):
    r, w = os.pipe()
    rc, wc = mp.Connection(r, writable=False), mp.Connection(w, readable=False)
    assert rc.fileno() == r and wc.fileno() == w
    wc.send_bytes(b"raw")
    assert rc.recv_bytes() == b"raw"
    os.write(w, b"\0\0\0\x02hi")  # a frame written by hand
    assert rc.recv_bytes() == b"hi"
    with pytest.raises(ValueError):
        mp.Connection(-1)
    with pytest.raises(ValueError):
        mp.Connection(r, False, False)
    rc.close()
    wc.close()


def test_a_connection_travels_inside_a_message(mp):
    # Pickled with its descriptor duplicated, as multiprocessing passes
    # connections to children.
    a, b = mp.Pipe()
    r, w = mp.Pipe(False)
    a.send(r)
    got = b.recv()
    assert type(got) is type(r) and got.readable and not got.writable
    w.send("through the copy")
    assert got.recv() == "through the copy"
    for c in (a, b, r, w, got):
        c.close()


# ---- Listener and Client -------------------------------------------------------

def _serve_once(listener):
    """Accepts one connection and echoes one object back, transformed."""
    def serve():
        with listener.accept() as c:
            obj = c.recv()
            c.send(("echo", obj))
    return _in_thread(serve)


ADDRESSES = {
    "unix-default": lambda: None,
    "unix-path": lambda: os.path.join(_tmpdir(), "sock"),
    "unix-abstract": lambda: "\0weft-test-%d-%s" % (os.getpid(), os.urandom(4).hex()),
    "inet": lambda: ("127.0.0.1", 0),
}


def _tmpdir():
    import tempfile
    return tempfile.mkdtemp(prefix="weft-test-")


@pytest.mark.parametrize("where", sorted(ADDRESSES))
@pytest.mark.parametrize("authkey", [None, b"secret"])
def test_listener_and_client(mp, where, authkey):
    if where == "unix-abstract" and not sys.platform.startswith("linux"):
        pytest.skip("abstract socket names are Linux only")
    address = ADDRESSES[where]()
    with mp.Listener(address, authkey=authkey) as listener:
        if where == "inet":
            assert listener.address[0] == "127.0.0.1" and listener.address[1] > 0
        elif where == "unix-abstract":
            assert listener.address == address.encode()
        elif address is not None:
            assert listener.address == address
        else:
            assert isinstance(listener.address, str) and os.path.exists(listener.address)
        assert mp.connection.address_type(listener.address) == ("AF_INET" if where == "inet" else "AF_UNIX")
        assert listener.last_accepted is None
        join = _serve_once(listener)
        with mp.Client(listener.address, authkey=authkey) as c:
            c.send([1, "two"])
            assert c.recv() == ("echo", [1, "two"])
        join()
        if where == "inet":
            assert listener.last_accepted[0] == "127.0.0.1"
        else:
            assert listener.last_accepted in ("", b"", None)
        path = listener.address
    if where in ("unix-default", "unix-path"):
        assert not os.path.exists(path), "a filesystem socket is removed when the listener closes"


def test_a_closed_listener(mp):
    listener = mp.Listener(("127.0.0.1", 0))
    address = listener.address
    listener.close()
    listener.close()
    with pytest.raises(OSError):
        listener.accept()
    with pytest.raises(OSError):
        mp.Client(address)


def test_wrong_arguments(mp):
    with pytest.raises(TypeError):
        mp.Listener(("127.0.0.1", 0), authkey="not bytes")
    with mp.Listener(("127.0.0.1", 0)) as listener:
        with pytest.raises(TypeError):
            mp.Client(listener.address, authkey="not bytes")
    with pytest.raises(TypeError):
        mp.connection.address_type(42)
    with pytest.raises(ValueError):
        mp.connection.address_type(b"/a/path/as/bytes")
    with pytest.raises(FileNotFoundError):
        mp.Client(os.path.join(_tmpdir(), "nobody"))


def test_wrong_key_fails_on_both_sides(mp):
    with mp.Listener(("127.0.0.1", 0), authkey=b"right") as listener:
        join = _in_thread(listener.accept)
        with pytest.raises(mp.AuthenticationError):
            mp.Client(listener.address, authkey=b"wrong")
        with pytest.raises(mp.AuthenticationError):
            join()
        # The listener goes on accepting.
        join = _serve_once(listener)
        with mp.Client(listener.address, authkey=b"right") as c:
            c.send("ok")
            assert c.recv() == ("echo", "ok")
        join()


def test_handshake_on_a_pipe(mp):
    a, b = mp.Pipe()
    join = _in_thread(lambda: (mp.connection.deliver_challenge(a, b"key"), mp.connection.answer_challenge(a, b"key")))
    mp.connection.answer_challenge(b, b"key")
    mp.connection.deliver_challenge(b, b"key")
    join()
    join = _in_thread(mp.connection.deliver_challenge, a, b"key")
    with pytest.raises(mp.AuthenticationError):
        mp.connection.answer_challenge(b, b"other")
    with pytest.raises(mp.AuthenticationError):
        join()
    with pytest.raises(ValueError):
        mp.connection.deliver_challenge(a, "text")
    a.close()
    b.close()


# ---- wait ---------------------------------------------------------------------------

def test_wait_over_pipes_sockets_and_descriptors(mp):
    a, b = mp.Pipe()
    r, w = mp.Pipe(False)
    s1, s2 = socket.socketpair()
    fr, fw = os.pipe()
    gr, gw = os.pipe()

    class HasFileno:
        def fileno(self):
            return gr
    objects = [b, r, s2, fr, HasFileno()]
    assert mp.wait(objects, 0) == []
    assert mp.wait(objects, 0.05) == []
    assert mp.wait([], 0) == []
    a.send(1)
    assert mp.wait(objects, 10) == [b]
    s1.send(b"x")
    w.send(2)
    assert set(map(id, mp.wait(objects))) == {id(b), id(r), id(s2)}
    os.write(fw, b"y")
    os.write(gw, b"z")
    assert set(map(id, mp.wait(iter(objects), None))) == set(map(id, objects))
    idle = mp.Pipe()
    join = _in_thread(lambda: mp.wait([idle[0], a], 30))
    b.send("wake")
    assert join() == [a]
    # End of file counts as ready.
    b.recv(), r.recv(), s2.recv(1), os.read(fr, 1), os.read(gr, 1), a.recv()
    w.close()
    assert mp.wait([r, b], 10) == [r]
    for c in (a, b, r, s1, s2) + idle:
        c.close()
    for fd in (fr, fw, gr, gw):
        os.close(fd)


def test_wait_rejects_a_closed_connection(mp):
    a, b = mp.Pipe()
    a.close()
    with pytest.raises(OSError):
        mp.wait([a], 0)
    b.close()


# ---- a real CPython peer ------------------------------------------------------------

PEER_CLIENT = r"""
import sys
from multiprocessing.connection import Client
address = eval(sys.argv[1])
with Client(address, authkey=b"shared key") as c:
    obj = c.recv()
    c.send({"got": obj, "from": "cpython"})
    c.send_bytes(c.recv_bytes()[::-1])
    c.send_bytes(b"z" * 300000)
print("done", flush=True)
"""

PEER_LISTENER = r"""
import sys
from multiprocessing.connection import Listener
address = eval(sys.argv[1])
with Listener(address, authkey=b"shared key") as listener:
    print(repr(listener.address), flush=True)
    with listener.accept() as c:
        obj = c.recv()
        c.send([obj, "from cpython"])
        c.send_bytes(c.recv_bytes().upper())
print("done", flush=True)
"""

PEER_ADDRESSES = {"unix": lambda: None, "inet": lambda: ("127.0.0.1", 0)}


def _peer(code, *args):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the standard module, never weft's
    return subprocess.Popen([PY, "-c", code] + list(args), stdout=subprocess.PIPE, text=True, env=env)


@pytest.mark.parametrize("where", sorted(PEER_ADDRESSES))
def test_cpython_client_talks_to_listener(mp, where):
    with mp.Listener(PEER_ADDRESSES[where](), authkey=b"shared key") as listener:
        peer = _peer(PEER_CLIENT, repr(listener.address))
        try:
            with listener.accept() as c:
                c.send(("weft?", 1, [2.5, None], {"k": b"v"}))
                assert c.recv() == {"got": ("weft?", 1, [2.5, None], {"k": b"v"}), "from": "cpython"}
                c.send_bytes(b"abcdef")
                assert c.recv_bytes() == b"fedcba"
                assert c.recv_bytes() == b"z" * 300000
                assert peer.stdout.readline() == "done\n"
        finally:
            assert peer.wait(60) == 0


@pytest.mark.parametrize("where", sorted(PEER_ADDRESSES))
def test_client_talks_to_cpython_listener(mp, where):
    peer = _peer(PEER_LISTENER, repr(PEER_ADDRESSES[where]() or os.path.join(_tmpdir(), "sock")))
    try:
        address = eval(peer.stdout.readline())
        with mp.Client(address, authkey=b"shared key") as c:
            c.send({"n": 42, "s": "ü"})
            assert c.recv() == [{"n": 42, "s": "ü"}, "from cpython"]
            c.send_bytes(b"shout")
            assert c.recv_bytes() == b"SHOUT"
        assert peer.stdout.readline() == "done\n"
    finally:
        assert peer.wait(60) == 0


def test_cpython_peer_refuses_a_wrong_key(mp):
    peer = _peer(PEER_LISTENER, repr(("127.0.0.1", 0)))
    try:
        address = eval(peer.stdout.readline())
        with pytest.raises(mp.AuthenticationError):
            mp.Client(address, authkey=b"not the key")
    finally:
        peer.wait(60)
    assert peer.returncode != 0


# ---- Ctrl-C ------------------------------------------------------------------------

def _unblock_later(action):
    """A safety net: if the interrupt does not end the blocking call, this
    ends it after a while, so the test fails instead of hanging."""
    timer = threading.Timer(30, action)
    timer.daemon = True
    timer.start()
    return timer


def test_ctrl_c_interrupts_recv(mp):
    a, b = mp.Pipe()
    timer = _unblock_later(lambda: a.send("too late"))
    interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        b.recv()
    timer.cancel()
    a.send("after")
    assert b.recv() == "after"
    a.close()
    b.close()


def test_a_handler_that_returns_lets_recv_go_on(mp):
    calls = []
    old = signal.signal(signal.SIGUSR1, lambda *a: calls.append(1))
    stop = threading.Event()
    try:
        a, b = mp.Pipe()

        def pester():
            while not stop.wait(0.02):
                os.kill(os.getpid(), signal.SIGUSR1)
            a.send("after the signals")
        threading.Thread(target=pester, daemon=True).start()
        threading.Timer(0.3, stop.set).start()
        assert b.recv() == "after the signals"
        assert calls, "no signal arrived during the wait"
        a.close()
        b.close()
    finally:
        stop.set()
        signal.signal(signal.SIGUSR1, old)


def test_ctrl_c_interrupts_accept(mp):
    with mp.Listener(("127.0.0.1", 0)) as listener:
        timer = _unblock_later(lambda: mp.Client(listener.address))
        interrupt_soon()
        with pytest.raises(KeyboardInterrupt):
            listener.accept()
        timer.cancel()


def test_ctrl_c_interrupts_wait(mp):
    a, b = mp.Pipe()
    timer = _unblock_later(lambda: a.send("too late"))
    interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        mp.wait([b])
    timer.cancel()
    a.close()
    b.close()
