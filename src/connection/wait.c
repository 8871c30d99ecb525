/* multiprocessing.connection.wait: poll() readiness over connections and
 * raw descriptors, where hang-up and end of file count as ready. */
#include "connection/internal.h"

#include <poll.h>
#include <stdlib.h>

#define WEFT__WAIT_STACK 64

weft_status weft_connection_wait(weft_connection *const *conns, const int *fds, size_t n, double timeout, int *ready,
                                 size_t *nready)
{
    if (nready != NULL)
        *nready = 0;
    if (n > 0 && ready == NULL)
        return weft__fail(WEFT_EINVAL, "%s: ready is NULL", __func__);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    struct pollfd stack[WEFT__WAIT_STACK];
    struct pollfd *pfd = stack;
    if (n > WEFT__WAIT_STACK && (n > SIZE_MAX / sizeof *pfd || (pfd = malloc(n * sizeof *pfd)) == NULL))
        return weft__fail(WEFT_NOMEM, "%s: out of memory for %zu entries", __func__, n);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        ready[i] = 0;
        weft_connection *c = conns != NULL ? conns[i] : NULL;
        int fd;
        if (c != NULL) {
            c = weft__open(c, &weft__connection_type, __func__, &st);
            if (st != WEFT_OK)
                goto out;
            if (c->fd < 0) {
                st = weft__fail(WEFT_CLOSED, "%s: connection %zu is closed", __func__, i);
                goto out;
            }
            fd = c->fd;
            if (c->have_len) { /* a message kept by an earlier receive */
                ready[i] = 1;
                count++;
            }
        } else if (fds == NULL || fds[i] < 0) {
            st = weft__fail(WEFT_EINVAL, "%s: entry %zu has neither a connection nor a descriptor", __func__, i);
            goto out;
        } else {
            fd = fds[i];
        }
        pfd[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
    }
    for (;;) {
        struct timespec ts, *tp = NULL;
        if (count > 0 || !d.forever) {
            int64_t left = count > 0 ? 0 : weft__deadline_left_ns(&d);
            ts.tv_sec = (time_t)(left / 1000000000);
            ts.tv_nsec = (long)(left % 1000000000);
            tp = &ts;
        }
        int r = ppoll(pfd, (nfds_t)n, tp, NULL);
        if (r < 0) {
            if (errno == EINTR && !weft__note_interrupt(&d))
                continue;
            if (errno == EINTR) {
                st = weft__fail_interrupted(__func__);
                goto out;
            }
            st = weft__fail_os(errno, "%s: poll", __func__);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            if (pfd[i].revents & POLLNVAL) {
                st = weft__fail(WEFT_EINVAL, "%s: descriptor %d (entry %zu) is not open", __func__, pfd[i].fd, i);
                goto out;
            }
            if (pfd[i].revents != 0 && !ready[i]) {
                ready[i] = 1;
                count++;
            }
        }
        if (count > 0 || r > 0 || weft__deadline_left_ns(&d) == 0)
            break;
    }
    if (nready != NULL)
        *nready = count;
out:
    if (pfd != stack)
        free(pfd);
    return st;
}
