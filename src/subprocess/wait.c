/* Waiting for the child and signalling it.
 *
 * Linux (5.3+): the child's pidfd becomes readable when it exits, so a timed
 * wait is ppoll() on it, then waitpid(WNOHANG) under the Popen's lock.
 * Elsewhere (or without pidfd): the first blocking wait starts a helper
 * thread that sleeps in waitid(WEXITED | WNOWAIT), which does not reap, and
 * announces the exit on a condition variable; waiters sleep on it with a
 * monotonic deadline. No SIGCHLD handler and no sleep loop either way. The
 * lock is never held while blocking, so poll() never waits for wait(). */
#include "subprocess/internal.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int weft__decode_status(int status)
{
    if (WIFSIGNALED(status))
        return -WTERMSIG(status);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return status;
}

bool weft__popen_try_reap(weft_popen *p)
{
    if (p->returncode != WEFT_SUBPROCESS_RUNNING || p->pid < 0)
        return true;
    int status;
    pid_t r;
    do
        r = waitpid(p->pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == p->pid) {
        p->returncode = weft__decode_status(status);
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

weft_status weft_popen_poll(weft_popen *p, int *returncode)
{
    weft_status st = weft__check(p, &weft__popen_type, "weft_popen_poll");
    if (st != WEFT_OK)
        return st;
    if (returncode == NULL)
        return weft__fail(WEFT_EINVAL, "weft_popen_poll: returncode is NULL");
    pthread_mutex_lock(&p->lock);
    weft__popen_try_reap(p);
    *returncode = p->returncode;
    pthread_mutex_unlock(&p->lock);
    return WEFT_OK;
}

/* ---- the fallback waiter thread ------------------------------------------- */

static void *waiter_main(void *arg)
{
    weft_popen *p = arg;
    siginfo_t info;
    while (waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
    pthread_mutex_lock(&p->lock);
    p->exited = true;
    p->waiter = false;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    weft__unref(p);
    return NULL;
}

/* Starts the waiter if none runs; called with the lock held. */
static weft_status start_waiter(weft_popen *p)
{
    if (p->waiter || p->exited)
        return WEFT_OK;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    weft__ref(p);
    pthread_t t;
    int err = pthread_create(&t, &attr, waiter_main, p);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        weft__unref(p);
        return weft__fail_errno(err, "weft_popen_wait: cannot start the waiter thread");
    }
    p->waiter = true;
    return WEFT_OK;
}

/* ---- wait ----------------------------------------------------------------- */

/* Waits for the child to exit (not reaped) until `d`; returns false on timeout. */
static weft_status wait_exit(weft_popen *p, const weft__deadline *d, const char *fn)
{
    if (p->pidfd >= 0) {
        for (;;) {
            struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
            struct timespec ts, *tsp = NULL;
            if (!d->forever) {
                int64_t left = weft__deadline_left_ns(d);
                ts.tv_sec = (time_t)(left / 1000000000);
                ts.tv_nsec = (long)(left % 1000000000);
                tsp = &ts;
            }
            int r = ppoll(&pfd, 1, tsp, NULL);
            if (r > 0)
                return WEFT_OK;
            if (r == 0)
                return WEFT_TIMEOUT;
            if (errno != EINTR)
                return weft__fail_os(errno, "%s: ppoll on the pidfd", fn);
        }
    }
    pthread_mutex_lock(&p->lock);
    weft_status st = start_waiter(p);
    while (st == WEFT_OK && !p->exited && p->returncode == WEFT_SUBPROCESS_RUNNING) {
        int err = d->forever ? pthread_cond_wait(&p->cond, &p->lock)
                             : pthread_cond_timedwait(&p->cond, &p->lock, &d->at);
        if (err == ETIMEDOUT && !p->exited && p->returncode == WEFT_SUBPROCESS_RUNNING)
            st = WEFT_TIMEOUT;
    }
    pthread_mutex_unlock(&p->lock);
    return st;
}

weft_status weft__popen_wait(weft_popen *p, const weft__deadline *d, int *returncode, const char *fn)
{
    for (;;) {
        pthread_mutex_lock(&p->lock);
        bool done = weft__popen_try_reap(p);
        int rc = p->returncode;
        pthread_mutex_unlock(&p->lock);
        if (done) {
            if (returncode != NULL)
                *returncode = rc;
            return WEFT_OK;
        }
        if (d->once || weft__deadline_left_ns(d) == 0)
            return weft__fail(WEFT_TIMEOUT, "%s: pid %d still running after the timeout", fn, (int)p->pid);
        weft_status st = wait_exit(p, d, fn);
        if (st == WEFT_TIMEOUT)
            continue; /* one last look, then the deadline check above */
        if (st != WEFT_OK)
            return st;
    }
}

weft_status weft_popen_wait(weft_popen *p, double timeout, int *returncode)
{
    weft_status st = weft__check(p, &weft__popen_type, "weft_popen_wait");
    if (st != WEFT_OK)
        return st;
    weft__deadline d;
    if ((st = weft__deadline_init(&d, timeout, "weft_popen_wait")) != WEFT_OK)
        return st;
    return weft__popen_wait(p, &d, returncode, "weft_popen_wait");
}

/* ---- signals -------------------------------------------------------------- */

weft_status weft__popen_signal(weft_popen *p, int sig, const char *fn)
{
    if (sig < 0 || sig >= NSIG)
        return weft__fail(WEFT_EINVAL, "%s: %d is not a signal", fn, sig);
    weft_status st = WEFT_OK;
    pthread_mutex_lock(&p->lock);
    /* Under the lock nobody reaps, so the pid (and the group, which the
     * zombie leader keeps) cannot have been recycled. */
    if (!weft__popen_try_reap(p)) {
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

weft_status weft_popen_send_signal(weft_popen *p, int sig)
{
    weft_status st = weft__check(p, &weft__popen_type, "weft_popen_send_signal");
    return st != WEFT_OK ? st : weft__popen_signal(p, sig, "weft_popen_send_signal");
}

weft_status weft_popen_terminate(weft_popen *p)
{
    weft_status st = weft__check(p, &weft__popen_type, "weft_popen_terminate");
    return st != WEFT_OK ? st : weft__popen_signal(p, SIGTERM, "weft_popen_terminate");
}

weft_status weft_popen_kill(weft_popen *p)
{
    weft_status st = weft__check(p, &weft__popen_type, "weft_popen_kill");
    return st != WEFT_OK ? st : weft__popen_signal(p, SIGKILL, "weft_popen_kill");
}

/* ---- reaping children whose Popen was freed -------------------------------- */

static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t *pending;
static size_t npending, cap_pending;
static atomic_bool any_pending; /* lets weft_popen_new skip the lock */

static void *reaper_main(void *arg)
{
    pid_t pid = (pid_t)(intptr_t)arg;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return NULL;
}

void weft__reap_later(pid_t pid)
{
    {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 64 * 1024);
        pthread_t t;
        int err = pthread_create(&t, &attr, reaper_main, (void *)(intptr_t)pid);
        pthread_attr_destroy(&attr);
        if (err == 0)
            return;
    }
    /* No thread: remember it and reap at the next weft_popen_new, as
     * Python's _cleanup() does. */
    pthread_mutex_lock(&pending_lock);
    if (npending == cap_pending) {
        size_t cap = cap_pending ? cap_pending * 2 : 16;
        pid_t *grown = realloc(pending, cap * sizeof *grown);
        if (grown != NULL) {
            pending = grown;
            cap_pending = cap;
        }
    }
    if (npending < cap_pending)
        pending[npending++] = pid;
    atomic_store(&any_pending, npending > 0);
    pthread_mutex_unlock(&pending_lock);
}

void weft__reap_pending(void)
{
    if (!atomic_load_explicit(&any_pending, memory_order_relaxed))
        return;
    pthread_mutex_lock(&pending_lock);
    for (size_t i = 0; i < npending;) {
        int status;
        pid_t r = waitpid(pending[i], &status, WNOHANG);
        if (r == pending[i] || (r < 0 && errno == ECHILD))
            pending[i] = pending[--npending];
        else
            i++;
    }
    atomic_store(&any_pending, npending > 0);
    pthread_mutex_unlock(&pending_lock);
}
