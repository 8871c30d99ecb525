/* Helpers of the connection suites: the exchange every peer runs, and
 * starting a Python peer (tests/connection/peer.py). */
#ifndef CONN_TEST_H
#define CONN_TEST_H

#include "weft_test.h"

#include <string.h>
#include <unistd.h>

#define PEER_PY WEFT_TEST_SOURCE_DIR "/connection/peer.py"
#define PYTHON "/usr/bin/python3"

/* The weft side of peer.py's exchange: hello, an echo reversed, a burst. */
static inline void conn_exchange(weft_connection *c)
{
    void *m;
    size_t n;
    WEFT_ASSERT_OK(weft_connection_recv_bytes(c, WEFT_CONNECTION_NO_LIMIT, 20, &m, &n));
    cr_assert_eq(n, 17);
    cr_assert_eq(memcmp(m, "hello from python", 17), 0);
    weft_free(m);
    WEFT_ASSERT_OK(weft_connection_send_bytes(c, "weft says hi", 0, 12));
    WEFT_ASSERT_OK(weft_connection_recv_bytes(c, 100, 20, &m, &n));
    cr_assert_eq(n, 12);
    cr_assert_eq(memcmp(m, "ih syas tfew", 12), 0);
    weft_free(m);
    WEFT_ASSERT_OK(weft_connection_recv_bytes(c, 3, 20, &m, &n));
    cr_assert_eq(memcmp(m, "one", 3), 0);
    weft_free(m);
    static char big[70000];
    WEFT_ASSERT_OK(weft_connection_recv_bytes_into(c, big, sizeof big, 0, 20, &n));
    cr_assert_eq(n, 70000);
    cr_assert_eq(big[0], 'x');
    cr_assert_eq(big[69999], 'x');
    WEFT_ASSERT_OK(weft_connection_recv_bytes(c, 0, 20, &m, &n));
    cr_assert_eq(n, 0);
    weft_free(m);
}

/* Starts peer.py with `args`; with `out` its stdout is a pipe. */
static inline weft_popen *conn_peer(const char *const *args, bool out)
{
    const char *argv[12] = { PYTHON, PEER_PY };
    size_t i = 2;
    for (; args[i - 2] != NULL && i < 11; i++)
        argv[i] = args[i - 2];
    argv[i] = NULL;
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    if (out)
        WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    weft_popen *p = NULL;
    WEFT_ASSERT_OK(weft_popen_new(&p, argv, o));
    WEFT_ASSERT_OK(weft_popen_opts_free(o));
    return p;
}


static inline int conn_peer_exit(weft_popen *p)
{
    int rc = -1;
    WEFT_ASSERT_OK(weft_popen_wait(p, 30, &rc));
    WEFT_ASSERT_OK(weft_popen_free(p));
    return rc;
}

#endif
