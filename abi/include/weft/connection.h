/**
 * @file weft/connection.h
 * @brief Connections, listeners and clients (Python's `multiprocessing.connection`),
 *        wire-compatible with CPython.
 *
 * A #weft_connection carries byte messages over a descriptor with CPython's
 * framing: a 4-byte big-endian signed length, or `FF FF FF FF` and an 8-byte
 * big-endian unsigned length for messages above 0x7FFFFFFF bytes, then the
 * payload. A CPython process holding the other end reads them with
 * `Connection.recv_bytes()` and writes them with `send_bytes()`.
 *
 * A #weft_listener accepts connections on an AF_UNIX socket (a filesystem
 * path, or on Linux an abstract name starting with a NUL byte) or on a TCP
 * socket (AF_INET, AF_INET6); weft_client_connect() connects to one. With an
 * authentication key both sides run CPython's mutual challenge: the HMAC-MD5
 * handshake of CPython 3.11 and earlier and the `{sha256}` handshake of 3.12
 * and later are both spoken, in either role, so weft talks to any of them.
 *
 * A connection is not safe for concurrent use by several threads, as in
 * Python, with one exception: one thread may send while another receives.
 * Every blocking call takes `double timeout` in seconds (negative waits
 * forever, 0 tries once); a receive that times out in the middle of a
 * message keeps what it read, and the next receive continues from there, so
 * the stream never loses its framing.
 */
#ifndef WEFT_CONNECTION_H
#define WEFT_CONNECTION_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A connection: one end of a pipe or socket carrying framed byte messages. */
typedef struct weft_connection weft_connection;

/** @brief A listening socket, as Python's `multiprocessing.connection.Listener`. */
typedef struct weft_listener weft_listener;

/** @brief A `maxlength` that sets no limit on the size of a received message. */
#define WEFT_CONNECTION_NO_LIMIT ((size_t)-1)

/** @brief Address family: a Unix-domain stream socket (a path, or an abstract name). */
#define WEFT_FAMILY_UNIX 1
/** @brief Address family: TCP over IPv4. */
#define WEFT_FAMILY_INET 2
/** @brief Address family: TCP over IPv6. */
#define WEFT_FAMILY_INET6 3

/** @brief The default backlog of a listener, 1 as in CPython. */
#define WEFT_LISTENER_BACKLOG_DEFAULT 1

/* ---- Connection ---------------------------------------------------------- */

/**
 * @brief Creates a pair of connected connections, as `multiprocessing.Pipe(duplex)`.
 *
 * With @p duplex non-zero both ends can send and receive (a Unix-domain
 * socket pair); otherwise @p a only receives and @p b only sends (a pipe).
 * The descriptors are close-on-exec.
 * @param a receives the first end; free it with weft_connection_free().
 * @param b receives the second end; free it with weft_connection_free().
 * @param duplex non-zero for a two-way pair.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p a or @p b is NULL; `WEFT_OS` when the
 *         system refuses the descriptors; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_pipe_new(weft_connection **a, weft_connection **b, int duplex);

/**
 * @brief Makes a connection of an open descriptor, as `Connection(fd, readable, writable)`.
 *
 * The connection owns @p fd from then on (on success only) and closes it
 * when closed or freed. The descriptor's modes are left as they are, so it
 * may be shared with a CPython process.
 * @param out receives the connection; free it with weft_connection_free().
 * @param fd an open descriptor (a socket, a pipe end, a terminal...).
 * @param readable non-zero if the connection may receive.
 * @param writable non-zero if the connection may send.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL, @p fd is negative or not
 *         open, or both flags are zero; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_connection_from_fd(weft_connection **out, int fd, int readable, int writable);

/**
 * @brief Closes the connection (if open) and drops the caller's reference.
 * @param c the connection; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p c is not a live connection handle.
 */
WEFT_API weft_status weft_connection_free(weft_connection *c);

