package weft

import (
	"runtime"
	"time"

	"weft.dev/weft/internal/cweft"
)

// Connection is Python's multiprocessing.connection.Connection: byte
// messages over a socket or pipe, framed as CPython frames them, so the
// peer may be a Python program using multiprocessing.connection (which
// sends objects as pickles: exchange bytes with it). A connection is not
// for concurrent use by several goroutines, except that one may send while
// another receives.
type Connection struct{ handle }

func wrapConnection(p uintptr) *Connection {
	return adopt(&Connection{}, p, cweft.Weft_connection_free)
}

// NewPipe makes a pair of connected connections, as multiprocessing.Pipe
// (weft.Pipe is subprocess.PIPE): with duplex both ends send and receive;
// otherwise the first only receives and the second only sends.
func NewPipe(duplex bool) (*Connection, *Connection, error) {
	var a, b uintptr
	if err := cweft.Weft_pipe_new(&a, &b, b2i(duplex)); err != nil {
		return nil, nil, err
	}
	return wrapConnection(a), wrapConnection(b), nil
}

// NewConnection makes a connection of an open descriptor, which it owns
// from then on (on success), as Connection(fd, readable, writable).
func NewConnection(fd int, readable, writable bool) (*Connection, error) {
	var p uintptr
	if err := cweft.Weft_connection_from_fd(&p, fd, b2i(readable), b2i(writable)); err != nil {
		return nil, err
	}
	return wrapConnection(p), nil
}

// SendBytes sends b as one message (Python's send_bytes; send part of a
// buffer by slicing it). It blocks until the whole message is with the
// system; a peer that has gone gives ErrOS (EPIPE).
func (c *Connection) SendBytes(b []byte) error {
	held := c.hold()
	defer held.drop()
	err := cweft.Weft_connection_send_bytes(as[cweft.Struct_SS_weft_connection](held), firstByte(b), 0, int64(len(b)))
	runtime.KeepAlive(b)
	return err
}

// NoLimit, as a maxlength, accepts a message of any length.
const NoLimit = -1

// RecvBytes receives the next message, waiting up to timeout (negative:
// forever). ErrEOF at end of file; ErrTimeout when nothing came (what
// arrived of a message is kept for the next call); a message longer than
// maxlength (NoLimit: no limit) is ErrOS, and the connection stops reading.
func (c *Connection) RecvBytes(maxlength int, timeout time.Duration) ([]byte, error) {
	held := c.hold()
	defer held.drop()
	limit := int64(maxlength)
	if maxlength < 0 {
		limit = int64(^uint64(0) >> 1)
	}
	var p uintptr
	var n uint64
	if err := cweft.Weft_connection_recv_bytes(as[cweft.Struct_SS_weft_connection](held), limit, seconds(timeout), &p, &n); err != nil {
		return nil, err
	}
	return takeBytes(p, n), nil
}

// RecvBytesInto receives the next message into b and gives its length.
// When it does not fit, the error is ErrBufferTooShort, the length says
// how much room it needs, and the message stays for the next receive.
func (c *Connection) RecvBytesInto(b []byte, timeout time.Duration) (int, error) {
	held := c.hold()
	defer held.drop()
	var n uint64
	err := cweft.Weft_connection_recv_bytes_into(as[cweft.Struct_SS_weft_connection](held), firstByte(b),
		int64(len(b)), 0, seconds(timeout), &n)
	runtime.KeepAlive(b)
	return int(n), err
}

// Poll reports whether a message (or end of file) waits, waiting up to
// timeout for one (0 only looks; negative: forever).
func (c *Connection) Poll(timeout time.Duration) (bool, error) {
	v, err := waitOut(&c.handle, cweft.Weft_connection_poll, timeout)
	return v != 0, err
}

// Fileno gives the connection's descriptor, which stays the connection's.
func (c *Connection) Fileno() (int, error) {
	defer runtime.KeepAlive(c)
	var fd int32
	err := cweft.Weft_connection_fileno(c.c(), &fd)
	return int(fd), err
}

