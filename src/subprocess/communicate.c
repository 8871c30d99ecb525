/* communicate(): one ppoll loop over stdin (non-blocking writes), stdout and
 * stderr, reading straight into growing buffers. The state lives in the
 * Popen, so a call that times out loses nothing and the next continues. */
#include "subprocess/internal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define READ_MIN (64 * 1024) /* at least one default pipe's worth per read */

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define POPULATE_STEP ((size_t)4 << 20)

/* Faulting fresh memory in page by page costs more than copying the data
 * into it; once output is large, the next few MiB are populated with one
 * call (Linux 5.14+; elsewhere, or on failure, pages fault in as usual). */
static void prefault(weft__buf *b)
{
#ifdef __linux__
    if (b->cap < 2 * POPULATE_STEP || b->len + READ_MIN <= b->populated)
        return;
    uintptr_t page = 4096;
    uintptr_t lo = ((uintptr_t)b->data + b->len + page - 1) & ~(page - 1);
    if (lo < (uintptr_t)b->data + b->populated)
        lo = ((uintptr_t)b->data + b->populated + page - 1) & ~(page - 1);
    uintptr_t end = (uintptr_t)b->data + b->cap;
    uintptr_t hi = lo + POPULATE_STEP < end ? lo + POPULATE_STEP : end & ~(page - 1);
    if (hi <= lo)
        return;
    if (madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) == 0)
        b->populated = hi - (uintptr_t)b->data;
    else
        b->populated = b->cap; /* not supported: stop trying */
#else
    (void)b;
#endif
}

static weft_status buf_read(weft__buf *b, int fd, bool *eof)
{
    if (b->cap - b->len < READ_MIN + 1) {
        size_t cap = b->cap ? b->cap * 2 : 2 * READ_MIN;
        while (cap - b->len < READ_MIN + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (grown == NULL)
            return weft__fail(WEFT_NOMEM, "weft_popen_communicate: out of memory for %zu bytes", cap);
        if (grown != b->data)
            b->populated = b->len; /* moved: what lies beyond is unknown */
        b->data = grown;
        b->cap = cap;

    }
    prefault(b);
    /* Leave room for the terminating NUL. */
    ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
    if (n > 0) {
        b->len += (size_t)n;
    } else if (n == 0) {
        *eof = true;
    } else if (errno != EINTR && errno != EAGAIN) {
        return weft__fail_os(errno, "weft_popen_communicate: read");
    }
    return WEFT_OK;
}

static void close_stream(weft_popen *p, int i)
{
    if (p->fd[i] >= 0) {
        close(p->fd[i]);
        p->fd[i] = -1;
    }
}

/* Hands a buffer to the caller (NUL-terminated, never NULL for a pipe). */
static weft_status hand_out(weft_popen *p, int i, char **data, size_t *len)
{
    weft__buf *b = &p->out[i - 1];
    if (data == NULL) {
        if (len != NULL)
            *len = p->had_pipe[i] ? b->len : 0;
        return WEFT_OK;
    }
    if (!p->had_pipe[i]) {
        *data = NULL;
        if (len != NULL)
            *len = 0;
        return WEFT_OK;
    }
    if (b->data == NULL && (b->data = malloc(1)) == NULL)
        return weft__fail(WEFT_NOMEM, "weft_popen_communicate: out of memory");
    b->data[b->len] = '\0';
    *data = b->data;
    if (len != NULL)
        *len = b->len;
    *b = (weft__buf){ NULL, 0, 0, 0 };
    return WEFT_OK;
}

/* Keeps the unwritten input over a timeout: the caller's buffer may go away. */
static weft_status keep_input(weft_popen *p)
{
    if (p->fd[0] < 0 || p->input == NULL || p->input == p->input_own || p->input_off >= p->input_len)
        return WEFT_OK;
    size_t left = p->input_len - p->input_off;
    char *copy = malloc(left);
    if (copy == NULL)
        return weft__fail(WEFT_NOMEM, "weft_popen_communicate: out of memory keeping the input");
    memcpy(copy, p->input + p->input_off, left);
    free(p->input_own);
    p->input_own = copy;
    p->input = copy;
    p->input_len = left;
    p->input_off = 0;
    return WEFT_OK;
}

/* Writing to a pipe whose reader is gone raises SIGPIPE; a library must not
 * kill its host, so the signal is blocked in this thread and a SIGPIPE this
 * thread caused is consumed before it is unblocked. */
typedef struct sigpipe_guard {
    sigset_t old;
    bool was_pending;
    bool armed;
} sigpipe_guard;

static void sigpipe_block(sigpipe_guard *g)
{
    sigset_t pipe_set, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &g->old);
    g->armed = true;
}

static void sigpipe_restore(sigpipe_guard *g, bool got_epipe)
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

