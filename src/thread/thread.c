/* The thread object: create, start, join, and what a weft thread does from
 * its first instruction to its last. */
#include "thread/thread_internal.h"
#include "os/os.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Thread_local weft_thread *weft__current;
_Thread_local bool weft__in_target;

/* A weft thread is joinable, so that the first join waits until its OS
 * thread is gone and its stack is back in the C library's cache (starting
 * threads in a loop then reuses stacks instead of mapping new ones). Whoever
 * comes first reaps it: the first successful join joins it, the last
 * reference detaches it if no join did. */
static void weft__thread_reap(weft_thread *t, bool join)
{
    if (t->kind != WEFT__KIND_THREAD || atomic_load_explicit(&t->ident, memory_order_acquire) == 0 ||
        t->fork_gen != weft__fork_generation())
        return;
    bool no = false;
    if (!atomic_compare_exchange_strong(&t->reaped, &no, true))
        return;
    pthread_t th = (pthread_t)(uintptr_t)atomic_load(&t->ident);
    if (join)
        (void)pthread_join(th, NULL);
    else
        (void)pthread_detach(th);
}

static void weft__thread_destroy(void *obj)
{
    weft_thread *t = obj;
    weft__thread_reap(t, false);
    /* A thread that never ran still owns its argument. */
    weft__callable_release(&t->call);
    if (!t->name_static)
        free(t->name);
    pthread_mutex_destroy(&t->mu);
}

const weft__type weft__thread_type = { "thread", weft__thread_destroy };

static atomic_ulong weft__thread_counter;

unsigned long weft__thread_counter_next(void)
{
    return atomic_fetch_add_explicit(&weft__thread_counter, 1, memory_order_relaxed) + 1;
}

/* Python names a thread "Thread-N (target)"; the C target's name is what the
 * dynamic linker knows for the function pointer, when it knows one. */
static char *weft__default_name(weft_fn fn)
{
    unsigned long n = weft__thread_counter_next();
    const char *sym = NULL;
    Dl_info info;
    if (fn != NULL && dladdr((void *)(uintptr_t)fn, &info) != 0 && info.dli_sname != NULL &&
        info.dli_saddr == (void *)(uintptr_t)fn)
        sym = info.dli_sname;
    char buf[256];
    if (sym != NULL)
        snprintf(buf, sizeof buf, "Thread-%lu (%s)", n, sym);
    else
        snprintf(buf, sizeof buf, "Thread-%lu", n);
    return weft__strdup(buf);
}


/* Python: a new thread inherits the creating thread's daemon flag; the main
 * thread is not a daemon, dummy (foreign) threads are. */
static bool weft__inherited_daemon(void)
{
    weft_thread *cur = weft__current;
    if (cur != NULL) {
        pthread_mutex_lock(&cur->mu);
        bool d = cur->daemon;
        pthread_mutex_unlock(&cur->mu);
        return d;
    }
    return !weft__os_is_main_thread();
}

weft_status weft__thread_create(weft_thread **out, const char *name, weft_fn name_fn, weft_fn fn, void *arg,
                                weft_free_fn free_arg, const char *what)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "%s: out is NULL", what);
    if (fn == NULL)
        return weft__fail(WEFT_EINVAL, "%s: fn is NULL", what);
    char *copy = name != NULL ? weft__strdup(name) : weft__default_name(name_fn);
    if (copy == NULL)
        return WEFT_NOMEM;
    weft_thread *t = weft__obj_new(&weft__thread_type, sizeof *t);
    if (t == NULL) {
        free(copy);
        return WEFT_NOMEM;
    }
    t->kind = WEFT__KIND_THREAD;
    atomic_init(&t->state, WEFT__T_NEW);
    atomic_init(&t->native_ready, 0);
    atomic_init(&t->ident, 0);
    atomic_init(&t->reaped, false);
    atomic_init(&t->native_id, 0);
    atomic_init(&t->any_pending, false);
    pthread_mutex_init(&t->mu, NULL);
    t->name = copy;
    t->daemon = weft__inherited_daemon();
    t->call = (weft__callable){ fn, arg, free_arg };
    *out = t;
    return WEFT_OK;
}

