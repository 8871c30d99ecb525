/* multiprocessing.connection.Connection: CPython's framing over a blocking
 * descriptor. The descriptor's modes are never changed (a CPython process
 * may share it), so a receive with a deadline asks recv() not to wait
 * (MSG_DONTWAIT) on a socket and polls first on anything else. Nothing is
 * read ahead of the current message: a descriptor handed on, or polled by
 * its owner, sees exactly what CPython's would. */
#include "connection/internal.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* The largest single read or write: below every system's per-call limit. */
#define WEFT__IO_CHUNK ((size_t)1 << 30)

static void weft__recv_reset(weft_connection *c)
{
    free(c->pend);
    c->pend = NULL;
    c->pend_have = 0;
    c->head_have = 0;
    c->have_len = false;
    c->msg_len = 0;
}

static void weft__connection_destroy(void *obj)
{
    weft_connection *c = obj;
    weft__os_close(&c->fd);
    weft__recv_reset(c);
}

const weft__type weft__connection_type = { "connection", weft__connection_destroy };

weft_connection *weft__connection_make(int fd, bool readable, bool writable)
{
    weft_connection *c = weft__obj_new(&weft__connection_type, sizeof *c);
    if (c == NULL)
        return NULL;
    c->fd = fd;
    c->readable = readable;
    c->writable = writable;
    c->is_socket = weft__os_is_socket(fd);
    return c;
}

weft_status weft_pipe_new(weft_connection **a, weft_connection **b, int duplex)
{
    WEFT__OUT_CLEAR(a);
    WEFT__OUT_CLEAR(b);
    int fds[2];
    if ((duplex ? weft__os_socketpair(fds) : weft__os_pipe(fds)) != 0)
        return weft__fail_os(errno, "%s: %s", __func__, duplex ? "socketpair" : "pipe");
    weft_connection *x = weft__connection_make(fds[0], true, duplex != 0);
    weft_connection *y = x == NULL ? NULL : weft__connection_make(fds[1], duplex != 0, true);
    if (y == NULL) {
        if (x != NULL)
            weft__obj_discard(x);
        close(fds[0]);
        close(fds[1]);
        return WEFT_NOMEM;
    }
    *a = weft__handle(x);
    *b = weft__handle(y);
    return WEFT_OK;
}

weft_status weft_connection_from_fd(weft_connection **out, int fd, int readable, int writable)
{
    WEFT__OUT_CLEAR(out);
    if (fd < 0 || fcntl(fd, F_GETFD) < 0)
        return weft__fail(WEFT_EINVAL, "%s: %d is not an open descriptor", __func__, fd);
    if (!readable && !writable)
        return weft__fail(WEFT_EINVAL, "%s: at least one of readable or writable must be set", __func__);
    weft_connection *c = weft__connection_make(fd, readable != 0, writable != 0);
    if (c == NULL)
        return WEFT_NOMEM;
    *out = weft__handle(c);
    return WEFT_OK;
}

weft_status weft_connection_free(weft_connection *c)
{
    WEFT__FREE(c, weft__connection_type);
}

weft_status weft_connection_close(weft_connection *c)
{
    WEFT__OPEN(c, weft__connection_type);
    weft__os_close(&c->fd);
    weft__recv_reset(c);
    return WEFT_OK;
}

weft_status weft_connection_closed(weft_connection *c, int *out)
{
    WEFT__OPEN(c, weft__connection_type);
    WEFT__OUT(out);
    *out = c->fd < 0;
    return WEFT_OK;
}

weft_status weft_connection_readable(weft_connection *c, int *out)
{
    WEFT__OPEN(c, weft__connection_type);
    WEFT__OUT(out);
    *out = c->readable;
    return WEFT_OK;
}

weft_status weft_connection_writable(weft_connection *c, int *out)
{
    WEFT__OPEN(c, weft__connection_type);
    WEFT__OUT(out);
    *out = c->writable;
    return WEFT_OK;
}

static weft_status weft__closed(const char *fn)
{
    return weft__fail(WEFT_CLOSED, "%s: the connection is closed", fn);
}

weft_status weft_connection_fileno(weft_connection *c, int *fd)
{
    WEFT__OPEN(c, weft__connection_type);
    WEFT__OUT(fd);
    if (c->fd < 0)
        return weft__closed(__func__);
    *fd = c->fd;
    return WEFT_OK;
}

/* ---- sending --------------------------------------------------------------- */