// Closed reports whether the connection is closed (by Close, or because a
// read-only end met a message it would not read).
func (c *Connection) Closed() bool {
	return c.ptr() == 0 || flag(&c.handle, cweft.Weft_connection_closed)
}

// Readable reports whether the connection may receive.
func (c *Connection) Readable() bool { return flag(&c.handle, cweft.Weft_connection_readable) }

// Writable reports whether the connection may send.
func (c *Connection) Writable() bool { return flag(&c.handle, cweft.Weft_connection_writable) }

// DeliverChallenge makes the peer prove it has authkey (CPython's
// deliver_challenge); ErrAuth when it does not.
func (c *Connection) DeliverChallenge(authkey []byte, timeout time.Duration) error {
	return c.handshake(cweft.Weft_connection_deliver_challenge, authkey, timeout)
}

// AnswerChallenge proves to the peer that this side has authkey (CPython's
// answer_challenge); ErrAuth when the peer refuses.
func (c *Connection) AnswerChallenge(authkey []byte, timeout time.Duration) error {
	return c.handshake(cweft.Weft_connection_answer_challenge, authkey, timeout)
}

func (c *Connection) handshake(f func(cweft.Struct_SS_weft_connection, *byte, int64, float64) error,
	authkey []byte, timeout time.Duration) error {
	held := c.hold()
	defer held.drop()
	err := f(as[cweft.Struct_SS_weft_connection](held), keyBytes(authkey), int64(len(authkey)), seconds(timeout))
	runtime.KeepAlive(authkey)
	return err
}

// keyBytes gives the pointer weft takes for a key: nil for no key, a
// pointer (to a byte never read) for an empty one, which is a key.
func keyBytes(k []byte) *byte {
	if k == nil {
		return nil
	}
	if len(k) == 0 {
		return new(byte)
	}
	return &k[0]
}

// ---- listeners and clients -------------------------------------------------------

// Address families, as multiprocessing's "AF_UNIX" and "AF_INET" (and
// AF_INET6).
const (
	FamilyUnix  = cweft.WEFT_FAMILY_UNIX
	FamilyInet  = cweft.WEFT_FAMILY_INET
	FamilyInet6 = cweft.WEFT_FAMILY_INET6
)

// Addr is where a listener listens: a Unix socket's path (or, on Linux,
// an abstract name starting with "\x00"), or a TCP host and port.
type Addr struct {
	Family int    // FamilyUnix, FamilyInet or FamilyInet6
	Name   string // path, abstract name, or host; "" for a fresh path or localhost
	Port   int    // TCP port; 0 lets the system pick one
}

// UnixAddr is a Unix socket's address ("" makes Listen pick a fresh path).
func UnixAddr(path string) Addr { return Addr{Family: FamilyUnix, Name: path} }

// TCPAddr is a TCP address over IPv4 ("" is localhost, port 0 any port).
func TCPAddr(host string, port int) Addr { return Addr{Family: FamilyInet, Name: host, Port: port} }

// ListenOptions are Listener's optional arguments; nil is Python's
// defaults (backlog 1, no authentication).
type ListenOptions struct {
	Backlog int    // 0: the default, 1
	Authkey []byte // nil: none; every accepted peer must prove it otherwise
}

// Listener is multiprocessing.connection.Listener.
type Listener struct{ handle }

// Listen makes a listening socket at addr.
func Listen(addr Addr, opts *ListenOptions) (*Listener, error) {
	backlog := -1
	var key []byte
	if opts != nil {
		if opts.Backlog > 0 {
			backlog = opts.Backlog
		}
		key = opts.Authkey
	}
	l, err := open(&Listener{}, func(out *uintptr) error {
		return cweft.Weft_listener_new(out, addr.Family, addr.Name, int64(len(addr.Name)), addr.Port, backlog,
			keyBytes(key), int64(len(key)))
	}, cweft.Weft_listener_free)
	runtime.KeepAlive(key)
	return l, err
}