weft_status weft_thread_new(weft_thread **out, const char *name, weft_fn fn, void *arg, weft_free_fn free_arg)
{
    WEFT__OUT(out);
    weft_thread *t;
    weft_status st = weft__thread_create(&t, name, fn, fn, arg, free_arg, __func__);
    if (st == WEFT_OK)
        *out = weft__handle(t);
    return st;
}

weft_status weft_thread_free(weft_thread *t)
{
    WEFT__FREE(t, weft__thread_type);
}

void weft_thread_list_free(weft_thread **list, size_t n)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        weft_thread *t = weft__live(list[i], &weft__thread_type);
        if (t != NULL)
            (void)weft__unref_caller(t);
    }
    free(list);
}

/* Wakers and parkers both use sequentially consistent operations, so either
 * the waker sees the parker's count or the parker sees the new value. */
int weft__thread_park(weft_thread *t, atomic_uint *word, unsigned expected, const weft__deadline *d)
{
    atomic_fetch_add(&t->parked, 1);
    int rc = 0;
    if (atomic_load(word) == expected)
        rc = weft__park(word, expected, d);
    atomic_fetch_sub(&t->parked, 1);
    return rc;
}

void weft__thread_publish(weft_thread *t, atomic_uint *word, unsigned value)
{
    atomic_store(word, value);
    if (atomic_load(&t->parked) != 0)
        weft__unpark(word, INT32_MAX);
}

/* ---- the thread's own life ------------------------------------------------ */

typedef struct weft__run {
    weft_thread *t;
    weft_outcome outcome;
    bool exited; /* left through weft_threading_exit() */
} weft__run;

/* The OS keeps what it can of the name (15 bytes on Linux); under the lock
 * because another thread may rename this one meanwhile. */
static void weft__set_os_name(weft_thread *t)
{
    pthread_mutex_lock(&t->mu);
    weft__os_thread_set_name(t->name);
    pthread_mutex_unlock(&t->mu);
}

/* Everything after the target, in Python's order: the target's arguments
 * are dropped, the failure goes to the excepthook; then what bindings need
 * torn down last (thread-local values, END hooks); joiners wake at the very
 * end. Runs on return and on weft_threading_exit() (a cleanup handler). */
static void weft__thread_finish(void *p)
{
    weft__run *run = p;
    weft_thread *t = run->t;
    weft__in_target = false;
    weft__callable_release(&t->call);
    if (!run->exited && run->outcome.status != WEFT_OK)
        weft__excepthook_call(t, &run->outcome);
    weft__outcome_clear(&run->outcome);
    weft__locals_thread_exit();
    weft__hooks_end(t);
    weft__registry_lock();
    weft__registry_remove_locked(t);
    weft__registry_unlock();
    weft__thread_publish(t, &t->state, WEFT__T_ENDED);
    weft__current = NULL;
    weft__unref(t);
}

static void *weft__thread_main(void *p)
{
    weft__run run = { .t = p, .exited = true };
    weft_thread *t = run.t;
    weft__current = t;
    atomic_store_explicit(&t->ident, (uint64_t)(uintptr_t)pthread_self(), memory_order_release);
    atomic_store_explicit(&t->native_id, weft__os_thread_native_id(), memory_order_relaxed);
    weft__thread_publish(t, &t->native_ready, 1);
    weft__set_os_name(t);
    weft__hooks_start(t);
    weft__outcome_init(&run.outcome);
    pthread_cleanup_push(weft__thread_finish, &run);
    weft__in_target = true;
    weft__outcome_run(&run.outcome, t->call.fn, t->call.arg);
    run.exited = false;
    pthread_cleanup_pop(1);
    return NULL;
}

