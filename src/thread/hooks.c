/* Thread START/END hooks (the C form of settrace/setprofile) and the
 * excepthook. */
#include "thread/thread_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Lock order: hooks, then registry. */
static pthread_mutex_t weft__hooks_mu = PTHREAD_MUTEX_INITIALIZER;
static weft__hook weft__installed[WEFT__HOOK_KINDS];
static weft_excepthook_fn weft__except_fn;
static void *weft__except_arg;

static void weft__hook_call(const weft__hook *h, weft_thread *t, int event)
{
    if (h->fn != NULL)
        h->fn(h->arg, weft__handle(t), event);
}

void weft__hooks_start(weft_thread *t)
{
    pthread_mutex_lock(&weft__hooks_mu);
    weft__registry_lock();
    /* The hooks in force now are newer than anything pending. */
    for (int k = 0; k < WEFT__HOOK_KINDS; k++) {
        t->attached[k] = weft__installed[k];
        t->has_pending[k] = false;
    }
    atomic_store(&t->any_pending, false);
    weft__registry_unlock();
    pthread_mutex_unlock(&weft__hooks_mu);
    for (int k = 0; k < WEFT__HOOK_KINDS; k++)
        weft__hook_call(&t->attached[k], t, WEFT_THREAD_START);
}

/* Swaps in the hooks the *_all_threads setters left for `t`. */
static void weft__hooks_deliver(weft_thread *t)
{
    if (!atomic_load(&t->any_pending))
        return;
    weft__hook pending[WEFT__HOOK_KINDS];
    bool has[WEFT__HOOK_KINDS];
    weft__registry_lock();
    for (int k = 0; k < WEFT__HOOK_KINDS; k++) {
        pending[k] = t->pending[k];
        has[k] = t->has_pending[k];
        t->has_pending[k] = false;
    }
    atomic_store(&t->any_pending, false);
    weft__registry_unlock();
    for (int k = 0; k < WEFT__HOOK_KINDS; k++) {
        if (!has[k] || (pending[k].fn == t->attached[k].fn && pending[k].arg == t->attached[k].arg))
            continue;
        weft__hook old = t->attached[k];
        t->attached[k] = pending[k];
        weft__hook_call(&old, t, WEFT_THREAD_END);
        weft__hook_call(&t->attached[k], t, WEFT_THREAD_START);
    }
}

void weft__hooks_end(weft_thread *t)
{
    weft__hooks_deliver(t);
    for (int k = WEFT__HOOK_KINDS - 1; k >= 0; k--) {
        weft__hook h = t->attached[k];
        t->attached[k] = (weft__hook){ NULL, NULL };
        weft__hook_call(&h, t, WEFT_THREAD_END);
    }
}

void weft_threading_deliver_hooks(void)
{
    weft_thread *t = weft__current;
    if (t != NULL && t->kind == WEFT__KIND_THREAD)
        weft__hooks_deliver(t);
}

static void weft__hook_set(int kind, weft_thread_hook_fn fn, void *arg)
{
    pthread_mutex_lock(&weft__hooks_mu);
    weft__installed[kind] = (weft__hook){ fn, arg };
    pthread_mutex_unlock(&weft__hooks_mu);
}

typedef struct weft__pending_ctx {
    int kind;
    weft__hook hook;
} weft__pending_ctx;

static void weft__mark_pending(weft_thread *t, void *p)
{
    const weft__pending_ctx *c = p;
    if (t->kind != WEFT__KIND_THREAD)
        return;
    t->pending[c->kind] = c->hook;
    t->has_pending[c->kind] = true;
    atomic_store(&t->any_pending, true);
}

