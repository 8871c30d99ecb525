/* Connections under weft_threading_set_interruptible: every blocking call of
 * the area (receives, poll, wait, accept, connect, the handshakes, a send
 * that has not started) ends with WEFT_INTERRUPTED when a signal handler
 * runs during it, and leaves the object usable: a message half received
 * stays half received, a listener keeps listening. Bindings rely on it to
 * run their signal handlers (Python's Ctrl-C) while a call waits. */
#include "weft_test.h"
#include "pester.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void interruptible(void)
{
    int old = -1;
    WEFT_ASSERT_OK(weft_threading_set_interruptible(1, &old));
    cr_assert_eq(old, 0);
}

static void recv_expect(weft_connection *c, const char *want)
{
    void *m = NULL;
    size_t n = 0;
    WEFT_ASSERT_OK(weft_connection_recv_bytes(c, WEFT_CONNECTION_NO_LIMIT, 10, &m, &n));
    cr_assert_eq(n, strlen(want));
    cr_assert_eq(memcmp(m, want, n), 0);
    weft_free(m);
}

static void write_all(int fd, const void *p, size_t n)
{
    cr_assert_eq(write(fd, p, n), (ssize_t)n);
}

Test(conn_interrupt, receives_on_a_pipe_and_a_socket)
{
    interruptible();
    weft_connection *r, *w, *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&r, &w, 0));
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    pester p;
    pester_start(&p);
    void *m;
    size_t n;
    char buf[16];
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(r, WEFT_CONNECTION_NO_LIMIT, -1, &m, &n), WEFT_INTERRUPTED);
    cr_assert(strstr(weft_errmsg(), "interrupted") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(r, buf, sizeof buf, 0, -1, &n), WEFT_INTERRUPTED);
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes_into(b, buf, sizeof buf, 0, 30, &n), WEFT_INTERRUPTED);
    pester_stop(&p);
    WEFT_ASSERT_OK(weft_connection_send_bytes(w, "pipe", 0, 4));
    WEFT_ASSERT_OK(weft_connection_send_bytes(a, "sock", 0, 4));
    recv_expect(r, "pipe");
    recv_expect(b, "sock");
    WEFT_ASSERT_OK(weft_connection_free(r));
    WEFT_ASSERT_OK(weft_connection_free(w));
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

/* A signal inside a message: what arrived is kept, the rest completes it. */
Test(conn_interrupt, inside_a_message)
{
    interruptible();
    for (int duplex = 0; duplex <= 1; duplex++) {
        weft_connection *r, *w;
        WEFT_ASSERT_OK(weft_pipe_new(&r, &w, duplex));
        int fd = -1;
        WEFT_ASSERT_OK(weft_connection_fileno(w, &fd));
        write_all(fd, "\0\0\0\x0a" "abc", 7);
        pester p;
        pester_start(&p);
        void *m;
        size_t n;
        WEFT_ASSERT_STATUS(weft_connection_recv_bytes(r, WEFT_CONNECTION_NO_LIMIT, -1, &m, &n), WEFT_INTERRUPTED);
        int ready = 0;
        WEFT_ASSERT_OK(weft_connection_poll(r, 0, &ready));
        cr_assert_eq(ready, 1, "the kept message head makes the connection ready");
        pester_stop(&p);
        write_all(fd, "defghij", 7);
        recv_expect(r, "abcdefghij");
        WEFT_ASSERT_OK(weft_connection_free(r));
        WEFT_ASSERT_OK(weft_connection_free(w));
    }
}

Test(conn_interrupt, poll_and_wait)
{
    interruptible();
    weft_connection *r, *w, *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&r, &w, 0));
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pester p;
    pester_start(&p);
    int ready = -1;
    WEFT_ASSERT_STATUS(weft_connection_poll(r, -1, &ready), WEFT_INTERRUPTED);
    WEFT_ASSERT_STATUS(weft_connection_poll(b, 30, &ready), WEFT_INTERRUPTED);
    weft_connection *conns[3] = { r, b, NULL };
    int efds[3] = { -1, -1, fds[0] };
    int flags[3];
    size_t nready = 9;
    WEFT_ASSERT_STATUS(weft_connection_wait(conns, efds, 3, -1, flags, &nready), WEFT_INTERRUPTED);
    WEFT_ASSERT_STATUS(weft_connection_wait(conns, efds, 3, 30, flags, &nready), WEFT_INTERRUPTED);
    cr_assert_eq(nready, 0);
    pester_stop(&p);
    WEFT_ASSERT_OK(weft_connection_send_bytes(a, "x", 0, 1));
    WEFT_ASSERT_OK(weft_connection_wait(conns, efds, 3, 10, flags, &nready));
    cr_assert_eq(nready, 1);
    cr_assert(flags[1] && !flags[0] && !flags[2]);
    close(fds[0]);
    close(fds[1]);
    WEFT_ASSERT_OK(weft_connection_free(r));
    WEFT_ASSERT_OK(weft_connection_free(w));
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

