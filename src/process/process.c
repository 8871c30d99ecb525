/* The Process object: construction, start (dispatching to the start
 * methods), join, is_alive, signals, close and the attributes. */
#include "process/internal.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void weft__process_destroy(void *obj)
{
    struct weft_process *p = obj;
    /* A PARENT's sentinel is its own descriptor too (the parent's alive pipe). */
    weft__os_close(&p->sentinel);
    weft__os_close(&p->fs_pidfd);
    weft__os_proc_release(&p->proc);
    pthread_mutex_destroy(&p->lock);
    free(p->name);
    free(p->identity);
    free(p->authkey);
    if (p->ctx != NULL)
        weft__unref(p->ctx);
    weft__target_release(p->target);
}

const weft__type weft__process_type = { "process", weft__process_destroy };

struct weft_process *weft__process_make(weft__pkind kind)
{
    struct weft_process *p = weft__obj_new(&weft__process_type, sizeof *p);
    if (p == NULL)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    weft__os_proc_init(&p->proc);
    p->kind = kind;
    p->sentinel = -1;
    p->fs_pidfd = -1;
    p->exitcode = WEFT_PROCESS_NO_EXITCODE;
    p->creator = getpid();
    return p;
}

weft_status weft_process_new(weft_process **out, const weft_process_opts *opts)
{
    WEFT__OUT(out);
    if (opts != NULL)
        WEFT__OPEN(opts, weft__process_opts_type);
    struct weft_process *p = weft__process_make(WEFT__PK_CHILD);
    if (p == NULL)
        return WEFT_NOMEM;
    char *default_name = NULL;
    weft_status st = weft__next_identity(&p->identity, &default_name, __func__);
    if (st != WEFT_OK)
        goto fail;
    if (opts != NULL && opts->name != NULL) {
        free(default_name);
        if ((p->name = weft__strdup(opts->name)) == NULL) {
            st = WEFT_NOMEM;
            goto fail;
        }
    } else {
        p->name = default_name;
    }
    weft__mp_lock();
    struct weft_process *cur;
    st = weft__current_locked(&cur);
    if (st == WEFT_OK) {
        p->daemon = opts != NULL && opts->daemon >= 0 ? opts->daemon != 0 : cur->daemon;
        p->authkey_len = cur->authkey_len;
        if (cur->authkey_len > 0 && (p->authkey = malloc(cur->authkey_len)) != NULL)
            memcpy(p->authkey, cur->authkey, cur->authkey_len);
    }
    weft__mp_unlock();
    if (st != WEFT_OK)
        goto fail;
    if (p->authkey_len > 0 && p->authkey == NULL) {
        st = weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        goto fail;
    }
    if (opts != NULL) {
        if ((p->ctx = opts->ctx) != NULL)
            weft__ref(p->ctx);
        if ((p->target = opts->target) != NULL)
            atomic_fetch_add_explicit(&p->target->refs, 1, memory_order_relaxed);
    }
    *out = weft__handle(p);
    return WEFT_OK;
fail:
    weft__unref(p);
    return st;
}

weft_status weft_process_free(weft_process *p)
{
    WEFT__FREE(p, weft__process_type);
}

/* ---- checks shared by the entry points --------------------------------------- */

static weft_status weft__check_closed(struct weft_process *p, const char *fn)
{
    if (p->closed)
        return weft__fail(WEFT_CLOSED, "%s: process object is closed", fn);
    return WEFT_OK;
}

/* The prologue of the calls that Python refuses on a closed process. */
#define WEFT__OPEN_UNCLOSED(p)                                                \
    do {                                                                      \
        WEFT__OPEN(p, weft__process_type);                                    \
        weft_status weft__closed_ = weft__check_closed(p, __func__);          \
        if (weft__closed_ != WEFT_OK)                                         \
            return weft__closed_;                                             \
    } while (0)

/* A child this process started (or may start). */
static weft_status weft__check_child(struct weft_process *p, const char *fn, const char *what)
{
    weft_status st = weft__check_closed(p, fn);
    if (st != WEFT_OK)
        return st;
    if (p->kind != WEFT__PK_CHILD || p->creator != getpid())
        return weft__fail(WEFT_RUNTIME, "%s: can only %s a child process", fn, what);
    return WEFT_OK;
}