// Accept waits up to timeout for a connection (and, with a key, for it to
// authenticate: ErrAuth when the peer fails).
func (l *Listener) Accept(timeout time.Duration) (*Connection, error) {
	p, err := waitOut(&l.handle, cweft.Weft_listener_accept, timeout)
	if err != nil {
		return nil, err
	}
	return wrapConnection(p), nil
}

// Address is the address the listener is bound to: the TCP port the
// system picked, the path it made.
func (l *Listener) Address() Addr {
	defer runtime.KeepAlive(l)
	var family, port int32
	var p uintptr
	var n uint64
	if cweft.Weft_listener_address(l.c(), &family, &p, &n, &port) != nil {
		return Addr{}
	}
	return Addr{Family: int(family), Name: string(takeBytes(p, n)), Port: int(port)}
}

// LastAccepted is the address of the peer last accepted (an empty name
// for an unnamed Unix socket); false before any.
func (l *Listener) LastAccepted() (Addr, bool) {
	defer runtime.KeepAlive(l)
	var port int32
	var p uintptr
	var n uint64
	if cweft.Weft_listener_last_accepted(l.c(), &p, &n, &port) != nil {
		return Addr{}, false
	}
	return Addr{Family: l.Address().Family, Name: string(takeBytes(p, n)), Port: int(port)}, true
}

// Fileno gives the listening socket's descriptor (to wait on it with
// WaitReady or poll), which stays the listener's.
func (l *Listener) Fileno() (int, error) {
	defer runtime.KeepAlive(l)
	var fd int32
	err := cweft.Weft_listener_fileno(l.c(), &fd)
	return int(fd), err
}

// Dial connects to a listener, as multiprocessing.connection.Client;
// with authkey (nil: none) both sides authenticate. timeout bounds the
// connect and the handshake together.
func Dial(addr Addr, authkey []byte, timeout time.Duration) (*Connection, error) {
	var p uintptr
	err := cweft.Weft_client_connect(&p, addr.Family, addr.Name, int64(len(addr.Name)), addr.Port,
		keyBytes(authkey), int64(len(authkey)), seconds(timeout))
	runtime.KeepAlive(authkey)
	if err != nil {
		return nil, err
	}
	return wrapConnection(p), nil
}

// ---- wait ----------------------------------------------------------------------

// WaitReady waits up to timeout (negative: forever) until any of objects
// is ready to receive, as multiprocessing.connection.wait (weft.Wait is
// concurrent.futures.wait), and gives the ready ones in their order (none
// when the timeout passed). An object is a *Connection, a descriptor (int),
// or anything with a descriptor, such as an *os.File.
func WaitReady(objects []any, timeout time.Duration) ([]any, error) {
	n := len(objects)
	conns := make([]uintptr, n)
	fds := make([]int32, n)
	held := make([]ref, 0, n)
	defer func() {
		for _, h := range held {
			h.drop()
		}
	}()
	for i, o := range objects {
		fds[i] = -1
		switch v := o.(type) {
		case *Connection:
			h := v.hold()
			if h == 0 {
				return nil, &Error{Code: StatusEinval, Message: "weft.WaitReady: a connection is closed"}
			}
			held = append(held, h)
			conns[i] = uintptr(h)
		case int:
			fds[i] = int32(v)
		case interface{ Fd() uintptr }:
			fds[i] = int32(v.Fd())
		default:
			return nil, &Error{Code: StatusEinval, Message: "weft.WaitReady: an object is neither a *Connection nor a descriptor"}
		}
	}
	if n == 0 {
		return nil, nil
	}
	ready := make([]int32, n)
	var nready uint64
	err := cweft.Weft_connection_wait(uintptr(unsafePointer(&conns[0])), &fds[0], int64(n), seconds(timeout),
		&ready[0], &nready)
	runtime.KeepAlive(conns)
	runtime.KeepAlive(objects)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, nready)
	for i, r := range ready {
		if r != 0 {
			out = append(out, objects[i])
		}
	}
	return out, nil
}
