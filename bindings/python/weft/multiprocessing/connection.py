"""weft.multiprocessing.connection: Python's `multiprocessing.connection`
over weft's C connections (weft/connection.h).

Connection, Pipe, Listener, Client and wait take the standard module's
arguments and raise its exceptions; the bytes on the wire are CPython's
(framing, both authentication handshakes, and `send`/`recv` pickled with
``ForkingPickler`` at ``pickle.DEFAULT_PROTOCOL``), so either end may be a
CPython process using the standard module. Blocking calls release the GIL
and end with KeyboardInterrupt on Ctrl-C, like the rest of weft.

Where weft differs: `wait` returns the ready objects in the order given;
Windows named pipes (``AF_PIPE``) do not exist; an empty `authkey` is a key
(authentication is skipped only for None, as from Python 3.13); a
`deliver_challenge` always challenges with sha256.
"""
import os
import sys

from multiprocessing import AuthenticationError, BufferTooShort
from multiprocessing import reduction as _reduction
from multiprocessing import util as _util

from .. import _weft as _c
from .._timeout import seconds as _seconds

__all__ = ["Client", "Listener", "Pipe", "wait"]

_ForkingPickler = _reduction.ForkingPickler

_FOREVER = -1.0
# "No maxlength": no message longer than this fits in memory anyway.
_NO_LIMIT = sys.maxsize

default_family = "AF_UNIX"
families = ["AF_INET", "AF_UNIX"]

_FAMILIES = {
    "AF_UNIX": _c.WEFT_FAMILY_UNIX,
    "AF_INET": _c.WEFT_FAMILY_INET,
    "AF_INET6": _c.WEFT_FAMILY_INET6,
}


class Connection:
    """A connection over a socket or pipe descriptor, which it owns.

    ``Connection(fd, readable=True, writable=True)`` wraps an open
    descriptor, as the standard class does.
    """

    def __init__(self, handle, readable=True, writable=True):
        fd = handle.__index__()
        if fd < 0:
            raise ValueError("invalid handle")
        if not (readable or writable):
            raise ValueError("at least one of `readable` and `writable` must be True")
        self._c = _c.weft_connection_from_fd(fd, 1 if readable else 0, 1 if writable else 0)
        self._readable = bool(readable)
        self._writable = bool(writable)

    @classmethod
    def _adopt(cls, c, readable, writable):
        self = cls.__new__(cls)
        self._c = c
        self._readable = readable
        self._writable = writable
        return self

    # ---- state -------------------------------------------------------------

    def _open(self):
        c = self._c
        if c is None:
            raise OSError("handle is closed")
        return c

    def _for_reading(self):
        c = self._open()
        if not self._readable:
            raise OSError("connection is write-only")
        return c

    def _for_writing(self):
        c = self._open()
        if not self._writable:
            raise OSError("connection is read-only")
        return c

    def _refused(self, c):
        # weft refused a message longer than maxlength (or met a corrupt
        # header): the connection no longer reads, and a read-only one was
        # closed, as the standard module leaves it.
        if _c.weft_connection_closed(c):
            self.close()
        else:
            self._readable = bool(_c.weft_connection_readable(c))

    @property
    def closed(self):
        """True if the connection is closed"""
        return self._c is None

    @property
    def readable(self):
        """True if the connection is readable"""
        return self._readable

    @property
    def writable(self):
        """True if the connection is writable"""
        return self._writable

    def fileno(self):
        """File descriptor or handle of the connection"""
        return _c.weft_connection_fileno(self._open())

    def close(self):
        """Close the connection"""
        c, self._c = self._c, None
        if c is not None:
            # Closed, not freed: a call blocked on it in another thread
            # still holds the handle and returns.
            _c.weft_connection_close(c)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        self.close()

    # ---- sending -----------------------------------------------------------

    def send_bytes(self, buf, offset=0, size=None):
        """Send the bytes data from a bytes-like object"""
        c = self._for_writing()
        if offset == 0 and size is None:
            _c.weft_connection_send_bytes(c, buf)
            return
        view = memoryview(buf)
        if view.itemsize != 1:
            view = view.cast("B")
        total = view.nbytes
        if offset < 0:
            raise ValueError("offset is negative")
        if offset > total:
            raise ValueError("buffer length < offset")
        if size is None:
            size = total - offset
        elif size < 0:
            raise ValueError("size is negative")
        elif size > total - offset:
            raise ValueError("buffer length < offset + size")
        _c.weft_connection_send_bytes(c, view[offset:offset + size])

    def send(self, obj):
        """Send a (picklable) object"""
        c = self._for_writing()
        _c.weft_connection_send_bytes(c, _ForkingPickler.dumps(obj))

    # ---- receiving ---------------------------------------------------------

    def _recv(self, c, maxlength):
        try:
            return _c.weft_connection_recv_bytes(c, maxlength, _FOREVER)
        except OSError:
            self._refused(c)
            raise

    def recv_bytes(self, maxlength=None):
        """
        Receive bytes data as a bytes object.
        """
        c = self._for_reading()
        if maxlength is None:
            maxlength = _NO_LIMIT
        elif maxlength < 0:
            raise ValueError("negative maxlength")
        return self._recv(c, maxlength)

    def recv_bytes_into(self, buf, offset=0):
        """
        Receive bytes data into a writeable bytes-like object.
        Return the number of bytes read.
        """
        c = self._for_reading()
        with memoryview(buf) as view:
            room = view.itemsize * len(view)
            if offset < 0:
                raise ValueError("negative offset")
            if offset > room:
                raise ValueError("offset too large")
            try:
                return _c.weft_connection_recv_bytes_into(c, view, offset, _FOREVER)
            except BufferTooShort:
                # weft kept the message: take it, as the exception carries it.
                message = self._recv(c, _NO_LIMIT)
            except OSError:
                self._refused(c)
                raise
        raise BufferTooShort(message)

    def recv(self):
        """Receive a (picklable) object"""
        c = self._for_reading()
        return _ForkingPickler.loads(self._recv(c, _NO_LIMIT))

    def poll(self, timeout=0.0):
        """Whether there is any input available to be read"""
        c = self._for_reading()
        return bool(_c.weft_connection_poll(c, _seconds(timeout)))


