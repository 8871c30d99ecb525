"""Peers for tests/connection/test_interop.c.

cpython-client FAMILY ADDRESS PORT KEYHEX   multiprocessing.connection.Client
cpython-listener FAMILY KEYHEX              multiprocessing.connection.Listener;
                                            prints its address, accepts once
spec-client FAMILY ADDRESS PORT KEYHEX DIGEST
spec-listener KEYHEX DIGEST                 the 3.12+ handshake written from
                                            the wire description with hmac and
                                            hashlib over a raw socket, playing
                                            both roles with challenge {DIGEST}

FAMILY is unix, abstract or inet; KEYHEX is '-' for no key. Each peer sends
b"hello from python", then echoes one message reversed, then sends a
3-message burst ending with an empty one. Exit status 3: authentication
failed.
"""
import hashlib
import hmac
import os
import socket
import struct
import sys
from multiprocessing import connection

CHALLENGE, WELCOME, FAILURE = b"#CHALLENGE#", b"#WELCOME#", b"#FAILURE#"
DIGESTS = {"md5", "sha256", "sha384", "sha3_256", "sha3_384"}


def address(family, addr, port):
    if family == "inet":
        return (addr, int(port))
    if family == "abstract":
        return "\0" + addr
    return addr


def key(hexkey):
    return None if hexkey == "-" else bytes.fromhex(hexkey)


def exchange(send, recv):
    send(b"hello from python")
    send(recv()[::-1])
    for m in (b"one", b"x" * 70000, b""):
        send(m)


# ---- a raw connection with CPython's framing ------------------------------

class Raw:
    def __init__(self, sock):
        self.s = sock

    def send(self, m):
        n = len(m)
        head = struct.pack("!i", n) if n <= 0x7FFFFFFF else struct.pack("!iQ", -1, n)
        self.s.sendall(head + m)

    def _exact(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise EOFError
            b += c
        return b

    def recv(self, maxlength=None):
        n, = struct.unpack("!i", self._exact(4))
        if n == -1:
            n, = struct.unpack("!Q", self._exact(8))
        if maxlength is not None and n > maxlength:
            raise OSError("bad message length")
        return self._exact(n)


def split(m):
    if len(m) in (16, 20):
        return "md5", m
    end = m.find(b"}", 1, 10)
    if m.startswith(b"{") and end > 0 and m[1:end].decode() in DIGESTS:
        return m[1:end].decode(), m[end + 1:]
    raise ValueError("unknown form")


def spec_deliver(c, authkey, digest):
    message = b"{%s}" % digest.encode() + os.urandom(40)
    c.send(CHALLENGE + message)
    answer = c.recv(256)
    name, mac = split(answer)
    good = hmac.compare_digest(hmac.new(authkey, message, name).digest(), mac)
    c.send(WELCOME if good else FAILURE)
    if not good:
        sys.exit(3)


def spec_answer(c, authkey):
    m = c.recv(256)
    assert m.startswith(CHALLENGE)
    message = m[len(CHALLENGE):]
    name, _ = split(message)
    mac = hmac.new(authkey, message, name).digest()
    c.send(mac if len(message) in (16, 20) else b"{%s}" % name.encode() + mac)
    if c.recv(256) != WELCOME:
        sys.exit(3)


def main(argv):
    mode = argv[1]
    try:
        if mode == "cpython-client":
            c = connection.Client(address(*argv[2:5]), authkey=key(argv[5]))
            exchange(c.send_bytes, c.recv_bytes)
            c.recv_bytes()  # wait for the peer's goodbye or EOF
        elif mode == "cpython-listener":
            fam = argv[2]
            addr = ("127.0.0.1", 0) if fam == "inet" else None
            lst = connection.Listener(addr, family="AF_INET" if fam == "inet" else "AF_UNIX", authkey=key(argv[3]))
            a = lst.address
            print(a[1] if fam == "inet" else a, flush=True)
            c = lst.accept()
            exchange(c.send_bytes, c.recv_bytes)
            c.recv_bytes()
            lst.close()
        elif mode == "spec-client":
            fam, authkey, digest = argv[2], key(argv[5]), argv[6]
            s = socket.socket(socket.AF_INET if fam == "inet" else socket.AF_UNIX)
            s.connect(address(*argv[2:5]))
            c = Raw(s)
            spec_answer(c, authkey)
            spec_deliver(c, authkey, digest)
            exchange(c.send, c.recv)
            c.recv()
        elif mode == "spec-listener":
            authkey, digest = key(argv[2]), argv[3]
            path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "weft-spec-%d" % os.getpid())
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)
            s.listen(1)
            print(path, flush=True)
            conn, _ = s.accept()
            os.unlink(path)
            c = Raw(conn)
            spec_deliver(c, authkey, digest)
            spec_answer(c, authkey)
            exchange(c.send, c.recv)
            c.recv()
        else:
            sys.exit(__doc__)
    except connection.AuthenticationError:
        sys.exit(3)
    except EOFError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
