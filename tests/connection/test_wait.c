/* multiprocessing.connection.wait over connections and raw descriptors. */
#include "weft_test.h"

#include <unistd.h>

Test(wait, connections_and_fds)
{
    weft_connection *a, *b, *c, *d;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    WEFT_ASSERT_OK(weft_pipe_new(&c, &d, 0));
    int p[2];
    cr_assert_eq(pipe(p), 0);
    weft_connection *conns[3] = { b, c, NULL };
    int fds[3] = { -1, -1, p[0] };
    int ready[3] = { 9, 9, 9 };
    size_t n = 9;
    double t0 = weft_test_now();
    WEFT_ASSERT_OK(weft_connection_wait(conns, fds, 3, 0.05, ready, &n));
    cr_assert_geq(weft_test_now() - t0, 0.045);
    cr_assert_eq(n, 0);
    cr_assert(ready[0] == 0 && ready[1] == 0 && ready[2] == 0);
    WEFT_ASSERT_OK(weft_connection_send_bytes(d, "x", 0, 1));
    WEFT_ASSERT_OK(weft_connection_wait(conns, fds, 3, -1, ready, &n));
    cr_assert_eq(n, 1);
    cr_assert(ready[0] == 0 && ready[1] == 1 && ready[2] == 0);
    /* A hung-up peer and a closed pipe writer count as ready. */
    WEFT_ASSERT_OK(weft_connection_close(a));
    close(p[1]);
    WEFT_ASSERT_OK(weft_connection_wait(conns, fds, 3, 1, ready, &n));
    cr_assert_eq(n, 3);
    /* Failures: a closed connection, a missing or closed descriptor. */
    WEFT_ASSERT_OK(weft_connection_close(b));
    WEFT_ASSERT_STATUS(weft_connection_wait(conns, fds, 3, 0, ready, &n), WEFT_CLOSED);
    WEFT_ASSERT_STATUS(weft_connection_wait(NULL, fds, 2, 0, ready, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_wait(conns + 1, NULL, 2, 0, ready, &n), WEFT_EINVAL);
    close(p[0]);
    WEFT_ASSERT_STATUS(weft_connection_wait(NULL, fds + 2, 1, 0, ready, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_wait(conns + 1, NULL, 1, 0, NULL, &n), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_connection_wait(conns + 1, NULL, 1, 0.0 / 0.0, ready, &n), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_connection_wait(NULL, NULL, 0, 0, NULL, NULL));
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_STATUS(weft_connection_wait(conns, fds, 1, 0, ready, &n), WEFT_CLOSED);
    WEFT_ASSERT_OK(weft_connection_free(b));
    WEFT_ASSERT_STATUS(weft_connection_wait(conns, fds, 1, 0, ready, &n), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_connection_free(c));
    WEFT_ASSERT_OK(weft_connection_free(d));
}

Test(wait, many_entries)
{
    enum { N = 100 };
    weft_connection *r[N], *w[N];
    for (int i = 0; i < N; i++)
        WEFT_ASSERT_OK(weft_pipe_new(&r[i], &w[i], 0));
    WEFT_ASSERT_OK(weft_connection_send_bytes(w[77], "", 0, 0));
    int ready[N];
    size_t n = 0;
    WEFT_ASSERT_OK(weft_connection_wait(r, NULL, N, 5, ready, &n));
    cr_assert_eq(n, 1);
    cr_assert_eq(ready[77], 1);
    for (int i = 0; i < N; i++) {
        WEFT_ASSERT_OK(weft_connection_free(r[i]));
        WEFT_ASSERT_OK(weft_connection_free(w[i]));
    }
}
