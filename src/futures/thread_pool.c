/* ThreadPoolExecutor. Tasks are futures (one allocation each) linked into an
 * intrusive multi-producer queue: submitting is an exchange and a store, no
 * lock and no system call while the workers are busy. Workers take tasks one
 * at a time under a word lock, so a long task never holds up others that an
 * idle worker could run. A worker is woken only when one sleeps, and a new
 * one is started only when none is idle, as Python's idle semaphore does. */
#include "futures/internal.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct weft__pool {
    weft_executor base;
    char pad0[WEFT__CACHE_LINE];

    /* producers */
    _Atomic(weft__qnode *) tail;
    atomic_uint gate;          /* (submits in flight << 1) | closed */
    char pad1[WEFT__CACHE_LINE];

    /* consumers */
    _Atomic(weft__qnode *) head; /* written under pop_lock; read unlocked only as a hint */
    weft__wordlock pop_lock;
    weft__qnode stub;
    char pad2[WEFT__CACHE_LINE];

    atomic_uint sleepers;      /* workers about to park or parked */
    atomic_uint wake_seq;      /* futex word workers park on */
    atomic_uint waking;        /* a wake is under way: submitters need not wake another */
    atomic_int idle;           /* Python's _idle_semaphore */
    atomic_size_t nthreads;
    atomic_bool stopping;      /* shut down: workers leave when the queue is empty */
    atomic_int closed_reason;  /* status submit returns once the gate is closed */
    const char *closed_message;

    size_t max_workers;
    char *prefix;
    weft__shared_callable *init;

    pthread_mutex_t mu;        /* the thread list and joining */
    pthread_cond_t joined_cv;
    weft_thread **threads;
    size_t nstarted, cap;
    bool joining, joined;
} weft__pool;

static atomic_uint weft__pool_counter;

/* The pool whose worker the calling thread is, if any: such a thread must
 * not wait for the pool's workers, itself among them. */
static _Thread_local weft__pool *weft__current_pool;

/* ---- the queue --------------------------------------------------------- */

static void weft__q_push(weft__pool *p, weft__qnode *n)
{
    atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
    /* seq_cst: with the workers' seq_cst registration as sleepers, either
     * the submitter sees a sleeper or the sleeper sees this node. */
    weft__qnode *prev = atomic_exchange_explicit(&p->tail, n, memory_order_seq_cst);
    atomic_store_explicit(&prev->next, n, memory_order_release);
}

#define WEFT__Q_BUSY ((weft__qnode *)1)

/* Pops one node under pop_lock; WEFT__Q_BUSY when a producer is between its
 * exchange and its link (retry shortly). */
static weft__qnode *weft__q_pop_locked(weft__pool *p)
{
    weft__qnode *head = atomic_load_explicit(&p->head, memory_order_relaxed);
    weft__qnode *next = atomic_load_explicit(&head->next, memory_order_acquire);
    if (head == &p->stub) {
        if (next == NULL)
            return atomic_load_explicit(&p->tail, memory_order_seq_cst) == &p->stub ? NULL : WEFT__Q_BUSY;
        atomic_store_explicit(&p->head, next, memory_order_relaxed);
        head = next;
        next = atomic_load_explicit(&next->next, memory_order_acquire);
    }
    if (next != NULL) {
        atomic_store_explicit(&p->head, next, memory_order_relaxed);
        return head;
    }
    if (atomic_load_explicit(&p->tail, memory_order_seq_cst) != head)
        return WEFT__Q_BUSY;
    weft__q_push(p, &p->stub);
    next = atomic_load_explicit(&head->next, memory_order_acquire);
    if (next != NULL) {
        atomic_store_explicit(&p->head, next, memory_order_relaxed);
        return head;
    }
    return WEFT__Q_BUSY;
}

/* A hint only (for spinning and for passing wakes on): the stub at both ends
 * means nothing is queued, but a pop can leave the stub at the tail behind
 * a node whose producer has not linked it yet, so only a locked pop can say
 * the queue is empty. */
static bool weft__q_maybe_empty(weft__pool *p)
{
    return atomic_load_explicit(&p->tail, memory_order_acquire) == &p->stub &&
           atomic_load_explicit(&p->head, memory_order_relaxed) == &p->stub;
}

static weft_future *weft__q_pop(weft__pool *p)
{
    for (;;) {
        weft__wl_lock(&p->pop_lock);
        weft__qnode *n = weft__q_pop_locked(p);
        weft__wl_unlock(&p->pop_lock);
        if (n != WEFT__Q_BUSY)
            return n == NULL ? NULL : (weft_future *)((char *)n - offsetof(weft_future, link));
        sched_yield();
    }
}

