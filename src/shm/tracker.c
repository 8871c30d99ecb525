/* The tracker: unlinks the segments the program created with tracking on
 * and left behind, once every process of the program has gone (tracker.h).
 *
 * It is started on the first tracked create by a double fork, so it is
 * never a child the program could reap or wait for by accident, and it
 * runs in its own session with SIGINT, SIGTERM and SIGHUP ignored, so a
 * Ctrl-C to the program's process group cannot stop it before its work.
 * Because the program may have threads, the forked code does nothing but
 * async-signal-safe system calls and plain memory work: no malloc, no
 * stdio, no locks. It never execs, so it needs no installed helper; its
 * copy of the program's memory is copy-on-write and never touched, but it
 * does keep the shared mappings the program had at that moment, so the
 * memory (not the name) of a segment mapped before the first tracked
 * create lives until the tracker exits.
 *
 * The channel is an AF_UNIX stream socket rather than a pipe so that a
 * writer whose tracker was killed gets EPIPE from send(MSG_NOSIGNAL) in the
 * same single call, instead of a SIGPIPE the library would have to block
 * around every write. Messages are `+` or `-`, the name (with its '/'), and
 * a NUL: at most 257 bytes, sent with one call, which the stream keeps
 * whole and unmixed with other writers' (one skb on Linux; the BSDs hold
 * the send buffer's lock for the whole call).
 *
 * The tracker counts registrations per name rather than keeping a set (as
 * CPython's does): when one process unlinks a name and another creates it
 * again, the second's `+` may arrive before the first's `-`, and a count
 * still ends at one. */
#include "shm/internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long the tracker lets messages gather between reads. */
#define WEFT__TRACKER_BATCH_NS (1000 * 1000)

/* The send buffer asked for: each message takes a buffer of its own in an
 * AF_UNIX stream (about 1 KiB of accounting), so the default would fill
 * with a few hundred messages; the system caps this at its maximum. */
#define WEFT__TRACKER_SNDBUF (4 << 20)

static pthread_mutex_t weft__tracker_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t weft__tracker_once = PTHREAD_ONCE_INIT;
static _Atomic int weft__tracker_wfd = -1;
static bool weft__tracker_env_tried;

/* ---- the tracker process (async-signal-safe only) ---------------------------- */

typedef struct weft__tracked {
    int count;
    char path[WEFT__SHM_NAME_MAX + 1];
} weft__tracked;

typedef struct weft__tracker_table {
    weft__tracked *v;
    size_t n, cap;
} weft__tracker_table;

static weft__tracked *weft__table_find(weft__tracker_table *t, const char *path)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].path, path) == 0)
            return &t->v[i];
    return NULL;
}

