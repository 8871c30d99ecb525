/* multiprocessing.connection.Connection: framing, the receive state kept
 * across timeouts and short buffers, and every failure path. */
#include "weft_test.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void raw_write(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        cr_assert_gt(w, 0);
        c += w;
        n -= (size_t)w;
    }
}

static size_t raw_read(int fd, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* A raw socketpair with one end as a connection: the test plays the peer. */
static weft_connection *raw_pair(int *peer)
{
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    weft_connection *c = NULL;
    WEFT_ASSERT_OK(weft_connection_from_fd(&c, sv[0], 1, 1));
    *peer = sv[1];
    return c;
}

Test(connection, duplex_round_trip)
{
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    WEFT_ASSERT_OK(weft_connection_send_bytes(a, "xxhello", 2, 5));
    void *m = NULL;
    size_t n = 0;
    WEFT_ASSERT_OK(weft_connection_recv_bytes(b, WEFT_CONNECTION_NO_LIMIT, -1, &m, &n));
    cr_assert_eq(n, 5);
    cr_assert_eq(memcmp(m, "hello", 5), 0);
    weft_free(m);
    WEFT_ASSERT_OK(weft_connection_send_bytes(b, NULL, 0, 0)); /* empty messages are legal */
    WEFT_ASSERT_OK(weft_connection_recv_bytes(a, 0, 1.0, &m, &n));
    cr_assert_eq(n, 0);
    cr_assert_not_null(m);
    weft_free(m);
    int v = -1;
    WEFT_ASSERT_OK(weft_connection_readable(a, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_OK(weft_connection_writable(a, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_OK(weft_connection_closed(a, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

Test(connection, simplex_pipe_ends)
{
    weft_connection *r, *w;
    WEFT_ASSERT_OK(weft_pipe_new(&r, &w, 0));
    int v;
    WEFT_ASSERT_OK(weft_connection_writable(r, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_OK(weft_connection_readable(w, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_STATUS(weft_connection_send_bytes(r, "x", 0, 1), WEFT_OS);
    void *m;
    size_t n;
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(w, 10, 0, &m, &n), WEFT_OS);
    int ready = -1;
    WEFT_ASSERT_STATUS(weft_connection_poll(w, 0, &ready), WEFT_OS);
    WEFT_ASSERT_OK(weft_connection_send_bytes(w, "abc", 0, 3));
    WEFT_ASSERT_OK(weft_connection_poll(r, 1.0, &ready));
    cr_assert_eq(ready, 1);
    WEFT_ASSERT_OK(weft_connection_recv_bytes(r, 3, -1, &m, &n));
    cr_assert_eq(n, 3);
    weft_free(m);
    int fd = -1;
    WEFT_ASSERT_OK(weft_connection_fileno(r, &fd));
    cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    /* A writer whose reader is gone gets EPIPE, and no SIGPIPE kills us. */
    WEFT_ASSERT_OK(weft_connection_free(r));
    WEFT_ASSERT_STATUS(weft_connection_send_bytes(w, "abc", 0, 3), WEFT_OS);
    cr_assert_eq(weft_errno(), EPIPE);
    WEFT_ASSERT_OK(weft_connection_free(w));
}

Test(connection, wire_format_is_cpythons)
{
    int peer;
    weft_connection *c = raw_pair(&peer);
    WEFT_ASSERT_OK(weft_connection_send_bytes(c, "hello", 0, 5));
    unsigned char got[9];
    cr_assert_eq(raw_read(peer, got, 9), 9);
    cr_assert_eq(memcmp(got, "\x00\x00\x00\x05hello", 9), 0);
    WEFT_ASSERT_OK(weft_connection_send_bytes(c, "", 0, 0));
    cr_assert_eq(raw_read(peer, got, 4), 4);
    cr_assert_eq(memcmp(got, "\0\0\0\0", 4), 0);
    /* The long form is read too, whatever the length it carries. */
    raw_write(peer, "\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x03" "abc", 15);
    void *m;
    size_t n;
    WEFT_ASSERT_OK(weft_connection_recv_bytes(c, WEFT_CONNECTION_NO_LIMIT, 1.0, &m, &n));
    cr_assert_eq(n, 3);
    cr_assert_eq(memcmp(m, "abc", 3), 0);
    weft_free(m);
    close(peer);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(c, 10, 1.0, &m, &n), WEFT_EOF);
    WEFT_ASSERT_OK(weft_connection_free(c));
}

Test(connection, byte_by_byte_arrival)
{
    int peer;
    weft_connection *c = raw_pair(&peer);
    const char frame[] = "\x00\x00\x00\x04wxyz";
    for (int i = 0; i < 8; i++) {
        void *m = NULL;
        size_t n;
        WEFT_ASSERT_STATUS(weft_connection_recv_bytes(c, 100, 0, &m, &n), WEFT_TIMEOUT);
        raw_write(peer, frame + i, 1);
    }
    void *m;
    size_t n;
    WEFT_ASSERT_OK(weft_connection_recv_bytes(c, 100, 0, &m, &n));
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(m, "wxyz", 4), 0);
    weft_free(m);
    /* The same into a buffer, with a timeout inside the payload: what
     * arrived is kept though the next call brings another buffer. */
    raw_write(peer, "\x00\x00\x00\x06" "abc", 7);
    char b1[16], b2[16];
    size_t got = 99;
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(c, b1, sizeof b1, 0, 0.02, &got), WEFT_TIMEOUT);
    cr_assert_eq(got, 0);
    int ready = -1;
    WEFT_ASSERT_OK(weft_connection_poll(c, 0, &ready));
    cr_assert_eq(ready, 1); /* the message is known */
    raw_write(peer, "def", 3);
    WEFT_ASSERT_OK(weft_connection_recv_bytes_into(c, b2, sizeof b2, 2, 1.0, &got));
    cr_assert_eq(got, 6);
    cr_assert_eq(memcmp(b2 + 2, "abcdef", 6), 0);
    close(peer);
    WEFT_ASSERT_OK(weft_connection_free(c));
}

Test(connection, buffer_too_short_keeps_the_message)
{
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    WEFT_ASSERT_OK(weft_connection_send_bytes(a, "0123456789", 0, 10));
    WEFT_ASSERT_OK(weft_connection_send_bytes(a, "next", 0, 4));
    char small[8], big[32];
    size_t n = 0;
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(b, small, sizeof small, 0, 1.0, &n), WEFT_BUFFER_TOO_SHORT);
    cr_assert_eq(n, 10);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(b, big, 12, 4, 1.0, &n), WEFT_BUFFER_TOO_SHORT);
    cr_assert_eq(n, 10);
    size_t count = 0;
    int ready = 0;
    weft_connection *ws[1] = { b };
    WEFT_ASSERT_OK(weft_connection_wait(ws, NULL, 1, 0, &ready, &count));
    cr_assert_eq(count, 1);
    WEFT_ASSERT_OK(weft_connection_recv_bytes_into(b, big, sizeof big, 4, 1.0, &n));
    cr_assert_eq(n, 10);
    cr_assert_eq(memcmp(big + 4, "0123456789", 10), 0);
    /* A too-short buffer, then recv_bytes takes the kept message. */
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(b, NULL, 0, 0, 1.0, &n), WEFT_BUFFER_TOO_SHORT);
    cr_assert_eq(n, 4);
    void *m;
    WEFT_ASSERT_OK(weft_connection_recv_bytes(b, 4, 1.0, &m, &n));
    cr_assert_eq(memcmp(m, "next", 4), 0);
    weft_free(m);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(b, big, 4, 5, 0, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(b, NULL, 4, 0, 0, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(b, big, 4, 0, 0, NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

Test(connection, over_maxlength_makes_it_unreadable)
{
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    WEFT_ASSERT_OK(weft_connection_send_bytes(a, "too long", 0, 8));
    void *m;
    size_t n;
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(b, 7, 1.0, &m, &n), WEFT_OS);
    cr_assert(strstr(weft_errmsg(), "bad message length") != NULL);
    int v = 1;
    WEFT_ASSERT_OK(weft_connection_readable(b, &v));
    cr_assert_eq(v, 0);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(b, 100, 1.0, &m, &n), WEFT_OS);
    /* It still writes. */
    WEFT_ASSERT_OK(weft_connection_send_bytes(b, "ok", 0, 2));
    WEFT_ASSERT_OK(weft_connection_recv_bytes(a, 2, 1.0, &m, &n));
    weft_free(m);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));

    /* A read-only end is closed, as CPython closes it. */
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 0));
    WEFT_ASSERT_OK(weft_connection_send_bytes(b, "too long", 0, 8));
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(a, 1, 1.0, &m, &n), WEFT_OS);
    WEFT_ASSERT_OK(weft_connection_closed(a, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

Test(connection, negative_and_truncated_frames)
{
    int peer;
    weft_connection *c = raw_pair(&peer);
    raw_write(peer, "\xff\xff\xff\xfe", 4); /* -2 */
    void *m;
    size_t n;
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(c, WEFT_CONNECTION_NO_LIMIT, 1.0, &m, &n), WEFT_OS);
    cr_assert(strstr(weft_errmsg(), "negative") != NULL, "%s", weft_errmsg());
    int v = 1;
    WEFT_ASSERT_OK(weft_connection_readable(c, &v));
    cr_assert_eq(v, 0);
    close(peer);
    WEFT_ASSERT_OK(weft_connection_free(c));

    /* EOF inside the payload, then inside a header. */
    c = raw_pair(&peer);
    raw_write(peer, "\x00\x00\x00\x09" "abc", 7);
    shutdown(peer, SHUT_WR);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(c, 100, 1.0, &m, &n), WEFT_OS);
    cr_assert(strstr(weft_errmsg(), "end of file during message") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(c, 100, 1.0, &m, &n), WEFT_EOF);
    close(peer);
    WEFT_ASSERT_OK(weft_connection_free(c));
    c = raw_pair(&peer);
    raw_write(peer, "\x00\x00", 2);
    close(peer);
    char buf[8];
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(c, buf, 8, 0, 1.0, &n), WEFT_OS);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(c, buf, 8, 0, 1.0, &n), WEFT_EOF);
    /* The long form cut short. */
    WEFT_ASSERT_OK(weft_connection_free(c));
    c = raw_pair(&peer);
    raw_write(peer, "\xff\xff\xff\xff\x00\x00", 6);
    close(peer);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(c, 100, 1.0, &m, &n), WEFT_OS);
    WEFT_ASSERT_OK(weft_connection_free(c));
}

