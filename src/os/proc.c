/* A child's exit: waiting for it, reaping it and signalling it (see os.h
 * for how Linux and other systems differ). */
#include "os/os.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int weft__os_decode_status(int status)
{
    if (WIFSIGNALED(status))
        return -WTERMSIG(status);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return status;
}

void weft__os_proc_init(weft__os_proc *pr)
{
    pthread_mutex_init(&pr->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pr->cond, &ca);
    pthread_condattr_destroy(&ca);
    pr->pid = -1;
    pr->pidfd = -1;
    pr->returncode = WEFT_SUBPROCESS_RUNNING;
    pr->exited = pr->waiter = pr->kill_group = false;
}

void weft__os_proc_attach(weft__os_proc *pr, pid_t pid, bool kill_group)
{
    pr->pid = pid;
    pr->pidfd = weft__os_pidfd_open(pid);
    pr->kill_group = kill_group;
}

bool weft__os_proc_try_reap(weft__os_proc *p)
{
    if (p->returncode != WEFT_SUBPROCESS_RUNNING || p->pid < 0)
        return true;
    int status;
    pid_t r;
    do
        r = waitpid(p->pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == p->pid) {
        p->returncode = weft__os_decode_status(status);
        return true;
    }
    if (r < 0 && errno == ECHILD) {
        /* Reaped elsewhere (SIGCHLD ignored, or a stray waitpid(-1)): Python
         * reports 0 then too. */
        p->returncode = 0;
        return true;
    }
    return false;
}

/* ---- the fallback waiter thread ------------------------------------------- */

typedef struct weft__waiter {
    weft__os_proc *proc;
    void *owner;              /* holds a reference to the object embedding proc */
} weft__waiter;