/* Grows the table with mmap (malloc is off limits after fork). */
static bool weft__table_grow(weft__tracker_table *t)
{
    size_t cap = t->cap == 0 ? 64 : t->cap * 2;
    void *p = mmap(NULL, cap * sizeof *t->v, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return false;
    if (t->n > 0)
        memcpy(p, t->v, t->n * sizeof *t->v);
    if (t->v != NULL)
        munmap(t->v, t->cap * sizeof *t->v);
    t->v = p;
    t->cap = cap;
    return true;
}

static void weft__table_apply(weft__tracker_table *t, char cmd, const char *path, size_t len)
{
    if (len == 0 || len > WEFT__SHM_NAME_MAX || (cmd != '+' && cmd != '-'))
        return;
    weft__tracked *e = weft__table_find(t, path);
    if (cmd == '+') {
        if (e == NULL) {
            if (t->n == t->cap && !weft__table_grow(t))
                return;
            e = &t->v[t->n++];
            memcpy(e->path, path, len + 1);
            e->count = 0;
        }
        e->count++;
    } else if (e != NULL && --e->count <= 0) {
        *e = t->v[--t->n];
    }
}

static void weft__tracker_signals(void)
{
    struct sigaction ign, dfl, old;
    memset(&ign, 0, sizeof ign);
    memset(&dfl, 0, sizeof dfl);
    ign.sa_handler = SIG_IGN;
    dfl.sa_handler = SIG_DFL;
    /* The program's handlers are the program's: none of them runs here. */
    for (int sig = 1; sig < NSIG; sig++)
        if (sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)
            (void)sigaction(sig, &dfl, NULL);
    (void)sigaction(SIGINT, &ign, NULL);
    (void)sigaction(SIGTERM, &ign, NULL);
    (void)sigaction(SIGHUP, &ign, NULL);
    (void)sigaction(SIGPIPE, &ign, NULL);
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
}

__attribute__((noreturn)) static void weft__tracker_main(int rfd, int fd_limit)
{
    (void)setsid();
    weft__tracker_signals();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        for (int i = 0; i < 3; i++)
            if (null != i)
                (void)dup2(null, i);
    }
    int keep[1] = { rfd };
    weft__os_close_fds_except(keep, 1, fd_limit);
    (void)chdir("/");

    weft__tracker_table t = { NULL, 0, 0 };
    char buf[8192];
    size_t have = 0;
    for (;;) {
        ssize_t r = read(rfd, buf + have, sizeof buf - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* EOF: every process of the program has gone */
        have += (size_t)r;
        size_t start = 0;
        for (size_t i = 0; i < have; i++) {
            if (buf[i] != '\0')
                continue;
            if (i > start)
                weft__table_apply(&t, buf[start], buf + start + 1, i - start - 1);
            start = i + 1;
        }
        if (start == 0 && have == sizeof buf)
            start = have; /* no message is this long: drop the garbage */
        memmove(buf, buf + start, have - start);
        have -= start;
        /* Let messages gather before the next read: a writer wakes the
         * tracker only while it sleeps in read(), so reading at most once
         * a millisecond keeps a busy program's create/unlink loop from
         * paying a wake-up (and, on a loaded machine, a context switch) per
         * message. The socket holds what arrives meanwhile (its send buffer
         * is raised for that); the end of the program is noticed at most
         * that much later. */
        struct timespec pause = { 0, WEFT__TRACKER_BATCH_NS };
        while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
        }
    }
    for (size_t i = 0; i < t.n; i++)
        (void)weft__os_shm_unlink(t.v[i].path);
    _exit(0);
}

/* ---- this process's end --------------------------------------------------- */

static void weft__tracker_atfork_child(void)
{
    /* Another thread may have held the lock at fork; the write end itself
     * is shared with the child, which is one more process of the program. */
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    weft__tracker_lock = fresh;
}

static void weft__tracker_atfork(void)
{
    (void)pthread_atfork(NULL, NULL, weft__tracker_atfork_child);
}

/* The write end named by WEFT_SHM_TRACKER_FD, when it is the socket the
 * variable describes; -1 otherwise. */
static int weft__tracker_from_env(void)
{
    const char *v = getenv(WEFT__SHM_TRACKER_ENV);
    if (v == NULL)
        return -1;
    char *end;
    errno = 0;
    long fd = strtol(v, &end, 10);
    if (errno != 0 || *end != ':' || fd < 0 || fd > INT32_MAX)
        return -1;
    uintmax_t ino = strtoumax(end + 1, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    struct stat st;
    if (fstat((int)fd, &st) != 0 || !S_ISSOCK(st.st_mode) || (uintmax_t)st.st_ino != ino)
        return -1;
    if (weft__os_set_inheritable((int)fd, false) != 0)
        return -1;
    return (int)fd;
}

static int weft__tracker_spawn(void)
{
    int fds[2];
    if (weft__os_socketpair(fds) != 0)
        return -1;
    (void)shutdown(fds[0], SHUT_WR);
    int sndbuf = WEFT__TRACKER_SNDBUF;
    (void)setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    int limit = weft__os_fd_limit();
    /* The tracker must not die of the signals it ignores in the moment
     * before it ignores them (a Ctrl-C to the group right after the first
     * tracked create): they stay blocked from the fork until it has set
     * them to be ignored. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    pid_t mid = fork();
    if (mid != 0)
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (mid < 0) {
        int err = errno;
        close(fds[0]);
        close(fds[1]);
        errno = err;
        return -1;
    }
    if (mid == 0) {
        pid_t pid = fork();
        if (pid == 0)
            weft__tracker_main(fds[0], limit);
        _exit(pid < 0 ? 1 : 0);
    }
    close(fds[0]);
    int st = 0;
    while (waitpid(mid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
        close(fds[1]);
        errno = EAGAIN; /* the second fork failed */
        return -1;
    }
    return fds[1];
}