/**
 * @brief Closes the descriptor, as `Connection.close()`; closing twice is fine.
 *
 * A message kept by a timed-out or too-short receive is dropped.
 * @param c the connection.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_connection_close(weft_connection *c);

/**
 * @brief Whether the connection is closed, as `Connection.closed`.
 * @param c the connection.
 * @param out receives 1 when closed, else 0.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_connection_closed(weft_connection *c, int *out);

/**
 * @brief Whether the connection may receive, as `Connection.readable`.
 *
 * A receive that met a message longer than its `maxlength` makes the
 * connection unreadable, as in CPython.
 * @param c the connection.
 * @param out receives 1 or 0.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_connection_readable(weft_connection *c, int *out);

/**
 * @brief Whether the connection may send, as `Connection.writable`.
 * @param c the connection.
 * @param out receives 1 or 0.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_connection_writable(weft_connection *c, int *out);

/**
 * @brief The connection's descriptor, as `Connection.fileno()`.
 *
 * The descriptor stays the connection's: do not close it. Polling it
 * yourself misses a message that a timed-out or too-short receive kept;
 * weft_connection_poll() and weft_connection_wait() do not.
 * @param c the connection.
 * @param fd receives the descriptor.
 * @return `WEFT_OK`; `WEFT_CLOSED` if closed; `WEFT_EINVAL` for a bad handle
 *         or a NULL @p fd.
 */
WEFT_API weft_status weft_connection_fileno(weft_connection *c, int *fd);

/**
 * @brief Sends one message, as `Connection.send_bytes(buf, offset, size)`.
 *
 * The message is bytes `offset .. offset + size` of @p buf, framed as
 * CPython frames it; a small message goes out in one system call, a large
 * one is written straight from @p buf without a copy. The call blocks until
 * the whole message is handed to the system. A signal that interrupts it
 * (see weft_threading_set_interruptible()) ends it only before any byte of
 * the message is written, so a frame is never left half sent. A peer that
 * has gone gives `WEFT_OS` (`EPIPE`), never a `SIGPIPE`.
 * @param c the connection.
 * @param buf the bytes; may be NULL when @p size is 0.
 * @param offset where the message starts in @p buf.
 * @param size the message's length.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, a NULL @p buf with a
 *         non-zero @p size, or `offset + size` overflowing; `WEFT_CLOSED` if
 *         closed; `WEFT_OS` if the connection is read-only or the system
 *         fails (weft_errno() says why); `WEFT_INTERRUPTED`.
 */
WEFT_API weft_status weft_connection_send_bytes(weft_connection *c, const void *buf, size_t offset, size_t size);

/**
 * @brief Receives one message, as `Connection.recv_bytes(maxlength)`.
 *
 * A message longer than @p maxlength is refused without reading it: the
 * call gives `WEFT_OS` ("bad message length") and the connection becomes
 * unreadable, as in CPython. A header announcing a negative length (which
 * CPython would read as empty) is refused the same way. End of file before
 * a message gives `WEFT_EOF`; end of file inside one gives `WEFT_OS` ("got
 * end of file during message"). When @p timeout passes in the middle of a
 * message, what arrived is kept and the next receive continues it.
 * @param c the connection.
 * @param maxlength the longest message accepted, or #WEFT_CONNECTION_NO_LIMIT.
 * @param timeout seconds to wait for the message; negative waits forever.
 * @param buf receives the message in memory the caller frees with weft_free()
 *        (never NULL on success, even for an empty message).
 * @param len receives the message's length.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or NULL out-parameters;
 *         `WEFT_CLOSED`; `WEFT_EOF`; `WEFT_OS` as above or when the connection
 *         is write-only; `WEFT_TIMEOUT`; `WEFT_INTERRUPTED`; `WEFT_NOMEM` (the
 *         message is kept for another try).
 */
WEFT_API weft_status weft_connection_recv_bytes(weft_connection *c, size_t maxlength, double timeout, void **buf,
                                                size_t *len);