/* A send blocked on a full pipe before any byte of its frame went out. */
Test(conn_interrupt, send_before_its_first_byte)
{
    interruptible();
    weft_connection *r, *w;
    WEFT_ASSERT_OK(weft_pipe_new(&r, &w, 0));
    int fd = -1;
    WEFT_ASSERT_OK(weft_connection_fileno(w, &fd));
    /* Fill the pipe with whole frames, without blocking. */
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    static const char frame[8] = { 0, 0, 0, 4, 'f', 'i', 'l', 'l' };
    size_t frames = 0;
    while (write(fd, frame, sizeof frame) == (ssize_t)sizeof frame)
        frames++;
    cr_assert_eq(errno, EAGAIN);
    fcntl(fd, F_SETFL, fl);
    pester p;
    pester_start(&p);
    WEFT_ASSERT_STATUS(weft_connection_send_bytes(w, "late", 0, 4), WEFT_INTERRUPTED);
    pester_stop(&p);
    for (size_t i = 0; i < frames; i++)
        recv_expect(r, "fill");
    WEFT_ASSERT_OK(weft_connection_send_bytes(w, "late", 0, 4));
    recv_expect(r, "late");
    WEFT_ASSERT_OK(weft_connection_free(r));
    WEFT_ASSERT_OK(weft_connection_free(w));
}

Test(conn_interrupt, accept_keeps_listening)
{
    interruptible();
    weft_listener *l;
    WEFT_ASSERT_OK(weft_listener_new(&l, WEFT_FAMILY_UNIX, NULL, 0, 0, -1, "k", 1));
    char *path;
    WEFT_ASSERT_OK(weft_listener_address(l, NULL, &path, NULL, NULL));
    pester p;
    pester_start(&p);
    weft_connection *c;
    WEFT_ASSERT_STATUS(weft_listener_accept(l, -1, &c), WEFT_INTERRUPTED);
    WEFT_ASSERT_STATUS(weft_listener_accept(l, 30, &c), WEFT_INTERRUPTED);
    cr_assert_null(c);
    /* A peer that connects and never answers the challenge. */
    int raw = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    cr_assert_eq(connect(raw, (struct sockaddr *)&sa, sizeof sa), 0);
    WEFT_ASSERT_STATUS(weft_listener_accept(l, -1, &c), WEFT_INTERRUPTED);
    pester_stop(&p);
    close(raw);
    weft_free(path);
    WEFT_ASSERT_OK(weft_listener_free(l));
}

/* A raw listening socket that accepts nothing and says nothing: a client
 * with a key waits for its challenge; with the backlog full, a Unix client
 * waits in connect() itself. */
Test(conn_interrupt, client_connect)
{
    interruptible();
    char dir[] = "/tmp/weft-test-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/s", dir);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(listen(lfd, 0), 0);
    pester p;
    pester_start(&p);
    weft_connection *c;
    WEFT_ASSERT_STATUS(weft_client_connect(&c, WEFT_FAMILY_UNIX, sa.sun_path, 0, 0, "k", 1, -1), WEFT_INTERRUPTED);
    pester_stop(&p);
    int extra[64];
    size_t nextra = 0;
    while (nextra < 64) {
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
            cr_assert_eq(errno, EAGAIN, "connect: %s", strerror(errno));
            close(s);
            break;
        }
        extra[nextra++] = s;
    }
    cr_assert_lt(nextra, 64, "the backlog never filled");
    pester_start(&p);
    WEFT_ASSERT_STATUS(weft_client_connect(&c, WEFT_FAMILY_UNIX, sa.sun_path, 0, 0, NULL, 0, -1), WEFT_INTERRUPTED);
    WEFT_ASSERT_STATUS(weft_client_connect(&c, WEFT_FAMILY_UNIX, sa.sun_path, 0, 0, NULL, 0, 30), WEFT_INTERRUPTED);
    pester_stop(&p);
    /* Room again: the same call connects. */
    int got = accept(lfd, NULL, NULL);
    cr_assert_geq(got, 0);
    WEFT_ASSERT_OK(weft_client_connect(&c, WEFT_FAMILY_UNIX, sa.sun_path, 0, 0, NULL, 0, 10));
    WEFT_ASSERT_OK(weft_connection_free(c));
    close(got);
    for (size_t i = 0; i < nextra; i++)
        close(extra[i]);
    close(lfd);
    unlink(sa.sun_path);
    rmdir(dir);
}

Test(conn_interrupt, handshakes)
{
    interruptible();
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    pester p;
    pester_start(&p);
    WEFT_ASSERT_STATUS(weft_connection_answer_challenge(a, "k", 1, -1), WEFT_INTERRUPTED);
    WEFT_ASSERT_STATUS(weft_connection_deliver_challenge(a, "k", 1, -1), WEFT_INTERRUPTED);
    pester_stop(&p);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

/* With interruption off a signal ends nothing: the timeout does. */
Test(conn_interrupt, off_waits_run_their_course)
{
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    atomic_store(&pester_handled, 0);
    pester p;
    pester_start(&p);
    void *m;
    size_t n;
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_connection_recv_bytes(b, 10, 0.3, &m, &n), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.3);
    int ready = -1;
    WEFT_ASSERT_OK(weft_connection_poll(b, 0.2, &ready));
    cr_assert_eq(ready, 0);
    pester_stop(&p);
    cr_assert_gt(atomic_load(&pester_handled), 0, "no signal arrived during the wait");
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}