/* ---- the gate: submits in flight versus closing ------------------------ */

static bool weft__gate_enter(weft__pool *p)
{
    unsigned g = atomic_fetch_add_explicit(&p->gate, 2, memory_order_acquire);
    if (WEFT__LIKELY(!(g & 1)))
        return true;
    atomic_fetch_sub_explicit(&p->gate, 2, memory_order_release);
    return false;
}

static void weft__gate_leave(weft__pool *p)
{
    atomic_fetch_sub_explicit(&p->gate, 2, memory_order_release);
}

/* Closes the gate with a reason and waits until no submit is in flight, so
 * nothing is queued behind a drain. Submits never block inside the gate. */
static void weft__gate_close(weft__pool *p, weft_status reason, const char *message, bool overwrite)
{
    int none = 0;
    if (overwrite) {
        p->closed_message = message;
        atomic_store_explicit(&p->closed_reason, reason, memory_order_release);
    } else if (atomic_compare_exchange_strong(&p->closed_reason, &none, (int)reason)) {
        p->closed_message = message;
    }
    atomic_fetch_or_explicit(&p->gate, 1, memory_order_acq_rel);
    while (atomic_load_explicit(&p->gate, memory_order_acquire) >> 1 != 0)
        sched_yield();
}

static void weft__wake(weft__pool *p, int n)
{
    atomic_fetch_add_explicit(&p->wake_seq, 1, memory_order_seq_cst);
    weft__unpark(&p->wake_seq, n);
}

/* Wakes one sleeping worker unless a wake is already under way: one futex
 * call per worker woken, not one per submission. Every access here and in
 * the workers' sleep path is seq_cst (free on x86), which is what makes the
 * push-then-look / register-then-look pairs safe without fences. */
static void weft__wake_one(weft__pool *p)
{
    unsigned z = 0;
    if (atomic_load_explicit(&p->sleepers, memory_order_seq_cst) > 0 &&
        atomic_load_explicit(&p->waking, memory_order_seq_cst) == 0 &&
        atomic_compare_exchange_strong_explicit(&p->waking, &z, 1, memory_order_seq_cst, memory_order_relaxed))
        weft__wake(p, 1);
}

/* Fails every queued task, as Python's _initializer_failed does. */
static void weft__pool_break(weft__pool *p, const char *message)
{
    weft__gate_close(p, WEFT_BROKEN_THREAD_POOL, message, true);
    weft_future *f;
    while ((f = weft__q_pop(p)) != NULL)
        weft__future_drop_task(f, WEFT_BROKEN_THREAD_POOL, message);
}

/* ---- workers ----------------------------------------------------------- */

typedef struct weft__worker_start {
    weft__pool *pool;
    char name[64];
} weft__worker_start;

static void weft__worker_loop(weft__pool *p)
{
    for (;;) {
        weft_future *f = weft__q_pop(p);
        if (f != NULL) {
            weft__future_run_task(f);
            continue;
        }
        if (atomic_load_explicit(&p->stopping, memory_order_acquire))
            return;
        /* A short spin catches the next submission without a futex round trip. */
        for (int i = 0; i < 64 && weft__q_maybe_empty(p); i++)
            weft__cpu_relax();
        if (!weft__q_maybe_empty(p))
            continue;
        atomic_fetch_add_explicit(&p->idle, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->sleepers, 1, memory_order_seq_cst);
        /* Every clear of `waking` is followed by a look at the queue, so a
         * submitter that saw it set and did not wake anyone loses nothing. */
        atomic_store_explicit(&p->waking, 0, memory_order_seq_cst);
        unsigned seq = atomic_load_explicit(&p->wake_seq, memory_order_seq_cst);
        f = weft__q_pop(p);
        if (f == NULL && !atomic_load_explicit(&p->stopping, memory_order_acquire))
            weft__park(&p->wake_seq, seq, NULL);
        atomic_fetch_sub_explicit(&p->sleepers, 1, memory_order_relaxed);
        atomic_store_explicit(&p->waking, 0, memory_order_seq_cst);
        if (f != NULL) {
            weft__future_run_task(f);
            continue;
        }
        f = weft__q_pop(p);
        if (f != NULL) {
            /* More queued behind this one: pass the wake on to a sleeper. */
            if (!weft__q_maybe_empty(p))
                weft__wake_one(p);
            weft__future_run_task(f);
        }
    }
}

