/* The registry of alive threads: the main thread, dummy threads for foreign
 * threads, enumerate, and the shutdown that joins non-daemon threads. */
#include "thread/thread_internal.h"
#include "os/os.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t weft__registry_mu = PTHREAD_MUTEX_INITIALIZER;
static weft_thread *weft__registry_head, *weft__registry_tail;

void weft__registry_lock(void)
{
    pthread_mutex_lock(&weft__registry_mu);
}

void weft__registry_unlock(void)
{
    pthread_mutex_unlock(&weft__registry_mu);
}

void weft__registry_add_locked(weft_thread *t)
{
    if (t->listed)
        return;
    /* Appended, so that enumerate lists threads in the order they started,
     * the main thread first, as Python's does. */
    t->next = NULL;
    t->prev = weft__registry_tail;
    if (weft__registry_tail != NULL)
        weft__registry_tail->next = t;
    else
        weft__registry_head = t;
    weft__registry_tail = t;
    t->listed = true;
}

void weft__registry_remove_locked(weft_thread *t)
{
    if (!t->listed)
        return;
    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        weft__registry_head = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    else
        weft__registry_tail = t->prev;
    t->prev = t->next = NULL;
    t->listed = false;
}

void weft__registry_each_locked(void (*fn)(weft_thread *t, void *ctx), void *ctx)
{
    for (weft_thread *t = weft__registry_head; t != NULL; t = t->next)
        fn(t, ctx);
}


/* ---- the main thread ------------------------------------------------------- */

/* Made once and never freed: its counts start far from zero, so that even a
 * caller freeing it once too often can never destroy it, and its name is a
 * static string, so that naming the main thread can never fail. */
static weft_thread *weft__main_obj;
static pthread_once_t weft__main_once = PTHREAD_ONCE_INIT;

static void weft__main_init(void)
{
    weft_thread *m = weft__obj_new_immortal(&weft__thread_type, sizeof *m);
    if (m == NULL)
        abort(); /* no room for the first object of all: nothing can work */
    weft__main_obj = m;
    m->kind = WEFT__KIND_MAIN;
    atomic_init(&m->state, WEFT__T_ALIVE);
    atomic_init(&m->ident, 0);
    atomic_init(&m->native_id, (uint64_t)getpid());
    atomic_init(&m->native_ready, 1);
    atomic_init(&m->any_pending, false);
    pthread_mutex_init(&m->mu, NULL);
    m->name = (char *)"MainThread";
    m->name_static = true;
    m->daemon = false;
    weft__registry_lock();
    weft__registry_add_locked(m);
    weft__registry_unlock();
}

weft_thread *weft__main_thread(void)
{
    pthread_once(&weft__main_once, weft__main_init);
    return weft__main_obj;
}

/* The main thread's pthread_t is only known inside it: take it when the
 * library is loaded (usually by the main thread) or when the main thread
 * first asks for its own object. */
static void weft__main_adopt(void)
{
    weft_thread *m = weft__main_thread();
    atomic_store(&m->ident, (uint64_t)(uintptr_t)pthread_self());
    weft__current = m;
}

static void weft__atfork_prepare(void);
static void weft__atfork_parent(void);
static void weft__atfork_child(void);

__attribute__((constructor)) static void weft__registry_load(void)
{
    if (weft__os_is_main_thread())
        weft__main_adopt();
    pthread_atfork(weft__atfork_prepare, weft__atfork_parent, weft__atfork_child);
}

/* ---- dummy threads --------------------------------------------------------- */

static pthread_key_t weft__dummy_key;
static pthread_once_t weft__dummy_once = PTHREAD_ONCE_INIT;

/* The foreign thread ends: its dummy leaves the registry and is dead. */
static void weft__dummy_retire(void *p)
{
    weft_thread *d = p;
    weft__registry_lock();
    weft__registry_remove_locked(d);
    weft__registry_unlock();
    weft__thread_publish(d, &d->state, WEFT__T_ENDED);
    if (weft__current == d)
        weft__current = NULL;
    weft__unref(d);
}

static void weft__dummy_key_init(void)
{
    (void)pthread_key_create(&weft__dummy_key, weft__dummy_retire);
}

