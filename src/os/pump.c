/* The poll pump: one ppoll loop over writers fed from memory (non-blocking
 * writes) and readers drained straight into growing buffers. communicate()
 * runs on it today; connections will too. */
#include "os/os.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WEFT__READ_MIN (64 * 1024) /* at least one default pipe's worth per read */
#define WEFT__PUMP_MAX 8           /* streams plus the watch, in one poll set */

/* ppoll's relative timeout for `d` (NULL when it waits forever). */
static struct timespec *weft__poll_timeout(const weft__deadline *d, struct timespec *ts)
{
    if (d->forever)
        return NULL;
    int64_t left = weft__deadline_left_ns(d);
    ts->tv_sec = (time_t)(left / 1000000000);
    ts->tv_nsec = (long)(left % 1000000000);
    return ts;
}

int weft__os_wait_readable(int fd, const weft__deadline *d)
{
    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        struct timespec ts;
        int r = ppoll(&pfd, 1, weft__poll_timeout(d, &ts), NULL);
        if (r >= 0)
            return r > 0;
        if (errno != EINTR)
            return -1;
        if (weft__note_interrupt(d))
            return 0;
    }
}

static weft_status weft__buf_read(weft__os_buf *b, int fd, bool *eof, const char *fn)
{
    if (b->cap - b->len < WEFT__READ_MIN + 1) {
        size_t cap = b->cap ? b->cap * 2 : 2 * WEFT__READ_MIN;
        while (cap - b->len < WEFT__READ_MIN + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (grown == NULL)
            return weft__fail(WEFT_NOMEM, "%s: out of memory for %zu bytes", fn, cap);
        if (grown != b->data)
            b->populated = b->len; /* moved: what lies beyond is unknown */
        b->data = grown;
        b->cap = cap;
    }
    weft__os_buf_prefault(b, WEFT__READ_MIN);
    /* Leave room for the terminating NUL the caller adds. */
    ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
    if (n > 0)
        b->len += (size_t)n;
    else if (n == 0)
        *eof = true;
    else if (errno != EINTR && errno != EAGAIN)
        return weft__fail_os(errno, "%s: read", fn);
    return WEFT_OK;
}

/* Writes what it can; a broken pipe sets *epipe and ends the stream. */
static weft_status weft__stream_write(weft__os_stream *s, bool *epipe, const char *fn)
{
    size_t left = s->len - s->off;
    ssize_t w = left > 0 ? write(s->fd, s->out + s->off, left) : 0;
    weft_status st = WEFT_OK;
    if (w > 0)
        s->off += (size_t)w;
    else if (w < 0 && errno == EPIPE)
        *epipe = true;
    else if (w < 0 && errno != EAGAIN && errno != EINTR)
        st = weft__fail_os(errno, "%s: write", fn);
    if (*epipe || s->off >= s->len || st != WEFT_OK)
        weft__os_close(&s->fd);
    return st;
}

/* The SIGPIPE guard (declared in os.h; connections use it too). */
void weft__os_sigpipe_block(weft__os_sigpipe_guard *g)
{
    sigset_t pipe_set, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old);
    g->armed = true;
}

void weft__os_sigpipe_restore(weft__os_sigpipe_guard *g, bool got_epipe)
{
    if (!g->armed)
        return;
    if (got_epipe && !g->was_pending) {
        sigset_t pipe_set;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        struct timespec zero = { 0, 0 };
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static bool weft__streams_open(const weft__os_stream *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].fd >= 0)
            return true;
    return false;
}

weft_status weft__os_pump(weft__os_stream *s, size_t n, weft__os_watch *watch, const weft__deadline *d,
                          const char *fn)
{
    if (n + 1 > WEFT__PUMP_MAX)
        return weft__fail(WEFT_EINVAL, "%s: %zu streams are more than the pump takes", fn, n);
    weft__os_sigpipe_guard guard = { .armed = false };
    bool epipe = false;
    weft_status st = WEFT_OK;
    for (size_t i = 0; i < n; i++) {
        if (s[i].fd >= 0 && s[i].in == NULL) {
            if (!guard.armed)
                weft__os_sigpipe_block(&guard);
            weft__os_set_nonblocking(s[i].fd);
        }
    }
    for (;;) {
        struct pollfd pfd[WEFT__PUMP_MAX];
        size_t who[WEFT__PUMP_MAX];
        nfds_t np = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i].fd >= 0) {
                pfd[np] = (struct pollfd){ .fd = s[i].fd, .events = s[i].in != NULL ? POLLIN : POLLOUT };
                who[np++] = i;
            }
        }
        if (np == 0)
            break;
        if (watch != NULL && watch->fd >= 0) {
            pfd[np] = (struct pollfd){ .fd = watch->fd, .events = POLLIN };
            who[np++] = n;
        }
        struct timespec ts;
        int r = ppoll(pfd, np, weft__poll_timeout(d, &ts), NULL);
        if (r < 0) {
            if (errno == EINTR && weft__note_interrupt(d)) {
                st = WEFT_TIMEOUT;
                break;
            }
            if (errno == EINTR)
                continue;
            st = weft__fail_os(errno, "%s: ppoll", fn);
            break;
        }
        if (r == 0) {
            st = WEFT_TIMEOUT;
            break;
        }
        for (nfds_t k = 0; k < np && st == WEFT_OK; k++) {
            if (pfd[k].revents == 0)
                continue;
            if (who[k] == n) {
                watch->fn(watch->arg);
                watch->fd = -1;
                continue;
            }
            weft__os_stream *x = &s[who[k]];
            if (x->in == NULL) {
                st = weft__stream_write(x, &epipe, fn);
            } else {
                bool eof = false;
                st = weft__buf_read(x->in, x->fd, &eof, fn);
                if (eof)
                    weft__os_close(&x->fd);
            }
        }
        if (st != WEFT_OK)
            break;
        if (!d->forever && weft__deadline_left_ns(d) == 0 && weft__streams_open(s, n)) {
            st = WEFT_TIMEOUT;
            break;
        }
    }
    weft__os_sigpipe_restore(&guard, epipe);
    return st;
}