static size_t weft__frame_head(unsigned char *h, uint64_t n)
{
    if (n <= WEFT__FRAME_SHORT_MAX) {
        for (int i = 0; i < 4; i++)
            h[i] = (unsigned char)(n >> (24 - 8 * i));
        return 4;
    }
    memset(h, 0xff, 4);
    for (int i = 0; i < 8; i++)
        h[4 + i] = (unsigned char)(n >> (56 - 8 * i));
    return 12;
}

weft_status weft__conn_send(weft_connection *c, const void *buf, size_t size, const char *fn)
{
    unsigned char head[12];
    struct iovec iov[2];
    iov[0] = (struct iovec){ head, weft__frame_head(head, size) };
    iov[1] = (struct iovec){ (void *)buf, size };
    int first = 0, count = size > 0 ? 2 : 1;
    bool started = false, epipe = false;
    weft__os_sigpipe_guard guard = { .armed = false };
    if (!c->is_socket)
        weft__os_sigpipe_block(&guard);
    weft_status st = WEFT_OK;
    while (first < count) {
        /* Header and payload go out together (one system call for a small
         * message); a huge payload in chunks the system takes whole. */
        struct iovec part[2];
        int np = count - first;
        memcpy(part, iov + first, (size_t)np * sizeof part[0]);
        if (part[np - 1].iov_len > WEFT__IO_CHUNK)
            part[np - 1].iov_len = WEFT__IO_CHUNK;
        ssize_t w = weft__os_sendv(c->fd, part, np, c->is_socket);
        if (w < 0) {
            if (errno == EINTR) {
                /* Interruptible only while nothing of the frame went out. */
                if (!started && weft__interruptible) {
                    st = weft__fail_interrupted(fn);
                    break;
                }
                continue;
            }
            epipe = errno == EPIPE;
            st = weft__fail_os(errno, "%s: write", fn);
            break;
        }
        started = true;
        size_t done = (size_t)w;
        while (first < count && done >= iov[first].iov_len) {
            done -= iov[first].iov_len;
            first++;
        }
        if (first < count) {
            iov[first].iov_base = (char *)iov[first].iov_base + done;
            iov[first].iov_len -= done;
        }
    }
    weft__os_sigpipe_restore(&guard, epipe);
    return st;
}

weft_status weft_connection_send_bytes(weft_connection *c, const void *buf, size_t offset, size_t size)
{
    WEFT__OPEN(c, weft__connection_type);
    if (c->fd < 0)
        return weft__closed(__func__);
    if (!c->writable)
        return weft__fail(WEFT_OS, "%s: the connection is read-only", __func__);
    if (size > 0 && buf == NULL)
        return weft__fail(WEFT_EINVAL, "%s: buf is NULL", __func__);
    if (offset > SIZE_MAX - size || (size > 0 && (uintptr_t)buf > UINTPTR_MAX - offset - size))
        return weft__fail(WEFT_EINVAL, "%s: offset %zu + size %zu overflows", __func__, offset, size);
    return weft__conn_send(c, size > 0 ? (const char *)buf + offset : NULL, size, __func__);
}

/* ---- receiving ------------------------------------------------------------- */

/* Reads 1..len bytes into dst. WEFT_EOF when the peer closed, WEFT_TIMEOUT
 * (no message) when `d` passed or a signal ended the wait, WEFT_OS. */