static bool weft__started(struct weft_process *p)
{
    pthread_mutex_lock(&p->lock);
    bool s = p->state == WEFT__PS_STARTED;
    pthread_mutex_unlock(&p->lock);
    return s;
}

bool weft__process_poll(struct weft_process *p)
{
    bool done;
    if (p->method == WEFT__MP_FORKSERVER) {
        weft__deadline d = { .once = true };
        done = weft__forkserver_wait(p, &d, "poll") == WEFT_OK;
    } else {
        pthread_mutex_lock(&p->proc.lock);
        done = weft__os_proc_try_reap(&p->proc);
        pthread_mutex_unlock(&p->proc.lock);
    }
    if (done)
        weft__children_remove(p);
    return done;
}

/* ---- start, run ------------------------------------------------------------------- */

weft_status weft_process_start(weft_process *p)
{
    WEFT__OPEN_UNCLOSED(p);
    if (p->kind != WEFT__PK_CHILD)
        return weft__fail(WEFT_RUNTIME, "%s: cannot start a process twice", __func__);
    if (p->creator != getpid())
        return weft__fail(WEFT_RUNTIME, "%s: can only start a process object created by current process",
                          __func__);
    weft__mp_lock();
    struct weft_process *cur;
    weft_status st = weft__current_locked(&cur);
    bool daemonic = st == WEFT_OK && cur->daemon;
    weft__mp_unlock();
    if (st != WEFT_OK)
        return st;
    if (daemonic)
        return weft__fail(WEFT_RUNTIME, "%s: daemonic processes are not allowed to have children", __func__);

    pthread_mutex_lock(&p->lock);
    if (p->state != WEFT__PS_NEW) {
        pthread_mutex_unlock(&p->lock);
        return weft__fail(WEFT_RUNTIME, "%s: cannot start a process twice", __func__);
    }
    p->state = WEFT__PS_STARTING;
    pthread_mutex_unlock(&p->lock);

    weft__mp_method m = p->ctx != NULL ? p->ctx->method : weft__mp_default_method();
    weft__target *t = p->target;
    if (t != NULL && t->call.fn != NULL && m != WEFT__MP_FORK) {
        st = weft__fail(WEFT_EINVAL, "%s: a callable target needs the fork start method (%s runs native tasks)",
                        __func__, weft__mp_method_name(m));
    } else if (t != NULL && t->task != NULL) {
        st = weft_task_resolve(t->task);
    }
    if (st == WEFT_OK) {
        /* Python's _cleanup(): forget children that have ended. */
        size_t n;
        weft_process **kids;
        if (weft_multiprocessing_active_children(&kids, &n) == WEFT_OK)
            weft_process_list_free(kids, n);
        weft__os_reap_pending();
        p->method = m;
        switch (m) {
        case WEFT__MP_FORK: st = weft__fork_start(p, __func__); break;
        case WEFT__MP_SPAWN: st = weft__spawn_start(p, __func__); break;
        default: st = weft__forkserver_start(p, __func__); break;
        }
    }
    pthread_mutex_lock(&p->lock);
    p->state = st == WEFT_OK ? WEFT__PS_STARTED : WEFT__PS_NEW;
    pthread_mutex_unlock(&p->lock);
    if (st == WEFT_OK) {
        weft__children_add(p);
        weft__arm_exit_function();
    }
    return st;
}

weft_status weft_process_run(weft_process *p)
{
    WEFT__OPEN_UNCLOSED(p);
    return weft__target_run(p->target);
}

/* ---- join, is_alive ----------------------------------------------------------------- */