# A Connection crosses to a child process as the standard one does: its
# descriptor duplicated by the reduction machinery, a Connection around it.
def _rebuild_connection(dup, readable, writable):
    return Connection(dup.detach(), readable, writable)


def _reduce_connection(conn):
    return _rebuild_connection, (_reduction.DupFd(conn.fileno()), conn.readable, conn.writable)


_reduction.register(Connection, _reduce_connection)


def Pipe(duplex=True):
    """
    Returns pair of connection objects at either end of a pipe
    """
    a, b = _c.weft_pipe_new(1 if duplex else 0)
    duplex = bool(duplex)
    return Connection._adopt(a, True, duplex), Connection._adopt(b, duplex, True)


# ---- addresses --------------------------------------------------------------

def arbitrary_address(family):
    """
    Return an arbitrary free address for the given family
    """
    if family == "AF_INET":
        return ("localhost", 0)
    if family == "AF_UNIX":
        return os.path.join(_util.get_temp_dir(), "listener-" + os.urandom(6).hex())
    raise ValueError("unrecognized family")


def _is_abstract(address):
    return isinstance(address, (bytes, str)) and address[:1] in (b"\0", "\0")


def address_type(address):
    """
    Return the types of the address

    This can be 'AF_INET' or 'AF_UNIX' ('AF_PIPE' is Windows')
    """
    if type(address) is tuple:
        return "AF_INET"
    if type(address) is str and address.startswith("\\\\"):
        return "AF_PIPE"
    if type(address) is str or _is_abstract(address):
        return "AF_UNIX"
    if address and not isinstance(address, (bytes, str)):
        raise TypeError("address type of %r unrecognized" % (address,))
    raise ValueError("address type of %r unrecognized" % (address,))


def _family(family):
    try:
        return _FAMILIES[family]
    except (KeyError, TypeError):
        raise ValueError("Family %s is not recognized." % (family,)) from None