static weft_status weft__dummy_new(weft_thread **out)
{
    pthread_once(&weft__dummy_once, weft__dummy_key_init);
    char name[32];
    snprintf(name, sizeof name, "Dummy-%lu", weft__thread_counter_next());
    char *copy = weft__strdup(name);
    if (copy == NULL)
        return WEFT_NOMEM;
    weft_thread *d = weft__obj_new(&weft__thread_type, sizeof *d);
    if (d == NULL) {
        free(copy);
        return WEFT_NOMEM;
    }
    d->kind = WEFT__KIND_DUMMY;
    atomic_init(&d->state, WEFT__T_ALIVE);
    atomic_init(&d->ident, (uint64_t)(uintptr_t)pthread_self());
    atomic_init(&d->native_id, weft__os_thread_native_id());
    atomic_init(&d->native_ready, 1);
    atomic_init(&d->any_pending, false);
    pthread_mutex_init(&d->mu, NULL);
    d->name = copy;
    d->daemon = true;
    if (pthread_setspecific(weft__dummy_key, d) != 0) {
        weft__unref(d);
        return weft__fail(WEFT_NOMEM, "weft_threading_current_thread: no memory for a dummy thread");
    }
    /* The creation reference is the registry's, dropped when the OS thread
     * ends: the library's own, not a caller's. */
    weft__obj_disown(d);
    weft__registry_lock();
    weft__registry_add_locked(d);
    weft__registry_unlock();
    weft__current = d;
    *out = d;
    return WEFT_OK;
}

/* ---- module functions ------------------------------------------------------ */

weft_status weft_threading_current_thread(weft_thread **out)
{
    WEFT__OUT(out);
    weft_thread *t = weft__current;
    if (t == NULL) {
        if (weft__os_is_main_thread()) {
            weft__main_adopt();
            t = weft__current;
        } else {
            weft_status st = weft__dummy_new(&t);
            if (st != WEFT_OK)
                return st;
        }
    }
    weft__ref_caller(t);
    *out = weft__handle(t);
    return WEFT_OK;
}

weft_status weft_threading_main_thread(weft_thread **out)
{
    WEFT__OUT(out);
    weft_thread *m = weft__main_thread();
    if (weft__current == NULL && weft__os_is_main_thread())
        weft__main_adopt();
    weft__ref_caller(m);
    *out = weft__handle(m);
    return WEFT_OK;
}

weft_status weft_threading_enumerate(weft_thread ***out, size_t *n)
{
    if (out == NULL || n == NULL)
        return weft__fail(WEFT_EINVAL, "%s: %s is NULL", __func__, out == NULL ? "out" : "n");
    (void)weft__main_thread();
    weft__registry_lock();
    size_t count = 0;
    for (weft_thread *t = weft__registry_head; t != NULL; t = t->next)
        count++;
    weft_thread **list = malloc((count > 0 ? count : 1) * sizeof *list);
    if (list == NULL) {
        weft__registry_unlock();
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    }
    size_t i = 0;
    for (weft_thread *t = weft__registry_head; t != NULL; t = t->next) {
        weft__ref_caller(t);
        list[i++] = weft__handle(t);
    }
    weft__registry_unlock();
    *out = list;
    *n = count;
    return WEFT_OK;
}

size_t weft_threading_active_count(void)
{
    (void)weft__main_thread();
    weft__registry_lock();
    size_t count = 0;
    for (weft_thread *t = weft__registry_head; t != NULL; t = t->next)
        count++;
    weft__registry_unlock();
    return count;
}

/* ---- shutdown -------------------------------------------------------------- */

/* A started, non-daemon weft thread other than the caller, with a reference
 * taken; NULL when none is left. */
static weft_thread *weft__next_to_join(weft_thread *self)
{
    weft_thread *found = NULL;
    weft__registry_lock();
    for (weft_thread *t = weft__registry_head; t != NULL; t = t->next) {
        if (t == self || t->kind != WEFT__KIND_THREAD)
            continue;
        pthread_mutex_lock(&t->mu);
        bool daemon = t->daemon;
        pthread_mutex_unlock(&t->mu);
        if (!daemon) {
            weft__ref(t);
            found = t;
            break;
        }
    }
    weft__registry_unlock();
    return found;
}

typedef struct weft__exit_call {
    void (*fn)(void *arg);
    void *arg;
    struct weft__exit_call *next;
} weft__exit_call;