/* Starts a tracker in place of `dead` (-1: none yet) unless another thread
 * already did, or with `spawn` false only takes one over from the
 * environment; returns the write end or -1 with errno. */
static int weft__tracker_get(int dead, bool spawn)
{
    pthread_once(&weft__tracker_once, weft__tracker_atfork);
    pthread_mutex_lock(&weft__tracker_lock);
    int fd = atomic_load(&weft__tracker_wfd);
    if (fd == dead) {
        if (fd < 0 && !weft__tracker_env_tried) {
            weft__tracker_env_tried = true;
            fd = weft__tracker_from_env();
        } else {
            fd = -1;
        }
        if (fd < 0 && spawn)
            fd = weft__tracker_spawn();
        if (fd >= 0) {
            /* A dead tracker's end stays open (a forked child may still be
             * writing to it); replacing it is enough. */
            atomic_store(&weft__tracker_wfd, fd);
        }
    }
    int err = errno;
    pthread_mutex_unlock(&weft__tracker_lock);
    errno = err;
    return fd;
}

static int weft__tracker_ensure(int dead)
{
    return weft__tracker_get(dead, true);
}

int weft__shm_tracker_fd(void)
{
    int fd = atomic_load(&weft__tracker_wfd);
    return fd >= 0 ? fd : weft__tracker_ensure(-1);
}

int weft__shm_tracker_running(void)
{
    int fd = atomic_load(&weft__tracker_wfd);
    return fd >= 0 ? fd : weft__tracker_get(-1, false);
}

int weft__shm_tracker_env(int child_fd, char *buf, size_t cap)
{
    int fd = weft__shm_tracker_running();
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return -1;
    int n = snprintf(buf, cap, "%s=%d:%ju", WEFT__SHM_TRACKER_ENV, child_fd, (uintmax_t)st.st_ino);
    if (n < 0 || (size_t)n >= cap) {
        errno = ERANGE;
        return -1;
    }
    return n;
}

/* One message, one call; -1 with errno. */
static int weft__tracker_send(int fd, char cmd, const char *path, size_t len)
{
    char msg[WEFT__SHM_NAME_MAX + 2];
    msg[0] = cmd;
    memcpy(msg + 1, path, len + 1);
    struct iovec iov = { msg, len + 2 };
    ssize_t r;
    do
        r = weft__os_sendv(fd, &iov, 1, true);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}

weft_status weft__shm_track(const char *path, const char *fn)
{
    size_t len = strlen(path);
    if (len > WEFT__SHM_NAME_MAX)
        return weft__fail_os(ENAMETOOLONG, "%s: %s", fn, path);
    int fd = weft__shm_tracker_fd();
    if (fd >= 0 && weft__tracker_send(fd, '+', path, len) == 0)
        return WEFT_OK;
    if (fd >= 0 && (errno == EPIPE || errno == ECONNRESET)) {
        /* The tracker was killed: start another, as CPython relaunches its
         * own, and register there. */
        fd = weft__tracker_ensure(fd);
        if (fd >= 0 && weft__tracker_send(fd, '+', path, len) == 0)
            return WEFT_OK;
    }
    return weft__fail_os(errno, "%s: cannot register %s with the shared memory tracker", fn, path);
}

void weft__shm_untrack(const char *path)
{
    int fd = atomic_load(&weft__tracker_wfd);
    size_t len = strlen(path);
    if (fd >= 0 && len <= WEFT__SHM_NAME_MAX)
        (void)weft__tracker_send(fd, '-', path, len);
}