/**
 * @brief Receives one message into a buffer, as `Connection.recv_bytes_into(buf, offset)`.
 *
 * The message is written at `buf + offset`. When it does not fit, the call
 * gives `WEFT_BUFFER_TOO_SHORT` with @p n set to the message's length and
 * leaves the message where it is: the next weft_connection_recv_bytes_into()
 * (with a buffer that is large enough) or weft_connection_recv_bytes()
 * receives it. That is CPython's `BufferTooShort`, which carries the
 * message, without a copy. Other failures are those of
 * weft_connection_recv_bytes().
 * @param c the connection.
 * @param buf where the message goes; may be NULL when @p buflen is 0.
 * @param buflen the size of @p buf.
 * @param offset where in @p buf the message starts (at most @p buflen).
 * @param timeout seconds to wait for the message; negative waits forever.
 * @param n receives the message's length (also on `WEFT_BUFFER_TOO_SHORT`).
 * @return `WEFT_OK`; `WEFT_BUFFER_TOO_SHORT`; `WEFT_EINVAL` for a bad handle,
 *         a NULL @p n, a NULL @p buf with a non-zero @p buflen or @p offset
 *         above @p buflen; `WEFT_CLOSED`; `WEFT_EOF`; `WEFT_OS`;
 *         `WEFT_TIMEOUT`; `WEFT_INTERRUPTED`; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_connection_recv_bytes_into(weft_connection *c, void *buf, size_t buflen, size_t offset,
                                                     double timeout, size_t *n);

/**
 * @brief Whether a message (or end of file) is waiting, as `Connection.poll(timeout)`.
 * @param c the connection.
 * @param timeout seconds to wait; negative waits forever, 0 only looks.
 * @param ready receives 1 when a receive would not block, else 0 (the
 *        timeout passed, which is not a failure).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, a NULL @p ready or a
 *         bad timeout; `WEFT_OVERFLOW` for a timeout above #WEFT_TIMEOUT_MAX;
 *         `WEFT_CLOSED`; `WEFT_OS` if write-only; `WEFT_INTERRUPTED`.
 */
WEFT_API weft_status weft_connection_poll(weft_connection *c, double timeout, int *ready);

/**
 * @brief Waits until any of several connections or descriptors is ready, as
 *        `multiprocessing.connection.wait(object_list, timeout)`.
 *
 * Entry `i` is `conns[i]` when @p conns is not NULL and `conns[i]` is not
 * NULL, else the descriptor `fds[i]`. An entry is ready when a receive would
 * not block: data, end of file or a hung-up peer, or a message kept by an
 * earlier receive. The wait ends when at least one is ready or @p timeout
 * passes; a timeout is not a failure (none is ready, as Python returns an
 * empty list).
 * @param conns connections, or NULL.
 * @param fds descriptors, or NULL when every entry is a connection.
 * @param n the number of entries.
 * @param timeout seconds; negative waits forever.
 * @param ready receives `n` flags, 1 for each ready entry; may be NULL when
 *        @p n is 0.
 * @param nready receives the number of ready entries; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, a missing descriptor, a
 *         descriptor that is not open, or a NULL @p ready; `WEFT_CLOSED` for
 *         a closed connection; `WEFT_OVERFLOW`; `WEFT_NOMEM`; `WEFT_OS`;
 *         `WEFT_INTERRUPTED`.
 */
WEFT_API weft_status weft_connection_wait(weft_connection *const *conns, const int *fds, size_t n, double timeout,
                                          int *ready, size_t *nready);