static pthread_mutex_t weft__exit_mu = PTHREAD_MUTEX_INITIALIZER;
static weft__exit_call *weft__exit_calls; /* newest first */

weft_status weft__threading_register_atexit(void (*fn)(void *arg), void *arg)
{
    weft__exit_call *c = malloc(sizeof *c);
    if (c == NULL)
        return weft__fail(WEFT_NOMEM, "threading atexit: out of memory");
    c->fn = fn;
    c->arg = arg;
    pthread_mutex_lock(&weft__exit_mu);
    c->next = weft__exit_calls;
    weft__exit_calls = c;
    pthread_mutex_unlock(&weft__exit_mu);
    return WEFT_OK;
}

/* Runs (and forgets) the calls registered so far, newest first; calls they
 * register run next. */
static void weft__run_exit_calls(void)
{
    for (;;) {
        pthread_mutex_lock(&weft__exit_mu);
        weft__exit_call *c = weft__exit_calls;
        if (c != NULL)
            weft__exit_calls = c->next;
        pthread_mutex_unlock(&weft__exit_mu);
        if (c == NULL)
            return;
        c->fn(c->arg);
        free(c);
    }
}

void weft_threading_shutdown(void)
{
    weft__run_exit_calls();
    weft_thread *self = weft__current;
    weft_thread *t;
    while ((t = weft__next_to_join(self)) != NULL) {
        /* A signal that interrupts the wait ends it for this thread, as an
         * exception raised in Python's shutdown would. */
        (void)weft_thread_join(weft__handle(t), -1);
        weft__unref(t);
    }
    if (weft__os_is_main_thread()) {
        weft_thread *m = weft__main_thread();
        weft__registry_lock();
        weft__registry_remove_locked(m);
        weft__registry_unlock();
        weft__thread_publish(m, &m->state, WEFT__T_ENDED);
    }
}

static pthread_once_t weft__atexit_once = PTHREAD_ONCE_INIT;

static void weft__shutdown_at_exit(void)
{
    weft_threading_shutdown();
}

static void weft__atexit_register(void)
{
    (void)atexit(weft__shutdown_at_exit);
}

void weft__registry_arm_atexit(void)
{
    pthread_once(&weft__atexit_once, weft__atexit_register);
}

/* ---- fork -------------------------------------------------------------------- */

static atomic_uint weft__fork_gen;

unsigned weft__fork_generation(void)
{
    return atomic_load_explicit(&weft__fork_gen, memory_order_relaxed);
}

/* Every lock of the area is held across fork, in the area's lock order, so
 * that the child finds none of them held by a thread that no longer exists. */
static void weft__atfork_prepare(void)
{
    weft__hooks_lock();
    weft__registry_lock();
    weft__locals_lock();
}

static void weft__atfork_parent(void)
{
    weft__locals_unlock();
    weft__registry_unlock();
    weft__hooks_unlock();
}

/* Only the forking thread exists in the child: every other thread has
 * ended (joins return at once, enumerate no longer lists them), and the
 * forking thread is now the process's main thread. A weft thread that
 * forks stays listed as itself, once: the main object takes its identity
 * (main_thread() is the calling thread) but is not listed beside it. The
 * objects of the vanished threads are left as they are (their memory is
 * kept), since they may have been mid-update. */
static void weft__atfork_child(void)
{
    weft__os_main_thread_reset();
    weft_thread *self = weft__current;
    weft_thread *m = weft__main_obj;
    atomic_fetch_add(&weft__fork_gen, 1);
    weft_thread *t = weft__registry_head;
    while (t != NULL) {
        weft_thread *next = t->next;
        if (t != self && t != m) {
            weft__registry_remove_locked(t);
            atomic_store(&t->reaped, true); /* its pthread_t means nothing here */
            atomic_store(&t->state, WEFT__T_ENDED);
        }
        t = next;
    }
    if (m != NULL) {
        atomic_store(&m->ident, (uint64_t)(uintptr_t)pthread_self());
        atomic_store(&m->native_id, (uint64_t)getpid());
        atomic_store(&m->state, WEFT__T_ALIVE);
        if (self == NULL || self == m)
            weft__registry_add_locked(m);
        else
            weft__registry_remove_locked(m);
        if (self == NULL)
            weft__current = m;
    }
    weft__locals_unlock();
    weft__registry_unlock();
    weft__hooks_unlock();
}