static weft_status pump(weft_popen *p, const weft__deadline *d)
{
    sigpipe_guard guard = { .armed = false };
    bool epipe = false;
    weft_status st = WEFT_OK;
    if (p->fd[0] >= 0) {
        sigpipe_block(&guard);
        int fl = fcntl(p->fd[0], F_GETFL);
        if (fl >= 0 && (fl & O_NONBLOCK) == 0)
            fcntl(p->fd[0], F_SETFL, fl | O_NONBLOCK);
    }
    for (;;) {
        struct pollfd pfd[4];
        int who[4];
        nfds_t n = 0;
        if (p->fd[0] >= 0) {
            pfd[n] = (struct pollfd){ .fd = p->fd[0], .events = POLLOUT };
            who[n++] = 0;
        }
        for (int i = 1; i < 3; i++) {
            if (p->fd[i] >= 0) {
                pfd[n] = (struct pollfd){ .fd = p->fd[i], .events = POLLIN };
                who[n++] = i;
            }
        }
        if (n == 0)
            break;
        if (p->kill_group && !p->group_killed && p->pidfd >= 0) {
            pfd[n] = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
            who[n++] = 3;
        }
        struct timespec ts, *tsp = NULL;
        if (!d->forever) {
            int64_t left = weft__deadline_left_ns(d);
            ts.tv_sec = (time_t)(left / 1000000000);
            ts.tv_nsec = (long)(left % 1000000000);
            tsp = &ts;
        }
        int r = ppoll(pfd, n, tsp, NULL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            st = weft__fail_os(errno, "weft_popen_communicate: ppoll");
            break;
        }
        if (r == 0) {
            st = WEFT_TIMEOUT;
            break;
        }
        for (nfds_t k = 0; k < n && st == WEFT_OK; k++) {
            if (pfd[k].revents == 0)
                continue;
            int i = who[k];
            if (i == 0) {
                size_t left = p->input_len - p->input_off;
                ssize_t w = left > 0 ? write(p->fd[0], p->input + p->input_off, left) : 0;
                if (w > 0)
                    p->input_off += (size_t)w;
                else if (w < 0 && errno == EPIPE)
                    epipe = true;
                else if (w < 0 && errno != EAGAIN && errno != EINTR)
                    st = weft__fail_os(errno, "weft_popen_communicate: write to stdin");
                /* Python ignores a broken pipe: the child stopped reading. */
                if (epipe || p->input_off >= p->input_len || (w < 0 && st != WEFT_OK))
                    close_stream(p, 0);
            } else if (i == 3) {
                /* The child exited while its pipes stay open: what remains of
                 * its group (grandchildren holding them) is killed. The zombie
                 * still holds the group id, so it cannot have been reused. */
                pthread_mutex_lock(&p->lock);
                if (p->returncode == WEFT_SUBPROCESS_RUNNING)
                    killpg(p->pid, SIGKILL);
                p->group_killed = true;
                pthread_mutex_unlock(&p->lock);
            } else {
                bool eof = false;
                st = buf_read(&p->out[i - 1], p->fd[i], &eof);
                if (eof)
                    close_stream(p, i);
            }
        }
        if (st != WEFT_OK)
            break;
        if (!d->forever && weft__deadline_left_ns(d) == 0 && (p->fd[0] >= 0 || p->fd[1] >= 0 || p->fd[2] >= 0)) {
            st = WEFT_TIMEOUT;
            break;
        }
    }
    sigpipe_restore(&guard, epipe);
    return st;
}

weft_status weft__popen_communicate(weft_popen *p, const void *input, size_t input_len, const weft__deadline *d)
{
    if (!p->comm_started) {
        p->comm_started = true;
        if (p->fd[0] >= 0) {
            p->input = input;
            p->input_len = input != NULL ? input_len : 0;
            p->input_off = 0;
            if (p->input_len == 0)
                close_stream(p, 0);
        }
    }
    weft_status st = pump(p, d);
    if (st == WEFT_TIMEOUT) {
        weft_status k = keep_input(p);
        return k != WEFT_OK ? k : weft__fail(WEFT_TIMEOUT, "weft_popen_communicate: timed out");
    }
    if (p->input != p->input_own)
        p->input = NULL;
    if (st != WEFT_OK) {
        /* The caller's input is not kept over a failure: stop feeding it. */
        close_stream(p, 0);
        return st;
    }
    return weft__popen_wait(p, d, NULL, "weft_popen_communicate");
}

weft_status weft_popen_communicate(weft_popen *p, const void *input, size_t input_len, double timeout, char **out,
                                   size_t *out_len, char **err, size_t *err_len)
{
    static const char *const fn = "weft_popen_communicate";
    weft_status st = weft__check(p, &weft__popen_type, fn);
    if (st != WEFT_OK)
        return st;
    if (p->comm_started && input != NULL && input_len > 0)
        return weft__fail(WEFT_EINVAL, "%s: cannot send input after starting communication", fn);
    if (input == NULL && input_len > 0)
        return weft__fail(WEFT_EINVAL, "%s: input is NULL but input_len is %zu", fn, input_len);
    weft__deadline d;
    if ((st = weft__deadline_init(&d, timeout, fn)) != WEFT_OK)
        return st;
    if ((st = weft__popen_communicate(p, input, input_len, &d)) != WEFT_OK)
        return st;
    char *o = NULL;
    size_t ol = 0;
    if ((st = hand_out(p, 1, out != NULL ? &o : NULL, &ol)) != WEFT_OK)
        return st;
    if ((st = hand_out(p, 2, err, err_len)) != WEFT_OK) {
        free(o);
        return st;
    }
    if (out != NULL)
        *out = o;
    if (out_len != NULL)
        *out_len = ol;
    return WEFT_OK;
}

weft_status weft__popen_take_output(weft_popen *p, int i, char **data, size_t *len)
{
    return hand_out(p, i, data, len);
}