static void weft__hook_set_all(int kind, weft_thread_hook_fn fn, void *arg)
{
    weft__pending_ctx c = { kind, { fn, arg } };
    pthread_mutex_lock(&weft__hooks_mu);
    weft__installed[kind] = c.hook;
    weft__registry_lock();
    weft__registry_each_locked(weft__mark_pending, &c);
    weft__registry_unlock();
    pthread_mutex_unlock(&weft__hooks_mu);
    /* The call is itself a hook point of the calling thread, as Python's
     * version also sets the hook of the calling thread at once. */
    if (weft__in_target)
        weft_threading_deliver_hooks();
}

static void weft__hook_get(int kind, weft_thread_hook_fn *fn, void **arg)
{
    pthread_mutex_lock(&weft__hooks_mu);
    weft__hook h = weft__installed[kind];
    pthread_mutex_unlock(&weft__hooks_mu);
    if (fn != NULL)
        *fn = h.fn;
    if (arg != NULL)
        *arg = h.arg;
}

void weft_threading_settrace(weft_thread_hook_fn fn, void *arg)
{
    weft__hook_set(WEFT__HOOK_TRACE, fn, arg);
}

void weft_threading_setprofile(weft_thread_hook_fn fn, void *arg)
{
    weft__hook_set(WEFT__HOOK_PROFILE, fn, arg);
}

void weft_threading_settrace_all_threads(weft_thread_hook_fn fn, void *arg)
{
    weft__hook_set_all(WEFT__HOOK_TRACE, fn, arg);
}

void weft_threading_setprofile_all_threads(weft_thread_hook_fn fn, void *arg)
{
    weft__hook_set_all(WEFT__HOOK_PROFILE, fn, arg);
}

void weft_threading_gettrace(weft_thread_hook_fn *fn, void **arg)
{
    weft__hook_get(WEFT__HOOK_TRACE, fn, arg);
}

void weft_threading_getprofile(weft_thread_hook_fn *fn, void **arg)
{
    weft__hook_get(WEFT__HOOK_PROFILE, fn, arg);
}

/* ---- excepthook ------------------------------------------------------------ */

void weft_threading_set_excepthook(weft_excepthook_fn fn, void *arg)
{
    pthread_mutex_lock(&weft__hooks_mu);
    weft__except_fn = fn;
    weft__except_arg = fn != NULL ? arg : NULL;
    pthread_mutex_unlock(&weft__hooks_mu);
}

void weft_threading_excepthook(weft_excepthook_fn *fn, void **arg)
{
    pthread_mutex_lock(&weft__hooks_mu);
    weft_excepthook_fn f = weft__except_fn;
    void *a = weft__except_arg;
    pthread_mutex_unlock(&weft__hooks_mu);
    if (f == NULL)
        f = weft_threading_default_excepthook;
    if (fn != NULL)
        *fn = f;
    if (arg != NULL)
        *arg = a;
}

void weft_threading_default_excepthook(void *arg, weft_thread *thread, weft_status status, const char *message,
                                       void *payload)
{
    (void)arg;
    (void)payload;
    char *name = NULL;
    if (thread != NULL && weft_thread_name(thread, &name) != WEFT_OK)
        name = NULL;
    flockfile(stderr);
    if (thread != NULL)
        fprintf(stderr, "Exception in thread %s:\n", name != NULL ? name : "?");
    fprintf(stderr, "%s: %s\n", weft_status_name(status), message != NULL ? message : weft_strerror(status));
    fflush(stderr);
    funlockfile(stderr);
    free(name);
}

/* Taken around fork (registry.c), before the registry's lock. */
void weft__hooks_lock(void)
{
    pthread_mutex_lock(&weft__hooks_mu);
}

void weft__hooks_unlock(void)
{
    pthread_mutex_unlock(&weft__hooks_mu);
}

void weft__excepthook_call(weft_thread *t, const weft_outcome *o)
{
    weft_excepthook_fn fn;
    void *arg;
    weft_threading_excepthook(&fn, &arg);
    fn(arg, weft__handle(t), o->status, o->message != NULL ? o->message : weft_strerror(o->status), o->payload);
}