weft_status weft_process_join(weft_process *p, double timeout)
{
    WEFT__OPEN(p, weft__process_type);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    if ((st = weft__check_closed(p, __func__)) != WEFT_OK)
        return st;
    if (p->kind == WEFT__PK_PARENT) {
        int r = weft__os_wait_readable(p->sentinel, &d);
        if (r > 0)
            return WEFT_OK;
        if (r < 0)
            return weft__fail_os(errno, "%s: poll on the parent's sentinel", __func__);
        return WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: the parent process is still running", __func__);
    }
    if ((st = weft__check_child(p, __func__, "join")) != WEFT_OK)
        return st;
    if (!weft__started(p))
        return weft__fail(WEFT_RUNTIME, "%s: can only join a started process", __func__);
    if (p->method == WEFT__MP_FORKSERVER) {
        st = weft__forkserver_wait(p, &d, __func__);
        if (st == WEFT_TIMEOUT)
            st = WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: pid %d still running after the timeout", __func__,
                                   (int)p->pid);
    } else {
        st = weft__os_proc_wait(&p->proc, p, &d, NULL, __func__);
    }
    if (st == WEFT_OK)
        weft__children_remove(p);
    return st;
}

weft_status weft_process_is_alive(weft_process *p, int *alive)
{
    WEFT__OPEN_UNCLOSED(p);
    WEFT__OUT(alive);
    if (p->kind == WEFT__PK_SELF) {
        *alive = 1;
        return WEFT_OK;
    }
    if (p->kind == WEFT__PK_PARENT) {
        struct pollfd pfd = { .fd = p->sentinel, .events = POLLIN };
        *alive = poll(&pfd, 1, 0) == 0;
        return WEFT_OK;
    }
    weft_status st = weft__check_child(p, __func__, "test");
    if (st != WEFT_OK)
        return st;
    *alive = weft__started(p) && !weft__process_poll(p);
    return WEFT_OK;
}

/* ---- signals --------------------------------------------------------------------------- */

static weft_status weft__signal(struct weft_process *p, int sig, const char *fn)
{
    weft_status st = weft__check_child(p, fn, "signal");
    if (st != WEFT_OK)
        return st;
    if (!weft__started(p))
        return weft__fail(WEFT_RUNTIME, "%s: process not started", fn);
    if (p->method == WEFT__MP_FORKSERVER)
        return weft__forkserver_signal(p, sig, fn);
    return weft__os_proc_signal(&p->proc, sig, fn);
}

weft_status weft_process_terminate(weft_process *p)
{
    WEFT__OPEN(p, weft__process_type);
    return weft__signal(p, SIGTERM, __func__);
}

weft_status weft_process_kill(weft_process *p)
{
    WEFT__OPEN(p, weft__process_type);
    return weft__signal(p, SIGKILL, __func__);
}

/* ---- close, exitcode, pid -------------------------------------------------------------- */

weft_status weft_process_close(weft_process *p)
{
    WEFT__OPEN(p, weft__process_type);
    if (p->closed)
        return WEFT_OK;
    if (p->kind == WEFT__PK_CHILD && weft__started(p) && p->creator == getpid() && !weft__process_poll(p))
        return weft__fail(WEFT_EINVAL,
                          "%s: Cannot close a process while it is still running. You should first call join() "
                          "or terminate().",
                          __func__);
    pthread_mutex_lock(&p->lock);
    p->closed = true;
    if (p->kind == WEFT__PK_CHILD)
        weft__os_close(&p->sentinel);
    pthread_mutex_unlock(&p->lock);
    weft__children_remove(p);
    return WEFT_OK;
}

weft_status weft_process_exitcode(weft_process *p, int *code)
{
    WEFT__OPEN_UNCLOSED(p);
    WEFT__OUT(code);
    *code = WEFT_PROCESS_NO_EXITCODE;
    if (p->kind != WEFT__PK_CHILD || !weft__started(p))
        return WEFT_OK;
    if (p->creator == getpid())
        (void)weft__process_poll(p);
    if (p->method == WEFT__MP_FORKSERVER) {
        pthread_mutex_lock(&p->lock);
        *code = p->exitcode;
        pthread_mutex_unlock(&p->lock);
    } else {
        pthread_mutex_lock(&p->proc.lock);
        *code = p->proc.returncode;
        pthread_mutex_unlock(&p->proc.lock);
    }
    return WEFT_OK;
}