weft_status weft_thread_start(weft_thread *t)
{
    WEFT__OPEN(t, weft__thread_type);
    if (t->kind != WEFT__KIND_THREAD)
        return weft__fail(WEFT_RUNTIME, "%s: the %s thread is already running", __func__,
                          t->kind == WEFT__KIND_MAIN ? "main" : "dummy");
    pthread_mutex_lock(&t->mu);
    if (atomic_load(&t->state) != WEFT__T_NEW) {
        pthread_mutex_unlock(&t->mu);
        return weft__fail(WEFT_RUNTIME, "%s: threads can only be started once", __func__);
    }
    t->fork_gen = weft__fork_generation();
    atomic_store(&t->state, WEFT__T_ALIVE);
    size_t stack = t->stack_size != 0 ? t->stack_size : weft__default_stack_size();
    pthread_mutex_unlock(&t->mu);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (stack != 0)
        (void)pthread_attr_setstacksize(&attr, stack); /* validated when set */

    weft__ref(t); /* the running thread's own reference */
    weft__registry_lock();
    weft__registry_add_locked(t);
    weft__registry_unlock();
    weft__registry_arm_atexit();

    pthread_t th;
    int rc = weft__os_thread_create(&th, &attr, weft__thread_main, t);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        weft__registry_lock();
        weft__registry_remove_locked(t);
        weft__registry_unlock();
        weft__thread_publish(t, &t->state, WEFT__T_NEW);
        weft__unpark(&t->native_ready, INT32_MAX);
        weft__unref(t);
        if (rc == EAGAIN)
            return weft__fail(WEFT_RUNTIME, "%s: can't start new thread (EAGAIN)", __func__);
        return weft__fail_errno(rc, "weft_thread_start: pthread_create");
    }
    atomic_store_explicit(&t->ident, (uint64_t)(uintptr_t)th, memory_order_relaxed);
    return WEFT_OK;
}

weft_status weft_thread_join(weft_thread *t, double timeout)
{
    WEFT__OPEN(t, weft__thread_type);
    weft_status st;
    if (t->kind == WEFT__KIND_DUMMY)
        return weft__fail(WEFT_RUNTIME, "%s: cannot join a dummy thread", __func__);
    if (atomic_load(&t->state) == WEFT__T_NEW)
        return weft__fail(WEFT_RUNTIME, "%s: cannot join thread before it is started", __func__);
    if (weft__current == t || (t->kind == WEFT__KIND_MAIN && weft__os_is_main_thread()))
        return weft__fail(WEFT_RUNTIME, "%s: cannot join current thread", __func__);
    weft__deadline d;
    if ((st = weft__deadline_init(&d, timeout, "weft_thread_join: timeout")) != WEFT_OK)
        return st;
    for (;;) {
        unsigned s = atomic_load_explicit(&t->state, memory_order_acquire);
        if (s == WEFT__T_ENDED) {
            weft__thread_reap(t, true);
            return WEFT_OK;
        }
        if (s == WEFT__T_NEW)
            return weft__fail(WEFT_RUNTIME, "%s: the thread failed to start", __func__);
        if (d.forever && !weft__interruptible && t->kind == WEFT__KIND_THREAD && t->fork_gen == weft__fork_generation() &&
            atomic_load(&t->ident) != 0 && !atomic_load(&t->reaped)) {
            /* Waiting for good: the OS join is the cheapest wait, one wake-up. */
            weft__thread_reap(t, true);
            continue;
        }
        if (weft__thread_park(t, &t->state, s, &d) == ETIMEDOUT) {
            if (atomic_load_explicit(&t->state, memory_order_acquire) == WEFT__T_ENDED) {
                weft__thread_reap(t, true);
                return WEFT_OK;
            }
            return WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: thread still alive after %g s", __func__, timeout);
        }
    }
}

/* ---- attributes ------------------------------------------------------------ */

weft_status weft_thread_name(weft_thread *t, char **name)
{
    WEFT__OPEN(t, weft__thread_type);
    WEFT__OUT(name);
    pthread_mutex_lock(&t->mu);
    char *copy = weft__strdup(t->name);
    pthread_mutex_unlock(&t->mu);
    if (copy == NULL)
        return WEFT_NOMEM;
    *name = copy;
    return WEFT_OK;
}

