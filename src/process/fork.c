/* The fork start method, and the fork hygiene every start method relies on:
 * the fork lock (so that a descriptor meant for one child reaches no other),
 * the process's "alive" pipe (which children watch for its death), and the
 * after-fork reset of the module's state. */
#include "process/internal.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_rwlock_t weft__fork_rw;
static pthread_once_t weft__fork_once = PTHREAD_ONCE_INIT;
/* This thread holds the fork lock for writing around a fork of its own. */
static _Thread_local bool weft__forking;
/* This thread holds the fork lock for reading: a fork it makes meanwhile is
 * the child it is starting (vfork turned into fork, as sanitizers do), which
 * execs at once and keeps only the descriptors it is given. */
static _Thread_local unsigned weft__sharing;

/* Guarded by the fork lock (any mode) plus the module lock for changes. */
static int weft__alive[2] = { -1, -1 };
/* In a child that weft forked: the parent's alive pipe, inherited. */
static int weft__inherited_alive = -1;
/* The writing end of this process's own sentinel: never for its children. */
static int weft__own_sentinel = -1;

static void weft__fork_rw_init(void)
{
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
#ifdef PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
    /* A fork waits for the windows in progress, and new windows wait for it. */
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    pthread_rwlock_init(&weft__fork_rw, &a);
    pthread_rwlockattr_destroy(&a);
}

/* Every fork in the process: wait for the windows in which a child's
 * descriptor is open here, and hold the module's lock so the child finds it
 * free. */
static void weft__atfork_prepare(void)
{
    if (!weft__forking && weft__sharing == 0)
        pthread_rwlock_wrlock(&weft__fork_rw);
    weft__mp_lock();
}

static void weft__atfork_parent(void)
{
    weft__mp_unlock();
    if (!weft__forking && weft__sharing == 0)
        pthread_rwlock_unlock(&weft__fork_rw);
}

/* The child of any fork: it is not its parent. The parent's alive pipe
 * belongs to the parent (the child keeps the reading end only when weft
 * forked it, as its parent's sentinel), its sentinel writing end and its
 * forkserver are the parent's, and so are its children. Locks are made
 * anew: the writer's thread id in the copied lock is the parent's. */
static void weft__atfork_child(void)
{
    weft__mp_lock_reinit();
    weft__fork_rw_init();
    if (weft__sharing > 0)
        return; /* a child being started, about to exec with what it is given */
    weft__os_close(&weft__alive[1]);
    if (weft__forking)
        weft__inherited_alive = weft__alive[0];
    else
        weft__os_close(&weft__alive[0]);
    weft__alive[0] = -1;
    weft__os_close(&weft__own_sentinel);
    weft__forkserver_after_fork();
    weft__children_forget_after_fork();
}

static void weft__fork_init(void)
{
    weft__fork_rw_init();
    (void)pthread_atfork(weft__atfork_prepare, weft__atfork_parent, weft__atfork_child);
}

void weft__fork_lock_shared(void)
{
    pthread_once(&weft__fork_once, weft__fork_init);
    pthread_rwlock_rdlock(&weft__fork_rw);
    weft__sharing++;
}

void weft__fork_unlock_shared(void)
{
    weft__sharing--;
    pthread_rwlock_unlock(&weft__fork_rw);
}

int weft__alive_fd(void)
{
    weft__mp_lock();
    if (weft__alive[0] < 0) {
        int fds[2];
        if (weft__os_pipe(fds) != 0) {
            int e = errno;
            weft__mp_unlock();
            errno = e;
            return -1;
        }
        weft__alive[0] = fds[0];
        weft__alive[1] = fds[1];
    }
    int fd = weft__alive[0];
    weft__mp_unlock();
    return fd;
}

void weft__set_own_sentinel(int fd)
{
    weft__own_sentinel = fd;
}

bool weft__pdeathsig_usable(void)
{
    return (weft__os_features & WEFT__OS_PDEATHSIG) != 0 && weft__os_is_main_thread();
}

/* ---- watching the parent --------------------------------------------------------- */