weft_status weft_process_pid(weft_process *p, int *pid)
{
    WEFT__OPEN_UNCLOSED(p);
    WEFT__OUT(pid);
    if (p->kind == WEFT__PK_SELF) {
        *pid = (int)getpid();
        return WEFT_OK;
    }
    pthread_mutex_lock(&p->lock);
    *pid = (int)p->pid;
    pthread_mutex_unlock(&p->lock);
    return WEFT_OK;
}

weft_status weft_process_ident(weft_process *p, int *ident)
{
    return weft_process_pid(p, ident);
}

weft_status weft_process_sentinel(weft_process *p, int *fd)
{
    WEFT__OPEN_UNCLOSED(p);
    WEFT__OUT(fd);
    pthread_mutex_lock(&p->lock);
    int s = p->kind == WEFT__PK_SELF || p->state != WEFT__PS_STARTED ? -1 : p->sentinel;
    pthread_mutex_unlock(&p->lock);
    if (s < 0)
        return weft__fail(WEFT_EINVAL, "%s: process not started", __func__);
    *fd = s;
    return WEFT_OK;
}

/* ---- name, daemon, authkey ---------------------------------------------------------- */

weft_status weft_process_name(weft_process *p, char **name)
{
    WEFT__OPEN(p, weft__process_type);
    WEFT__OUT(name);
    pthread_mutex_lock(&p->lock);
    char *copy = strdup(p->name);
    pthread_mutex_unlock(&p->lock);
    if (copy == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    *name = copy;
    return WEFT_OK;
}

weft_status weft_process_set_name(weft_process *p, const char *name)
{
    WEFT__OPEN(p, weft__process_type);
    WEFT__OUT(name);
    char *copy = weft__strdup(name);
    if (copy == NULL)
        return WEFT_NOMEM;
    pthread_mutex_lock(&p->lock);
    char *old = p->name;
    p->name = copy;
    pthread_mutex_unlock(&p->lock);
    free(old);
    return WEFT_OK;
}

weft_status weft_process_daemon(weft_process *p, int *daemon)
{
    WEFT__OPEN(p, weft__process_type);
    WEFT__OUT(daemon);
    pthread_mutex_lock(&p->lock);
    *daemon = p->daemon;
    pthread_mutex_unlock(&p->lock);
    return WEFT_OK;
}

weft_status weft_process_set_daemon(weft_process *p, int daemon)
{
    WEFT__OPEN(p, weft__process_type);
    if (p->kind == WEFT__PK_CHILD && p->creator != getpid())
        return weft__fail(WEFT_RUNTIME, "%s: not a child of this process", __func__);
    pthread_mutex_lock(&p->lock);
    if (p->kind == WEFT__PK_CHILD && p->state != WEFT__PS_NEW) {
        pthread_mutex_unlock(&p->lock);
        return weft__fail(WEFT_RUNTIME, "%s: process has already started", __func__);
    }
    p->daemon = daemon != 0;
    pthread_mutex_unlock(&p->lock);
    return WEFT_OK;
}

weft_status weft_process_authkey(weft_process *p, void **key, size_t *size)
{
    WEFT__OPEN(p, weft__process_type);
    WEFT__OUT(key);
    WEFT__OUT(size);
    pthread_mutex_lock(&p->lock);
    size_t n = p->authkey_len;
    void *copy = malloc(n > 0 ? n : 1);
    if (copy != NULL && n > 0)
        memcpy(copy, p->authkey, n);
    pthread_mutex_unlock(&p->lock);
    if (copy == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    *key = copy;
    *size = n;
    return WEFT_OK;
}

weft_status weft_process_set_authkey(weft_process *p, const void *key, size_t size)
{
    WEFT__OPEN(p, weft__process_type);
    if (size > 0 && key == NULL)
        return weft__fail(WEFT_EINVAL, "%s: key is NULL", __func__);
    unsigned char *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    if (size > 0)
        memcpy(copy, key, size);
    pthread_mutex_lock(&p->lock);
    unsigned char *old = p->authkey;
    p->authkey = copy;
    p->authkey_len = size;
    pthread_mutex_unlock(&p->lock);
    free(old);
    return WEFT_OK;
}