static void weft__worker_main(void *argp, weft_outcome *out)
{
    (void)out;
    weft__worker_start *ws = argp;
    weft__pool *p = ws->pool;
    free(ws);
    weft__current_pool = p; /* the initializer runs on the worker too */
    bool ok = true;
    if (p->init != NULL) {
        weft_outcome o;
        weft__outcome_run(&o, p->init->c.fn, p->init->c.arg);
        if (o.status != WEFT_OK) {
            weft__futures_report(o.status, o.message, o.payload, "Exception in initializer");
            ok = false;
        }
        weft__outcome_clear(&o);
    }
    if (ok)
        weft__worker_loop(p);
    else
        weft__pool_break(p, "A thread initializer failed, the thread pool is not usable anymore");
    weft__current_pool = NULL;
    weft__unref(p);
}

/* The one place a worker thread is started: a weft thread, so the thread
 * start and end hooks run (the bindings set up their interpreter there).
 * Workers are daemons: a program that never shuts its pool down must still
 * be able to exit, which Python arranges with its own exit handler. */
static weft_status weft__spawn_worker(weft__worker_start *ws, weft_thread **out)
{
    weft_thread *t;
    weft_status st = weft_thread_new(&t, ws->name, weft__worker_main, ws, NULL);
    if (st != WEFT_OK)
        return st;
    if ((st = weft_thread_set_daemon(t, 1)) != WEFT_OK || (st = weft_thread_start(t)) != WEFT_OK) {
        weft_thread_free(t);
        return st;
    }
    *out = t;
    return WEFT_OK;
}

/* Starts a worker unless the pool is full or shutting down. */
static weft_status weft__start_worker(weft__pool *p, const char *fn)
{
    weft_status st = WEFT_OK;
    pthread_mutex_lock(&p->mu);
    if (p->nstarted >= p->max_workers || p->joining || p->joined ||
        atomic_load_explicit(&p->stopping, memory_order_relaxed))
        goto out;
    if (p->nstarted == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        weft_thread **t = realloc(p->threads, cap * sizeof *t);
        if (t == NULL) {
            st = weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
            goto out;
        }
        p->threads = t;
        p->cap = cap;
    }
    weft__worker_start *ws = malloc(sizeof *ws);
    if (ws == NULL) {
        st = weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
        goto out;
    }
    ws->pool = p;
    snprintf(ws->name, sizeof ws->name, "%s_%zu", p->prefix, p->nstarted);
    weft__ref(p);
    if ((st = weft__spawn_worker(ws, &p->threads[p->nstarted])) != WEFT_OK) {
        free(ws);
        weft__unref(p); /* the caller still holds one */
        goto out;
    }
    p->nstarted++;
    atomic_store_explicit(&p->nthreads, p->nstarted, memory_order_release);
out:
    pthread_mutex_unlock(&p->mu);
    return st;
}

/* Joins every worker once; concurrent callers wait for the first. */
/* Joins every worker; WEFT_INTERRUPTED, with the pool left to be joined
 * again, when a signal cut an interruptible wait short. */
static weft_status weft__join_all(weft__pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->joining)
        pthread_cond_wait(&p->joined_cv, &p->mu);
    if (p->joined) {
        pthread_mutex_unlock(&p->mu);
        return WEFT_OK;
    }
    p->joining = true;
    size_t n = p->nstarted;
    pthread_mutex_unlock(&p->mu);
    weft_status st = WEFT_OK;
    for (size_t i = 0; i < n && st != WEFT_INTERRUPTED; i++)
        st = weft_thread_join(p->threads[i], -1);
    pthread_mutex_lock(&p->mu);
    p->joining = false;
    p->joined = st != WEFT_INTERRUPTED;
    pthread_cond_broadcast(&p->joined_cv);
    pthread_mutex_unlock(&p->mu);
    return st == WEFT_INTERRUPTED ? st : WEFT_OK;
}

/* ---- the vtable -------------------------------------------------------- */