/**
 * @brief Authenticates the peer, as `multiprocessing.connection.deliver_challenge()`.
 *
 * Sends `#CHALLENGE#{sha256}` and 40 random bytes, accepts the peer's
 * answer in CPython 3.12's form (`{name}` and an HMAC with md5, sha256,
 * sha384, sha3_256 or sha3_384) or in the legacy one (a raw 16-byte
 * HMAC-MD5 of CPython 3.11 and earlier), and replies `#WELCOME#` or
 * `#FAILURE#`.
 * @param c the connection.
 * @param authkey the shared key (any bytes); may be NULL when @p authkey_len is 0.
 * @param authkey_len its length.
 * @param timeout seconds the whole exchange may take; negative: no limit.
 * @return `WEFT_OK`; `WEFT_AUTH` if the answer is wrong or malformed; the
 *         failures of sending and receiving (`WEFT_EOF`, `WEFT_OS`,
 *         `WEFT_TIMEOUT`, ...); `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_connection_deliver_challenge(weft_connection *c, const void *authkey, size_t authkey_len,
                                                       double timeout);

/**
 * @brief Answers the peer's challenge, as `multiprocessing.connection.answer_challenge()`.
 *
 * A 20-byte challenge (CPython 3.11 and earlier) is answered with a raw
 * HMAC-MD5, a `{name}` challenge with `{name}` and the HMAC of that digest;
 * then the peer's verdict is read.
 * @param c the connection.
 * @param authkey the shared key; may be NULL when @p authkey_len is 0.
 * @param authkey_len its length.
 * @param timeout seconds the whole exchange may take; negative: no limit.
 * @return `WEFT_OK`; `WEFT_AUTH` if the challenge is malformed or the peer
 *         refuses the answer; the failures of sending and receiving;
 *         `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_connection_answer_challenge(weft_connection *c, const void *authkey, size_t authkey_len,
                                                      double timeout);

/* ---- Listener and Client ------------------------------------------------- */

/**
 * @brief Creates a listening socket, as `multiprocessing.connection.Listener`.
 *
 * - #WEFT_FAMILY_UNIX: @p address is a filesystem path, or (Linux) an
 *   abstract name whose first byte is NUL; NULL makes a fresh path
 *   `$TMPDIR/weft-XXXXXX/listener` in a private directory. A filesystem
 *   socket is unlinked (and a made directory removed) when the listener is
 *   closed; an abstract name never is.
 * - #WEFT_FAMILY_INET, #WEFT_FAMILY_INET6: @p address is a host name or a
 *   numeric address (NULL: "localhost", or "::1" for IPv6) and @p port a
 *   port; 0 lets the system pick one (weft_listener_address() tells it).
 *
 * The socket has `SO_REUSEADDR` and is close-on-exec.
 * @param out receives the listener; free it with weft_listener_free().
 * @param family #WEFT_FAMILY_UNIX, #WEFT_FAMILY_INET or #WEFT_FAMILY_INET6.
 * @param address as above.
 * @param address_len the length of @p address in bytes, or 0 for a
 *        NUL-terminated string (an abstract name needs its length).
 * @param port the TCP port (ignored for #WEFT_FAMILY_UNIX).
 * @param backlog the queue of pending connections; negative for
 *        #WEFT_LISTENER_BACKLOG_DEFAULT.
 * @param authkey the key every accepted connection must prove, or NULL for
 *        no authentication (CPython's `authkey=None`); an empty key is a key.
 * @param authkey_len its length.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a NULL @p out, an unknown family, a
 *         port out of range or an address that does not fit; `WEFT_NOT_SUPPORTED`
 *         for an abstract name where the system has none; `WEFT_OS` when the
 *         system refuses (the address is in use, the host does not resolve);
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_listener_new(weft_listener **out, int family, const char *address, size_t address_len,
                                       int port, int backlog, const void *authkey, size_t authkey_len);

/**
 * @brief Closes the listener (if open) and drops the caller's reference.
 * @param l the listener; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p l is not a live listener handle.
 */
WEFT_API weft_status weft_listener_free(weft_listener *l);