static void *weft__waiter_main(void *arg)
{
    weft__waiter w = *(weft__waiter *)arg;
    free(arg);
    weft__os_proc *p = w.proc;
    siginfo_t info;
    while (waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
    pthread_mutex_lock(&p->lock);
    p->exited = true;
    p->waiter = false;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    weft__unref(w.owner);
    return NULL;
}

/* Starts the waiter if none runs; called with the lock held. */
static weft_status weft__start_waiter(weft__os_proc *p, void *owner, const char *fn)
{
    if (p->waiter || p->exited)
        return WEFT_OK;
    weft__waiter *w = malloc(sizeof *w);
    if (w == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    *w = (weft__waiter){ p, owner };
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    weft__ref(owner);
    pthread_t t;
    int err = weft__os_thread_create(&t, &attr, weft__waiter_main, w);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        free(w);
        weft__unref(owner);
        return weft__fail_errno(err, fn);
    }
    p->waiter = true;
    return WEFT_OK;
}

/* ---- wait ----------------------------------------------------------------- */

/* Waits for the child to exit (not reaped) until `d`; WEFT_TIMEOUT without
 * a message when it passed. */
static weft_status weft__wait_exit(weft__os_proc *p, void *owner, const weft__deadline *d, const char *fn)
{
    if (p->pidfd >= 0) {
        int r = weft__os_wait_readable(p->pidfd, d);
        if (r > 0)
            return WEFT_OK;
        if (r == 0)
            return WEFT_TIMEOUT;
        return weft__fail_os(errno, "%s: ppoll on the pidfd", fn);
    }
    pthread_mutex_lock(&p->lock);
    weft_status st = weft__start_waiter(p, owner, fn);
    while (st == WEFT_OK && !p->exited && p->returncode == WEFT_SUBPROCESS_RUNNING) {
        int err = d->forever ? pthread_cond_wait(&p->cond, &p->lock)
                             : pthread_cond_timedwait(&p->cond, &p->lock, &d->at);
        /* Condition variables are not interrupted by signals: without a
         * pidfd a child's wait runs its course. */
        if (err == ETIMEDOUT && !p->exited && p->returncode == WEFT_SUBPROCESS_RUNNING)
            st = WEFT_TIMEOUT;
    }
    pthread_mutex_unlock(&p->lock);
    return st;
}

weft_status weft__os_proc_wait(weft__os_proc *p, void *owner, const weft__deadline *d, int *returncode,
                               const char *fn)
{
    for (;;) {
        pthread_mutex_lock(&p->lock);
        bool done = weft__os_proc_try_reap(p);
        int rc = p->returncode;
        pthread_mutex_unlock(&p->lock);
        if (done) {
            if (returncode != NULL)
                *returncode = rc;
            return WEFT_OK;
        }
        if (d->once || weft__deadline_left_ns(d) == 0 || weft__interrupted)
            return WEFT__WAIT_FAILED(fn, WEFT_TIMEOUT, "%s: pid %d still running after the timeout", fn,
                                     (int)p->pid);
        weft_status st = weft__wait_exit(p, owner, d, fn);
        if (st == WEFT_TIMEOUT)
            continue; /* one last look, then the deadline check above */
        if (st != WEFT_OK)
            return st;
    }
}

/* ---- signals -------------------------------------------------------------- */

weft_status weft__os_proc_signal(weft__os_proc *p, int sig, const char *fn)
{
    if (sig < 0 || sig >= NSIG)
        return weft__fail(WEFT_EINVAL, "%s: %d is not a signal", fn, sig);
    weft_status st = WEFT_OK;
    pthread_mutex_lock(&p->lock);
    /* Under the lock nobody reaps, so the pid (and the group, which the
     * zombie leader keeps) cannot have been recycled. */
    if (!weft__os_proc_try_reap(p)) {
        int r;
        if (p->kill_group)
            r = killpg(p->pid, sig);
        else if (p->pidfd >= 0)
            r = weft__os_pidfd_signal(p->pidfd, sig);
        else
            r = kill(p->pid, sig);
        if (r != 0 && errno != ESRCH)
            st = weft__fail_os(errno, "%s: cannot signal pid %d", fn, (int)p->pid);
    }
    pthread_mutex_unlock(&p->lock);
    return st;
}

/* ---- reaping children whose Popen was freed -------------------------------- */

static pthread_mutex_t weft__pending_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t *weft__pending;
static size_t weft__npending, weft__cap_pending;
static atomic_bool weft__any_pending; /* lets weft__os_reap_pending skip the lock */

static void *weft__reaper_main(void *arg)
{
    pid_t pid = (pid_t)(intptr_t)arg;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return NULL;
}

static void weft__reap_later(pid_t pid)
{
    {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 64 * 1024);
        pthread_t t;
        int err = weft__os_thread_create(&t, &attr, weft__reaper_main, (void *)(intptr_t)pid);
        pthread_attr_destroy(&attr);
        if (err == 0)
            return;
    }
    /* No thread: remember it and reap at the next spawn, as
     * Python's _cleanup() does. */
    pthread_mutex_lock(&weft__pending_lock);
    if (weft__npending == weft__cap_pending) {
        size_t cap = weft__cap_pending ? weft__cap_pending * 2 : 16;
        pid_t *grown = realloc(weft__pending, cap * sizeof *grown);
        if (grown != NULL) {
            weft__pending = grown;
            weft__cap_pending = cap;
        }
    }
    if (weft__npending < weft__cap_pending)
        weft__pending[weft__npending++] = pid;
    atomic_store(&weft__any_pending, weft__npending > 0);
    pthread_mutex_unlock(&weft__pending_lock);
}

void weft__os_reap_pending(void)
{
    if (!atomic_load_explicit(&weft__any_pending, memory_order_relaxed))
        return;
    pthread_mutex_lock(&weft__pending_lock);
    for (size_t i = 0; i < weft__npending;) {
        int status;
        pid_t r = waitpid(weft__pending[i], &status, WNOHANG);
        if (r == weft__pending[i] || (r < 0 && errno == ECHILD))
            weft__pending[i] = weft__pending[--weft__npending];
        else
            i++;
    }
    atomic_store(&weft__any_pending, weft__npending > 0);
    pthread_mutex_unlock(&weft__pending_lock);
}

void weft__os_proc_release(weft__os_proc *pr)
{
    pthread_mutex_lock(&pr->lock);
    bool done = weft__os_proc_try_reap(pr);
    pthread_mutex_unlock(&pr->lock);
    if (!done)
        weft__reap_later(pr->pid);
    weft__os_close(&pr->pidfd);
    pthread_mutex_destroy(&pr->lock);
    pthread_cond_destroy(&pr->cond);
}