static bool weft__take_idle(weft__pool *p)
{
    int v = atomic_load_explicit(&p->idle, memory_order_relaxed);
    while (v > 0)
        if (atomic_compare_exchange_weak_explicit(&p->idle, &v, v - 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return true;
    return false;
}

static weft_status weft__closed_status(weft__pool *p, const char *fn)
{
    weft_status reason = atomic_load_explicit(&p->closed_reason, memory_order_acquire);
    if (reason == WEFT_BROKEN_THREAD_POOL)
        return weft__fail(reason, "%s: %s", fn, p->closed_message);
    return weft__fail(WEFT_RUNTIME, "%s: cannot schedule new futures after shutdown", fn);
}

static weft_status weft__pool_submit(weft_executor *ex, weft_future *f, const char *fn)
{
    weft__pool *p = (weft__pool *)ex;
    if (!weft__gate_enter(p))
        return weft__closed_status(p, fn);
    weft__q_push(p, &f->link);
    /* Python's _adjust_thread_count: reuse an idle worker, else start one. */
    bool lonely = false;
    if (!weft__take_idle(p) && atomic_load_explicit(&p->nthreads, memory_order_acquire) < p->max_workers) {
        if (weft__start_worker(p, fn) != WEFT_OK)
            lonely = atomic_load_explicit(&p->nthreads, memory_order_acquire) == 0;
    }
    weft__wake_one(p);
    weft__gate_leave(p);
    /* No worker could be started at all: the task cannot run, so the pool is
     * broken and the task's future says why. */
    if (lonely)
        weft__pool_break(p, "cannot start a worker thread");
    return WEFT_OK;
}

static weft_status weft__pool_shutdown(weft_executor *ex, bool wait, bool cancel_futures, const char *fn)
{
    weft__pool *p = (weft__pool *)ex;
    weft__gate_close(p, WEFT_RUNTIME, "shut down", false);
    if (cancel_futures) {
        weft_future *f;
        while ((f = weft__q_pop(p)) != NULL)
            weft__future_drop_task(f, WEFT_CANCELLED, NULL);
    }
    atomic_store_explicit(&p->stopping, true, memory_order_seq_cst);
    weft__wake(p, INT_MAX);
    if (!wait)
        return WEFT_OK;
    /* A task waiting for its own pool would wait for itself (and, with
     * another shutdown joining the workers, for that one too): Python's
     * join raises RuntimeError there. The shutdown itself has happened. */
    if (weft__current_pool == p)
        return weft__fail(WEFT_RUNTIME, "%s: cannot join current thread (called from a task of this executor)",
                          fn);
    return weft__join_all(p);
}

static void weft__pool_destroy(weft_executor *ex)
{
    weft__pool *p = (weft__pool *)ex;
    /* Only reached once every worker dropped its reference. Tasks still
     * queued (a pool freed by its own task without waiting) are dropped. */
    weft_future *f;
    while ((f = weft__q_pop(p)) != NULL)
        weft__future_drop_task(f, WEFT_CANCELLED, NULL);
    weft__shared_callable_unref(p->init);
    free(p->prefix);
    for (size_t i = 0; i < p->nstarted; i++)
        weft_thread_free(p->threads[i]);
    free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->joined_cv);
}

static const weft__executor_ops weft__pool_ops = {
    .submit = weft__pool_submit,
    .shutdown = weft__pool_shutdown,
    .destroy = weft__pool_destroy,
};

static size_t weft__default_workers(void)
{
    long cpus = weft__cpu_count();
    return cpus + 4 < 32 ? (size_t)cpus + 4 : 32;
}

weft_status weft_thread_pool_executor_new(weft_executor **out, const weft_executor_opts *opts)
{
    WEFT__OUT(out);
    if (opts != NULL)
        WEFT__OPEN(opts, weft__executor_opts_type);
    weft__pool *p = weft__obj_new(&weft__executor_type, sizeof *p);
    if (p == NULL)
        return WEFT_NOMEM;
    p->base.ops = &weft__pool_ops;
    atomic_init(&p->tail, &p->stub);
    atomic_init(&p->head, &p->stub);
    atomic_init(&p->stub.next, NULL);
    p->max_workers = opts != NULL && opts->max_workers > 0 ? opts->max_workers : weft__default_workers();
    if (opts != NULL && opts->prefix != NULL) {
        p->prefix = weft__strdup(opts->prefix);
    } else {
        char buf[48];
        snprintf(buf, sizeof buf, "ThreadPoolExecutor-%u",
                 atomic_fetch_add_explicit(&weft__pool_counter, 1, memory_order_relaxed));
        p->prefix = weft__strdup(buf);
    }
    if (p->prefix == NULL) {
        weft__obj_discard(p); /* a slot of the handle region, never malloc'd */
        return WEFT_NOMEM;
    }
    if (opts != NULL && opts->init != NULL) {
        p->init = opts->init;
        atomic_fetch_add_explicit(&p->init->refs, 1, memory_order_relaxed);
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->joined_cv, NULL);
    *out = weft__handle(&p->base);
    return WEFT_OK;
}
