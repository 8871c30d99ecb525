/* The watcher: one thread per process that learns when a process holding
 * something this process's threads sleep on dies, and wakes them.
 *
 * Each watched process is a record keyed by its identity (pid and start
 * time) with, where the system has them, a pidfd, which becomes readable
 * when the process exits: the watcher sleeps in poll() on those and on a
 * pipe that tells it the set changed, so on Linux nothing is polled. Where
 * pidfds are missing (the portable build, kernels before 5.3) the watcher
 * asks kill(pid, 0) and the start time of each watched process every
 * WEFT__MP_WATCH_PERIOD_MS instead, which bounds how late a death is seen.
 * poll() rather than epoll keeps one code path for both; the set is the
 * holders waited on right now, a handful.
 *
 * Records outlive their watches for a while (up to WEFT__MP_IDLE_MAX idle
 * ones), so a waiter that sleeps again on the same holder makes no system
 * call to register. */
#include "mpsync/internal.h"
#include "os/os.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define WEFT__MP_WATCH_PERIOD_MS 10
#define WEFT__MP_IDLE_MAX 64

typedef struct weft__mp_proc {
    struct weft__mp_proc *next;
    uint64_t holder;
    int fd;            /* pidfd, or -1: checked on the period */
    bool dead;
    unsigned users;    /* watches registered */
    weft__mp_watch watches; /* list head */
} weft__mp_proc;

static struct {
    pthread_mutex_t lock;
    weft__mp_proc *procs;
    size_t idle;
    int pipe[2];
    bool started;
    bool failed;       /* the thread could not be started */
} weft__mp_w = { .lock = PTHREAD_MUTEX_INITIALIZER, .pipe = { -1, -1 } };

bool weft__mp_alive(uint64_t holder)
{
    pid_t pid = (pid_t)(holder & WEFT__MP_PID_MASK);
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return false;
    char state;
    uint64_t start;
    if (weft__os_proc_stat(pid, &state, &start) != 0)
        return errno != ENOENT; /* no /proc: kill() said it exists */
    if (state == 'Z' || state == 'X' || state == 'x')
        return false; /* exited, not yet reaped */
    return (uint32_t)start == (uint32_t)(holder >> 32);
}

/* What a watch does once its process is found dead; the lock is held. */
static void weft__mp_watch_fire(weft__mp_watch *w)
{
    if (w->action == WEFT__MP_WATCH_LOCK) {
        weft__mp_lock_mark_died(w->target, w->holder);
    } else {
        atomic_fetch_or_explicit((atomic_uint *)w->target, w->flag, memory_order_seq_cst);
        weft__unpark_shared(w->target, INT32_MAX);
    }
}

static void weft__mp_proc_died(weft__mp_proc *p)
{
    p->dead = true;
    for (weft__mp_watch *w = p->watches.next; w != &p->watches; w = w->next)
        weft__mp_watch_fire(w);
    weft__os_close(&p->fd);
}

static void weft__mp_poke(void)
{
    char c = 0;
    ssize_t n;
    do
        n = write(weft__mp_w.pipe[1], &c, 1);
    while (n < 0 && errno == EINTR);
    /* EAGAIN: the pipe is full, so the watcher is due to look anyway. */
}

/* Drops records nobody uses that are dead or beyond the idle allowance. */
static void weft__mp_prune(void)
{
    for (weft__mp_proc **pp = &weft__mp_w.procs; *pp != NULL;) {
        weft__mp_proc *p = *pp;
        if (p->users == 0 && (p->dead || weft__mp_w.idle > WEFT__MP_IDLE_MAX)) {
            *pp = p->next;
            weft__mp_w.idle--;
            weft__os_close(&p->fd);
            free(p);
        } else {
            pp = &p->next;
        }
    }
}

static void *weft__mp_watcher_main(void *arg)
{
    (void)arg;
    struct pollfd *fds = NULL;
    uint64_t *holders = NULL;
    size_t cap = 0;
    for (;;) {
        pthread_mutex_lock(&weft__mp_w.lock);
        size_t n = 1;
        bool periodic = false;
        for (weft__mp_proc *p = weft__mp_w.procs; p != NULL; p = p->next)
            n++;
        if (n > cap) {
            struct pollfd *nf = realloc(fds, n * sizeof *fds);
            if (nf != NULL)
                fds = nf;
            uint64_t *nh = realloc(holders, n * sizeof *holders);
            if (nh != NULL)
                holders = nh;
            if (nf != NULL && nh != NULL)
                cap = n;
        }
        if (cap == 0) { /* no memory even for the pipe: look again shortly */
            pthread_mutex_unlock(&weft__mp_w.lock);
            poll(NULL, 0, WEFT__MP_WATCH_PERIOD_MS);
            continue;
        }
        size_t k = 0;
        fds[k++] = (struct pollfd){ .fd = weft__mp_w.pipe[0], .events = POLLIN };
        for (weft__mp_proc *p = weft__mp_w.procs; p != NULL && k < cap; p = p->next) {
            if (p->dead)
                continue;
            if (p->fd < 0) {
                periodic |= p->users != 0;
                continue;
            }
            holders[k] = p->holder;
            fds[k++] = (struct pollfd){ .fd = p->fd, .events = POLLIN };
        }
        /* Without room for every pidfd (out of memory), look on the period. */
        periodic |= k < n && n > cap;
        pthread_mutex_unlock(&weft__mp_w.lock);

        int r = poll(fds, (nfds_t)k, periodic ? WEFT__MP_WATCH_PERIOD_MS : -1);
        if (r < 0 && errno != EINTR)
            r = 0;
        if (fds[0].revents & POLLIN) {
            char buf[64];
            while (read(weft__mp_w.pipe[0], buf, sizeof buf) > 0)
                ;
        }

        pthread_mutex_lock(&weft__mp_w.lock);
        for (weft__mp_proc *p = weft__mp_w.procs; p != NULL; p = p->next) {
            if (p->dead)
                continue;
            bool check = false;
            if (p->fd < 0) {
                check = periodic && p->users != 0;
            } else {
                for (size_t i = 1; i < k; i++)
                    if (holders[i] == p->holder && fds[i].fd == p->fd && fds[i].revents != 0)
                        check = true;
            }
            /* A readable pidfd means the process exited; asking again guards
             * against a descriptor number reused since the poll set was made. */
            if (check && !weft__mp_alive(p->holder))
                weft__mp_proc_died(p);
        }
        weft__mp_prune();
        pthread_mutex_unlock(&weft__mp_w.lock);
    }
    return NULL;
}