weft_status weft_thread_set_name(weft_thread *t, const char *name)
{
    WEFT__OPEN(t, weft__thread_type);
    WEFT__OUT(name);
    char *copy = weft__strdup(name);
    if (copy == NULL)
        return WEFT_NOMEM;
    pthread_mutex_lock(&t->mu);
    char *old = t->name_static ? NULL : t->name;
    t->name = copy;
    t->name_static = false;
    pthread_mutex_unlock(&t->mu);
    free(old);
    return WEFT_OK;
}

weft_status weft_thread_ident(weft_thread *t, uint64_t *ident)
{
    WEFT__OPEN(t, weft__thread_type);
    WEFT__OUT(ident);
    if (atomic_load(&t->state) == WEFT__T_NEW) {
        *ident = 0;
        return WEFT_OK;
    }
    /* Between start and the parent's store the thread may not have
     * published it yet: its own store happens first thing. */
    uint64_t v = atomic_load_explicit(&t->ident, memory_order_relaxed);
    while (v == 0 && atomic_load(&t->state) != WEFT__T_NEW) {
        (void)weft__thread_park(t, &t->native_ready, 0, NULL);
        v = atomic_load_explicit(&t->ident, memory_order_relaxed);
    }
    *ident = v;
    return WEFT_OK;
}

weft_status weft_thread_native_id(weft_thread *t, uint64_t *id)
{
    WEFT__OPEN(t, weft__thread_type);
    WEFT__OUT(id);
    for (;;) {
        if (atomic_load_explicit(&t->native_ready, memory_order_acquire) != 0) {
            *id = atomic_load_explicit(&t->native_id, memory_order_relaxed);
            return WEFT_OK;
        }
        if (atomic_load(&t->state) == WEFT__T_NEW) {
            *id = 0;
            return WEFT_OK;
        }
        (void)weft__thread_park(t, &t->native_ready, 0, NULL);
    }
}

weft_status weft_thread_is_alive(weft_thread *t, int *alive)
{
    WEFT__OPEN(t, weft__thread_type);
    WEFT__OUT(alive);
    *alive = atomic_load_explicit(&t->state, memory_order_acquire) == WEFT__T_ALIVE;
    return WEFT_OK;
}

weft_status weft_thread_daemon(weft_thread *t, int *daemon)
{
    WEFT__OPEN(t, weft__thread_type);
    WEFT__OUT(daemon);
    pthread_mutex_lock(&t->mu);
    *daemon = t->daemon;
    pthread_mutex_unlock(&t->mu);
    return WEFT_OK;
}

weft_status weft_thread_set_daemon(weft_thread *t, int daemon)
{
    WEFT__OPEN(t, weft__thread_type);
    pthread_mutex_lock(&t->mu);
    if (t->kind != WEFT__KIND_THREAD || atomic_load(&t->state) != WEFT__T_NEW) {
        pthread_mutex_unlock(&t->mu);
        return weft__fail(WEFT_RUNTIME, "%s: cannot set daemon status of active thread", __func__);
    }
    t->daemon = daemon != 0;
    pthread_mutex_unlock(&t->mu);
    return WEFT_OK;
}

weft_status weft_thread_set_stack_size(weft_thread *t, size_t size)
{
    WEFT__OPEN(t, weft__thread_type);
    weft_status st;
    if ((st = weft__check_stack_size(size, "weft_thread_set_stack_size")) != WEFT_OK)
        return st;
    pthread_mutex_lock(&t->mu);
    if (t->kind != WEFT__KIND_THREAD || atomic_load(&t->state) != WEFT__T_NEW) {
        pthread_mutex_unlock(&t->mu);
        return weft__fail(WEFT_RUNTIME, "%s: the thread was already started", __func__);
    }
    t->stack_size = size;
    pthread_mutex_unlock(&t->mu);
    return WEFT_OK;
}