typedef struct weft__watch {
    int fd;
    int sig;
} weft__watch;

static void *weft__watcher_main(void *arg)
{
    weft__watch w = *(weft__watch *)arg;
    free(arg);
    struct pollfd pfd = { .fd = w.fd, .events = POLLIN };
    while (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
    }
    if ((pfd.revents & POLLNVAL) == 0)
        kill(getpid(), w.sig);
    return NULL;
}

void weft__watch_parent(int alive_fd, int sig, pid_t pdeath_parent)
{
    if (pdeath_parent > 0) {
        if (weft__os_set_pdeathsig(sig) == 0) {
            if (getppid() != pdeath_parent)
                kill(getpid(), sig); /* it died before the request took effect */
            return;
        }
    }
    if (alive_fd < 0)
        return;
    weft__watch *w = malloc(sizeof *w);
    if (w == NULL)
        return;
    *w = (weft__watch){ alive_fd, sig };
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    /* Signals for the process go to its other threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    if (weft__os_thread_create(&t, &attr, weft__watcher_main, w) != 0)
        free(w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
}

/* ---- the fork start method ----------------------------------------------------------- */

/* Prints a failed target's status and message on standard error, as Python
 * prints the traceback of a failed run(). */
static void weft__report_failure(const char *name, weft_status st)
{
    fprintf(stderr, "Process %s:\n%s: %s\n", name, weft_status_name(st), weft_errmsg());
    fflush(stderr);
}

__attribute__((noreturn)) static void weft__fork_child(struct weft_process *p, int sentinel_w, pid_t parent,
                                                       char *parent_name, int sig, bool pdeath)
{
    int alive = weft__inherited_alive;
    weft__inherited_alive = -1;
    weft__watch_parent(alive, sig, pdeath ? parent : 0);
    weft__set_own_sentinel(sentinel_w);
    /* Standard input is not the child's to read, as in Python. */
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0 && devnull != 0) {
        dup2(devnull, 0);
        close(devnull);
    }
    pthread_mutex_init(&p->lock, NULL);
    weft_status st = weft__become_child(p, parent, parent_name, alive, WEFT__MP_FORK);
    free(parent_name);
    if (st == WEFT_OK)
        st = weft__target_run(p->target);
    int code = 0;
    if (st != WEFT_OK) {
        weft__report_failure(p->name, st);
        code = 1;
    }
    weft__exit_function();
    fflush(stdout);
    fflush(stderr);
    _exit(code);
}

weft_status weft__fork_start(struct weft_process *p, const char *fn)
{
    pthread_once(&weft__fork_once, weft__fork_init);
    weft_status st;
    char *parent_name = weft__current_name(&st, fn);
    if (parent_name == NULL)
        return st;
    bool pdeath = weft__pdeathsig_usable();
    pid_t parent = getpid();
    int sig = weft__death_signal(p->daemon);
    /* What stdio holds must not be written twice, by parent and child. */
    fflush(stdout);
    fflush(stderr);

    pthread_rwlock_wrlock(&weft__fork_rw);
    weft__forking = true;
    int sp[2] = { -1, -1 };
    pid_t pid = -1;
    int err = 0;
    if (weft__alive_fd() < 0 || weft__os_pipe(sp) != 0) {
        err = errno;
    } else {
        pid = fork();
        if (pid == 0) {
            weft__forking = false;
            close(sp[0]);
            weft__fork_child(p, sp[1], parent, parent_name, sig, pdeath);
        }
        err = errno;
        weft__os_close(&sp[1]);
    }
    weft__forking = false;
    pthread_rwlock_unlock(&weft__fork_rw);
    free(parent_name);
    if (pid < 0) {
        weft__os_close(&sp[0]);
        return weft__fail_os(err, "%s: cannot fork", fn);
    }
    weft__os_proc_attach(&p->proc, pid, false);
    pthread_mutex_lock(&p->lock);
    p->pid = pid;
    p->sentinel = sp[0];
    pthread_mutex_unlock(&p->lock);
    return WEFT_OK;
}