/* Starts the watcher if it is not running; the lock is held. */
static bool weft__mp_watcher_start(void)
{
    if (weft__mp_w.started)
        return true;
    if (weft__mp_w.failed)
        return false;
    if (weft__mp_w.pipe[0] < 0) {
        if (weft__os_pipe(weft__mp_w.pipe) != 0)
            return false;
        (void)weft__os_set_nonblocking(weft__mp_w.pipe[0]);
        (void)weft__os_set_nonblocking(weft__mp_w.pipe[1]);
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    /* The watcher never takes a signal meant for the host's threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    int err = pthread_create(&t, &attr, weft__mp_watcher_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (err != 0)
        return false;
    weft__mp_w.started = true;
    return true;
}

/* In the child of fork the watcher thread is gone and the watches were
 * other threads': start afresh. */
static void weft__mp_watch_prepare(void)
{
    pthread_mutex_lock(&weft__mp_w.lock);
}

static void weft__mp_watch_parent(void)
{
    pthread_mutex_unlock(&weft__mp_w.lock);
}

static void weft__mp_watch_child(void)
{
    while (weft__mp_w.procs != NULL) {
        weft__mp_proc *p = weft__mp_w.procs;
        weft__mp_w.procs = p->next;
        weft__os_close(&p->fd);
        free(p);
    }
    weft__mp_w.idle = 0;
    weft__os_close(&weft__mp_w.pipe[0]);
    weft__os_close(&weft__mp_w.pipe[1]);
    weft__mp_w.started = false;
    weft__mp_w.failed = false;
    pthread_mutex_init(&weft__mp_w.lock, NULL);
}

static void weft__mp_watch_once(void)
{
    (void)pthread_atfork(weft__mp_watch_prepare, weft__mp_watch_parent, weft__mp_watch_child);
}

bool weft__mp_watch_begin(weft__mp_watch *w, uint64_t holder, int action, void *target, uint32_t flag)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, weft__mp_watch_once);
    w->action = action;
    w->target = target;
    w->flag = flag;
    w->holder = holder;
    w->proc = NULL;
    pthread_mutex_lock(&weft__mp_w.lock);
    weft__mp_proc *p = weft__mp_w.procs;
    while (p != NULL && p->holder != holder)
        p = p->next;
    if (p != NULL && p->dead) {
        pthread_mutex_unlock(&weft__mp_w.lock);
        return false;
    }
    if (p == NULL) {
        errno = 0; /* the portable pidfd_open fails without setting it */
        int fd = weft__os_pidfd_open((pid_t)(holder & WEFT__MP_PID_MASK));
        if ((fd < 0 && errno == ESRCH) || !weft__mp_alive(holder)) {
            weft__os_close(&fd);
            pthread_mutex_unlock(&weft__mp_w.lock);
            return false;
        }
        p = calloc(1, sizeof *p);
        if (p == NULL || !weft__mp_watcher_start()) {
            /* No record or no watcher: the waiter is not watched. It sleeps
             * in slices and asks weft__mp_alive itself (see the callers). */
            weft__mp_w.failed = p != NULL;
            free(p);
            weft__os_close(&fd);
            pthread_mutex_unlock(&weft__mp_w.lock);
            w->proc = NULL;
            return true;
        }
        p->holder = holder;
        p->fd = fd;
        p->watches.next = p->watches.prev = &p->watches;
        p->next = weft__mp_w.procs;
        weft__mp_w.procs = p;
        weft__mp_w.idle++; /* counted idle while it has no users */
        weft__mp_poke();
    }
    if (p->users++ == 0)
        weft__mp_w.idle--;
    w->proc = p;
    w->next = &p->watches;
    w->prev = p->watches.prev;
    w->prev->next = w;
    p->watches.prev = w;
    pthread_mutex_unlock(&weft__mp_w.lock);
    return true;
}

void weft__mp_watch_end(weft__mp_watch *w)
{
    weft__mp_proc *p = w->proc;
    if (p == NULL)
        return;
    pthread_mutex_lock(&weft__mp_w.lock);
    w->prev->next = w->next;
    w->next->prev = w->prev;
    if (--p->users == 0) {
        weft__mp_w.idle++;
        if (p->dead || weft__mp_w.idle > WEFT__MP_IDLE_MAX)
            weft__mp_poke(); /* the watcher prunes it and forgets its pidfd */
    }
    pthread_mutex_unlock(&weft__mp_w.lock);
    w->proc = NULL;
}