def _c_address(address, family):
    """(address as bytes or None, port) for weft, from an address in
    Python's form for `family`."""
    if family == _c.WEFT_FAMILY_UNIX:
        if isinstance(address, (str, bytes, os.PathLike)):
            return os.fsencode(address), 0
        raise TypeError("an AF_UNIX address must be str or bytes, not %s" % type(address).__name__)
    if not isinstance(address, tuple) or len(address) < 2:
        raise TypeError("an AF_INET address must be a (host, port) tuple")
    host, port = address[0], address[1]
    if not isinstance(host, str) or type(port) is not int and not hasattr(port, "__index__"):
        raise TypeError("an AF_INET address must be a (str, int) tuple")
    if host == "":  # all interfaces, as bind() takes it
        host = "::" if family == _c.WEFT_FAMILY_INET6 else "0.0.0.0"
    return host.encode("idna"), port.__index__()


def _py_address(family, address, port):
    """An address weft gave, in Python's form."""
    if family == _c.WEFT_FAMILY_UNIX:
        return address if _is_abstract(address) else os.fsdecode(address)
    host = address.decode("ascii")
    return (host, port, 0, 0) if family == _c.WEFT_FAMILY_INET6 else (host, port)


def _check_authkey(authkey):
    if authkey is not None and not isinstance(authkey, bytes):
        raise TypeError("authkey should be a byte string")


class Listener(object):
    '''
    Returns a listener object.

    This is a wrapper for a bound socket which is 'listening' for
    connections.
    '''

    def __init__(self, address=None, family=None, backlog=1, authkey=None):
        family = family or (address and address_type(address)) or default_family
        fam = _family(family)
        _check_authkey(authkey)
        if address:
            where, port = _c_address(address, fam)
        else:  # weft makes a fresh path, or takes localhost and any port
            where, port = None, 0
        self._l = _c.weft_listener_new(fam, where, port, backlog, authkey)
        self._family = fam
        self._address = _py_address(*_c.weft_listener_address(self._l))

    def accept(self):
        '''
        Accept a connection on the bound socket of `self`.

        Returns a `Connection` object.
        '''
        listener = self._l
        if listener is None:
            raise OSError("listener is closed")
        return Connection._adopt(_c.weft_listener_accept(listener, _FOREVER), True, True)

    def close(self):
        '''
        Close the bound socket of `self`.
        '''
        listener, self._l = self._l, None
        if listener is not None:
            _c.weft_listener_close(listener)

    @property
    def address(self):
        return self._address

    @property
    def last_accepted(self):
        listener = self._l
        if listener is None:
            return None
        try:
            address, port = _c.weft_listener_last_accepted(listener)
        except LookupError:
            return None
        if self._family == _c.WEFT_FAMILY_UNIX:
            return os.fsdecode(address) if address[:1] != b"\0" else address
        return _py_address(self._family, address, port)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        self.close()


def Client(address, family=None, authkey=None):
    '''
    Returns a connection to the address of a `Listener`
    '''
    fam = _family(family or address_type(address))
    _check_authkey(authkey)
    where, port = _c_address(address, fam)
    return Connection._adopt(_c.weft_client_connect(fam, where, port, authkey, _FOREVER), True, True)


# ---- authentication ----------------------------------------------------------

def _handshake_handle(connection, authkey):
    if not isinstance(authkey, bytes):
        raise ValueError("Authkey must be bytes, not {0!s}".format(type(authkey)))
    if not isinstance(connection, Connection):
        raise TypeError("a weft.multiprocessing.connection.Connection is required, not %s"
                        % type(connection).__name__)
    return connection._open()


def deliver_challenge(connection, authkey, digest_name="sha256"):
    """Challenges the peer to prove it has `authkey` (CPython's handshake,
    answered in any of its forms)."""
    c = _handshake_handle(connection, authkey)
    if digest_name != "sha256":
        raise ValueError("weft delivers sha256 challenges, not %r" % (digest_name,))
    _c.weft_connection_deliver_challenge(c, authkey, _FOREVER)


def answer_challenge(connection, authkey):
    """Answers the peer's challenge with `authkey`."""
    _c.weft_connection_answer_challenge(_handshake_handle(connection, authkey), authkey, _FOREVER)


# ---- wait ------------------------------------------------------------------------

def wait(object_list, timeout=None):
    '''
    Wait till an object in object_list is ready/readable.

    Returns list of those objects in object_list which are ready/readable.
    '''
    objects = list(object_list)
    entries = [o._open() if isinstance(o, Connection) else o for o in objects]
    flags = _c.weft_connection_wait(entries, _seconds(timeout))
    return [o for o, ready in zip(objects, flags) if ready]