static weft_status weft__read_some(weft_connection *c, void *dst, size_t len, const weft__deadline *d, size_t *got,
                                   const char *fn)
{
    if (len > WEFT__IO_CHUNK)
        len = WEFT__IO_CHUNK;
    /* Without a deadline (and no signal to notice) a plain blocking read
     * costs one system call; otherwise nothing may block past `d`. */
    bool block = d->forever && !weft__interruptible;
    for (;;) {
        ssize_t r;
        if (block) {
            r = read(c->fd, dst, len);
        } else if (c->is_socket) {
            r = recv(c->fd, dst, len, MSG_DONTWAIT);
        } else {
            int w = weft__os_wait_readable(c->fd, d);
            if (w < 0)
                return weft__fail_os(errno, "%s: poll", fn);
            if (w == 0)
                return WEFT_TIMEOUT;
            r = read(c->fd, dst, len);
        }
        if (r > 0) {
            *got = (size_t)r;
            return WEFT_OK;
        }
        if (r == 0)
            return WEFT_EOF;
        if (errno == EINTR) {
            if (weft__note_interrupt(d))
                return WEFT_TIMEOUT;
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return weft__fail_os(errno, "%s: read", fn);
        if (d->once)
            return WEFT_TIMEOUT;
        int w = weft__os_wait_readable(c->fd, d);
        if (w < 0)
            return weft__fail_os(errno, "%s: poll", fn);
        if (w == 0)
            return WEFT_TIMEOUT;
    }
}

/* A length this side will not read: CPython's "bad message length". The
 * stream cannot be resynchronised, so the connection stops reading (and a
 * read-only one is closed), as in CPython. */
static weft_status weft__bad_length(weft_connection *c, const char *fn, const char *what, long long n)
{
    weft__recv_reset(c);
    if (!c->writable)
        weft__os_close(&c->fd);
    else
        c->readable = false;
    return weft__fail_os(EMSGSIZE, "%s: bad message length (%s %lld); the connection no longer reads", fn, what, n);
}

static weft_status weft__eof_in_message(weft_connection *c, const char *fn)
{
    weft__recv_reset(c);
    return weft__fail(WEFT_OS, "%s: got end of file during message", fn);
}

/* Reads the header of the next message unless it is already known. */
static weft_status weft__read_head(weft_connection *c, const weft__deadline *d, const char *fn)
{
    while (!c->have_len) {
        unsigned want = c->head_have < 4 ? 4 : 12;
        size_t got = 0;
        weft_status st = weft__read_some(c, c->head + c->head_have, want - c->head_have, d, &got, fn);
        if (st == WEFT_EOF) {
            if (c->head_have > 0)
                return weft__eof_in_message(c, fn);
            return weft__fail(WEFT_EOF, "%s: end of file", fn);
        }
        if (st != WEFT_OK)
            return st;
        c->head_have += (unsigned)got;
        if (c->head_have == 4) {
            uint32_t u = (uint32_t)c->head[0] << 24 | (uint32_t)c->head[1] << 16 | (uint32_t)c->head[2] << 8 |
                         c->head[3];
            int32_t n = (int32_t)u;
            if (n >= 0) {
                c->msg_len = (uint64_t)n;
                c->have_len = true;
            } else if (n != -1) {
                return weft__bad_length(c, fn, "negative", n);
            }
        } else if (c->head_have == 12) {
            uint64_t n = 0;
            for (int i = 4; i < 12; i++)
                n = n << 8 | c->head[i];
            c->msg_len = n;
            c->have_len = true;
        }
    }
    if (c->msg_len > (uint64_t)PTRDIFF_MAX)
        return weft__bad_length(c, fn, "too long for memory:", (long long)(c->msg_len & INT64_MAX));
    return WEFT_OK;
}

/* Fills `dst` from `*have` up to c->msg_len. */
static weft_status weft__read_body(weft_connection *c, char *dst, size_t *have, const weft__deadline *d,
                                   const char *fn)
{
    while (*have < c->msg_len) {
        size_t got = 0;
        weft_status st = weft__read_some(c, dst + *have, (size_t)c->msg_len - *have, d, &got, fn);
        if (st == WEFT_EOF)
            return weft__eof_in_message(c, fn);
        if (st != WEFT_OK)
            return st;
        *have += got;
    }
    return WEFT_OK;
}

/* Makes room for the whole payload in `pend`; the message stays known if
 * memory runs out, for another try. */
static weft_status weft__pend_alloc(weft_connection *c, const char *fn)
{
    if (c->pend != NULL)
        return WEFT_OK;
    c->pend = malloc(c->msg_len > 0 ? (size_t)c->msg_len : 1);
    if (c->pend == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory for a message of %llu bytes", fn,
                          (unsigned long long)c->msg_len);
    c->pend_have = 0;
    return WEFT_OK;
}

weft_status weft__conn_recv(weft_connection *c, size_t maxlength, const weft__deadline *d, void **buf, size_t *len,
                            const char *fn)
{
    weft_status st = weft__read_head(c, d, fn);
    if (st != WEFT_OK)
        return st;
    if (c->msg_len > maxlength)
        return weft__bad_length(c, fn, "over maxlength", (long long)c->msg_len);
    if ((st = weft__pend_alloc(c, fn)) != WEFT_OK)
        return st;
    if ((st = weft__read_body(c, c->pend, &c->pend_have, d, fn)) != WEFT_OK)
        return st;
    *buf = c->pend;
    *len = (size_t)c->msg_len;
    c->pend = NULL;
    weft__recv_reset(c);
    return WEFT_OK;
}

/* The checks every receive starts with. */
static weft_status weft__recv_ready(weft_connection *c, const char *fn)
{
    if (c->fd < 0)
        return weft__closed(fn);
    if (!c->readable)
        return weft__fail(WEFT_OS, "%s: the connection is write-only", fn);
    return WEFT_OK;
}

weft_status weft_connection_recv_bytes(weft_connection *c, size_t maxlength, double timeout, void **buf, size_t *len)
{
    WEFT__OPEN(c, weft__connection_type);
    WEFT__OUT_CLEAR(buf);
    WEFT__OUT_CLEAR(len);
    weft_status st = weft__recv_ready(c, __func__);
    weft__deadline d;
    if (st != WEFT_OK || (st = weft__deadline_init(&d, timeout, __func__)) != WEFT_OK)
        return st;
    st = weft__conn_recv(c, maxlength, &d, buf, len, __func__);
    if (st == WEFT_TIMEOUT)
        return WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: timed out after %g s", __func__, timeout);
    return st;
}

weft_status weft_connection_recv_bytes_into(weft_connection *c, void *buf, size_t buflen, size_t offset,
                                            double timeout, size_t *n)
{
    WEFT__OPEN(c, weft__connection_type);
    WEFT__OUT_CLEAR(n);
    if (buf == NULL && buflen > 0)
        return weft__fail(WEFT_EINVAL, "%s: buf is NULL", __func__);
    if (offset > buflen)
        return weft__fail(WEFT_EINVAL, "%s: offset %zu is beyond the buffer's %zu bytes", __func__, offset, buflen);
    weft_status st = weft__recv_ready(c, __func__);
    weft__deadline d;
    if (st != WEFT_OK || (st = weft__deadline_init(&d, timeout, __func__)) != WEFT_OK)
        return st;
    if ((st = weft__read_head(c, &d, __func__)) != WEFT_OK)
        goto out;
    *n = (size_t)c->msg_len;
    if (c->msg_len > buflen - offset)
        /* The message stays in the stream (or in `pend`) for the next call. */
        return weft__fail(WEFT_BUFFER_TOO_SHORT, "%s: the message has %llu bytes, the buffer room for %zu",
                          __func__, (unsigned long long)c->msg_len, buflen - offset);
    char *dst = (char *)buf + offset;
    if (c->pend != NULL) {
        /* An earlier receive timed out inside this message. */
        if ((st = weft__read_body(c, c->pend, &c->pend_have, &d, __func__)) != WEFT_OK)
            goto out;
        memcpy(dst, c->pend, (size_t)c->msg_len);
    } else {
        size_t have = 0;
        st = weft__read_body(c, dst, &have, &d, __func__);
        if (st == WEFT_TIMEOUT && have > 0) {
            /* Keep what arrived: the next call may bring another buffer. */
            weft_status a = weft__pend_alloc(c, __func__);
            if (a != WEFT_OK) {
                weft__bad_length(c, __func__, "unkept after a timeout:", (long long)c->msg_len);
                return weft__fail(WEFT_NOMEM, "%s: out of memory keeping a partial message; the connection no "
                                              "longer reads", __func__);
            }
            memcpy(c->pend, dst, have);
            c->pend_have = have;
        }
        if (st != WEFT_OK)
            goto out;
    }
    weft__recv_reset(c);
    return WEFT_OK;
out:
    if (st != WEFT_BUFFER_TOO_SHORT)
        *n = 0;
    if (st == WEFT_TIMEOUT)
        return WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: timed out after %g s", __func__, timeout);
    return st;
}

weft_status weft_connection_poll(weft_connection *c, double timeout, int *ready)
{
    WEFT__OPEN(c, weft__connection_type);
    WEFT__OUT_CLEAR(ready);
    weft_status st = weft__recv_ready(c, __func__);
    weft__deadline d;
    if (st != WEFT_OK || (st = weft__deadline_init(&d, timeout, __func__)) != WEFT_OK)
        return st;
    if (c->have_len) {
        *ready = 1;
        return WEFT_OK;
    }
    int w = weft__os_wait_readable(c->fd, &d);
    if (w < 0)
        return weft__fail_os(errno, "%s: poll", __func__);
    if (w == 0 && weft__interrupted)
        return weft__fail_interrupted(__func__);
    *ready = w;
    return WEFT_OK;
}