/**
 * @brief Accepts a connection, as `Listener.accept()`.
 *
 * With a key, the new connection must pass the mutual handshake (deliver,
 * then answer), all within @p timeout: a peer that stalls in the middle of
 * it cannot hold the call longer. A peer that fails it is disconnected.
 * @param l the listener.
 * @param timeout seconds for the connection to come and authenticate;
 *        negative waits forever.
 * @param out receives the connection; free it with weft_connection_free().
 * @return `WEFT_OK`; `WEFT_TIMEOUT`; `WEFT_AUTH` if the peer failed
 *         authentication; `WEFT_EOF` or `WEFT_OS` if it left during it;
 *         `WEFT_CLOSED` if the listener is closed; `WEFT_EINVAL` for a bad
 *         handle or a NULL @p out; `WEFT_INTERRUPTED`; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_listener_accept(weft_listener *l, double timeout, weft_connection **out);

/**
 * @brief Closes the listening socket, as `Listener.close()`; closing twice is fine.
 *
 * A filesystem socket is unlinked (and the directory made for it removed).
 * @param l the listener.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_listener_close(weft_listener *l);

/**
 * @brief The address the listener is bound to, as `Listener.address`.
 *
 * In CPython's forms: a path for a filesystem socket; the abstract name with
 * its leading NUL (CPython's bytes); the numeric host and the port of a TCP
 * socket. Still known after the listener is closed.
 * @param l the listener.
 * @param family receives the family; may be NULL.
 * @param address receives a NUL-terminated copy that the caller frees with
 *        weft_free().
 * @param address_len receives its length (which counts an abstract name's
 *        leading NUL); may be NULL.
 * @param port receives the port (0 for Unix sockets); may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p address;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_listener_address(weft_listener *l, int *family, char **address, size_t *address_len,
                                           int *port);

/**
 * @brief The address of the peer last accepted, as `Listener.last_accepted`.
 *
 * A Unix-domain peer usually has no name: the address is then empty, as in
 * CPython.
 * @param l the listener.
 * @param address receives a NUL-terminated copy that the caller frees with
 *        weft_free().
 * @param address_len receives its length; may be NULL.
 * @param port receives the peer's port (0 for Unix sockets); may be NULL.
 * @return `WEFT_OK`; `WEFT_LOOKUP` if nothing was accepted yet;
 *         `WEFT_EINVAL` for a bad handle or a NULL @p address; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_listener_last_accepted(weft_listener *l, char **address, size_t *address_len, int *port);

/**
 * @brief The listening socket's descriptor (to wait on it with poll()).
 * @param l the listener.
 * @param fd receives the descriptor, which stays the listener's.
 * @return `WEFT_OK`; `WEFT_CLOSED` if closed; `WEFT_EINVAL` for a bad handle
 *         or a NULL @p fd.
 */
WEFT_API weft_status weft_listener_fileno(weft_listener *l, int *fd);

/**
 * @brief Connects to a listener, as `multiprocessing.connection.Client(address, family, authkey)`.
 *
 * The address is given as to weft_listener_new() (a NULL address is
 * refused). With a key the handshake runs in the client's order (answer,
 * then deliver). @p timeout bounds the connect and the handshake together.
 * @param out receives the connection; free it with weft_connection_free().
 * @param family #WEFT_FAMILY_UNIX, #WEFT_FAMILY_INET or #WEFT_FAMILY_INET6.
 * @param address the listener's path, abstract name or host.
 * @param address_len its length, or 0 for a NUL-terminated string.
 * @param port the TCP port (ignored for #WEFT_FAMILY_UNIX).
 * @param authkey the shared key, or NULL for no handshake.
 * @param authkey_len its length.
 * @param timeout seconds; negative waits forever.
 * @return `WEFT_OK`; `WEFT_AUTH` if the listener refused the key or its
 *         challenge was wrong; `WEFT_OS` if the connect failed (refused, no
 *         such path, host unknown); `WEFT_TIMEOUT`; `WEFT_EOF`;
 *         `WEFT_EINVAL` for bad arguments; `WEFT_NOT_SUPPORTED`;
 *         `WEFT_INTERRUPTED`; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_client_connect(weft_connection **out, int family, const char *address, size_t address_len,
                                         int port, const void *authkey, size_t authkey_len, double timeout);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_CONNECTION_H */