Test(connection, closed_and_bad_handles)
{
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    WEFT_ASSERT_OK(weft_connection_close(a));
    WEFT_ASSERT_OK(weft_connection_close(a));
    int v = 0, fd;
    WEFT_ASSERT_OK(weft_connection_closed(a, &v));
    cr_assert_eq(v, 1);
    void *m;
    size_t n;
    WEFT_ASSERT_STATUS(weft_connection_send_bytes(a, "x", 0, 1), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(a, 1, 0, &m, &n), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(a, &v, sizeof v, 0, 0, &n), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_connection_poll(a, 0, &v), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_connection_fileno(a, &fd), WEFT_CLOSED);
    /* The peer sees end of file, and poll reports it as ready. */
    WEFT_ASSERT_OK(weft_connection_poll(b, 1.0, &v));
    cr_assert_eq(v, 1);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(b, 1, 0, &m, &n), WEFT_EOF);
    WEFT_ASSERT_OK(weft_connection_free(a));
    /* A freed handle, NULL, and a handle of another type. */
    WEFT_ASSERT_STATUS(weft_connection_send_bytes(a, "x", 0, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_free(a), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_close(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(NULL, 1, 0, &m, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_poll(NULL, 0, &v), WEFT_EINVAL);
    weft_event *e;
    WEFT_ASSERT_OK(weft_event_new(&e));
    WEFT_ASSERT_STATUS(weft_connection_closed((weft_connection *)e, &v), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_event_free(e));
    WEFT_ASSERT_OK(weft_connection_free(NULL));
    /* NULL out-parameters and bad arguments. */
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(b, 1, 0, NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(b, 1, 0, &m, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_readable(b, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_writable(b, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_closed(b, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_fileno(b, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_send_bytes(b, NULL, 0, 3), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_send_bytes(b, "x", SIZE_MAX, 2), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_poll(b, 0.0 / 0.0, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(b, 1, 1e300, &m, &n), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_pipe_new(NULL, &a, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_pipe_new(&a, NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_connection_free(b));
}

Test(connection, from_fd)
{
    weft_connection *c = NULL;
    WEFT_ASSERT_STATUS(weft_connection_from_fd(&c, -1, 1, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_from_fd(&c, 1000000, 1, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_from_fd(NULL, 0, 1, 1), WEFT_EINVAL);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    WEFT_ASSERT_STATUS(weft_connection_from_fd(&c, p[0], 0, 0), WEFT_EINVAL);
    weft_connection *r, *w;
    WEFT_ASSERT_OK(weft_connection_from_fd(&r, p[0], 1, 0));
    WEFT_ASSERT_OK(weft_connection_from_fd(&w, p[1], 0, 1));
    int fd = -1;
    WEFT_ASSERT_OK(weft_connection_fileno(r, &fd));
    cr_assert_eq(fd, p[0]);
    /* Timed receives on a pipe (no MSG_DONTWAIT there). */
    void *m;
    size_t n;
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(r, 10, 0.05, &m, &n), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.045);
    WEFT_ASSERT_OK(weft_connection_send_bytes(w, "pipe", 0, 4));
    WEFT_ASSERT_OK(weft_connection_recv_bytes(r, 10, 0.5, &m, &n));
    cr_assert_eq(n, 4);
    weft_free(m);
    WEFT_ASSERT_OK(weft_connection_free(r));
    WEFT_ASSERT_OK(weft_connection_free(w));
    cr_assert_lt(fcntl(p[0], F_GETFD), 0); /* closed with the connection */
}

typedef struct echo_arg {
    weft_connection *c;
    size_t size;
} echo_arg;

static void *echo_big(void *arg)
{
    echo_arg *e = arg;
    void *m;
    size_t n;
    if (weft_connection_recv_bytes(e->c, WEFT_CONNECTION_NO_LIMIT, 10, &m, &n) == WEFT_OK) {
        weft_connection_send_bytes(e->c, m, 0, n);
        weft_free(m);
    }
    return NULL;
}

Test(connection, large_messages_in_both_header_forms_threads)
{
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    size_t size = 8u << 20; /* well above a socket buffer */
    char *data = malloc(size);
    for (size_t i = 0; i < size; i++)
        data[i] = (char)(i * 7 + (i >> 10));
    echo_arg e = { b, size };
    pthread_t t;
    pthread_create(&t, NULL, echo_big, &e);
    WEFT_ASSERT_OK(weft_connection_send_bytes(a, data, 0, size));
    char *back = malloc(size);
    size_t n = 0;
    WEFT_ASSERT_OK(weft_connection_recv_bytes_into(a, back, size, 0, 10, &n));
    pthread_join(t, NULL);
    cr_assert_eq(n, size);
    cr_assert_eq(memcmp(back, data, size), 0);
    free(back);
    free(data);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

static void on_alarm(int sig)
{
    (void)sig;
}

Test(connection, interruptible_receive)
{
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    struct sigaction sa = { .sa_handler = on_alarm };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    WEFT_ASSERT_OK(weft_threading_set_interruptible(1, NULL));
    ualarm(50000, 0);
    void *m;
    size_t n;
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(b, 10, -1, &m, &n), WEFT_INTERRUPTED);
    ualarm(50000, 0);
    int ready = -1;
    WEFT_ASSERT_STATUS(weft_connection_poll(b, 5, &ready), WEFT_INTERRUPTED);
    WEFT_ASSERT_OK(weft_threading_set_interruptible(0, NULL));
    WEFT_ASSERT_OK(weft_connection_send_bytes(a, "after", 0, 5));
    WEFT_ASSERT_OK(weft_connection_recv_bytes(b, 10, -1, &m, &n));
    cr_assert_eq(n, 5);
    weft_free(m);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

/* A WEFT_OS of weft's own carries no errno: the one an earlier system
 * failure saved is not reported as its cause (Python would raise
 * FileNotFoundError for a read-only connection). */
Test(connection, own_os_failure_clears_the_saved_errno)
{
    weft_connection *c = NULL;
    WEFT_ASSERT_STATUS(weft_client_connect(&c, WEFT_FAMILY_UNIX, "/nonexistent/weft/socket", 0, 0, NULL, 0, 5),
                       WEFT_OS);
    cr_assert_eq(weft_errno(), ENOENT);
    weft_connection *r, *w;
    WEFT_ASSERT_OK(weft_pipe_new(&r, &w, 0));
    WEFT_ASSERT_STATUS(weft_connection_send_bytes(r, "x", 0, 1), WEFT_OS);
    cr_assert_eq(weft_errno(), 0, "%s", weft_errmsg());
    WEFT_ASSERT_OK(weft_connection_free(r));
    WEFT_ASSERT_OK(weft_connection_free(w));
}
