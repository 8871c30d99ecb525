/* The module functions: wait() and as_completed(). Both lock every future
 * (in address order, so two waits never deadlock), take what is done, and
 * hang a waiter node on the rest, as Python's _AcquireFutures does. */
#include "futures/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int weft__ptr_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(weft_future *const *)a, y = (uintptr_t)*(weft_future *const *)b;
    return (x > y) - (x < y);
}

/* Checks the handles and returns them sorted without duplicates (malloc'd). */
static weft_status weft__unique(weft_future *const *fs, size_t n, const char *fn, weft_future ***out,
                                size_t *n_out)
{
    if (n > 0 && fs == NULL)
        return weft__fail(WEFT_EINVAL, "%s: fs is NULL", fn);
    for (size_t i = 0; i < n; i++) {
        const weft__obj *h = (const weft__obj *)fs[i];
        if (h == NULL)
            return weft__fail(WEFT_EINVAL, "%s: fs[%zu] is NULL", fn, i);
        if (h->type != &weft__future_type)
            return weft__fail(WEFT_EINVAL, "%s: fs[%zu] is %s", fn, i,
                              h->type == &weft__dead_type ? "a freed future" : "not a future handle");
    }
    if (n > SIZE_MAX / sizeof(weft_future *))
        return weft__fail(WEFT_NOMEM, "%s: too many futures", fn);
    weft_future **u = malloc((n > 0 ? n : 1) * sizeof *u);
    if (u == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    if (n > 0)
        memcpy(u, fs, n * sizeof *u);
    qsort(u, n, sizeof *u, weft__ptr_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || u[k - 1] != u[i])
            u[k++] = u[i];
    *out = u;
    *n_out = k;
    return WEFT_OK;
}

static void weft__unlink_locked(weft_future *f, weft__wnode *node)
{
    for (weft__wnode **p = &f->waiters; *p != NULL; p = &(*p)->next) {
        if (*p == node) {
            *p = node->next;
            break;
        }
    }
}

static void weft__unlink(weft_future *f, weft__wnode *node)
{
    weft__wlock(&f->lock);
    weft__unlink_locked(f, node);
    weft__wunlock(&f->lock);
}

/* Under the future's lock: lists `node` unless the future is done (then
 * node->waiter is NULL). */
static bool weft__listen(weft_future *f, weft__wnode *node, weft__waiter *w)
{
    node->waiter = NULL;
    node->next = NULL;
    if (!weft__future_mark_listened(f))
        return false;
    node->waiter = w;
    node->next = f->waiters;
    f->waiters = node;
    return true;
}

/* Sets an event word to 1 and wakes its sleeper if it was 0. */
static void weft__event_set(atomic_uint *ev)
{
    if (atomic_exchange_explicit(ev, 1, memory_order_release) == 0)
        weft__unpark(ev, INT32_MAX);
}

/* ---- wait() ------------------------------------------------------------ */

typedef struct weft__wait_waiter {
    weft__waiter base;
    int mode;
    atomic_size_t pending; /* futures not yet done */
    atomic_uint event;
} weft__wait_waiter;

static void weft__wait_notify(weft__waiter *w, weft_future *f, int kind)
{
    (void)f;
    weft__wait_waiter *ww = (weft__wait_waiter *)w;
    bool last = atomic_fetch_sub_explicit(&ww->pending, 1, memory_order_acq_rel) == 1;
    if (ww->mode == WEFT_FIRST_COMPLETED || last ||
        (ww->mode == WEFT_FIRST_EXCEPTION && kind == WEFT__W_EXCEPTION))
        weft__event_set(&ww->event);
}

static bool weft__failed(const weft_future *f, unsigned s)
{
    return (s & WEFT__F_STATE) == WEFT__F_FINISHED && f->code != WEFT_OK;
}

weft_status weft_futures_wait(weft_future *const *fs, size_t n, int return_when, double timeout,
                              unsigned char *done, size_t *n_done)
{
    static const char fn[] = "weft_futures_wait";
    if (return_when != WEFT_FIRST_COMPLETED && return_when != WEFT_FIRST_EXCEPTION &&
        return_when != WEFT_ALL_COMPLETED)
        return weft__fail(WEFT_EINVAL, "%s: invalid return_when %d", fn, return_when);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    if (st != WEFT_OK)
        return st;
    weft_future **u;
    size_t k;
    if ((st = weft__unique(fs, n, fn, &u, &k)) != WEFT_OK)
        return st;

    weft__wait_waiter w = { .base.notify = weft__wait_notify, .mode = return_when };
    atomic_init(&w.event, 0);
    weft__wnode *nodes = malloc((k > 0 ? k : 1) * sizeof *nodes);
    if (nodes == NULL) {
        free(u);
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    }
    /* Python's _AcquireFutures: with every future locked, the done ones are
     * counted and a node hangs on each of the others. */
    for (size_t i = 0; i < k; i++)
        weft__wlock(&u[i]->lock);
    size_t ndone = 0;
    bool failed = false;
    for (size_t i = 0; i < k; i++) {
        if (!weft__listen(u[i], &nodes[i], &w.base)) {
            ndone++;
            failed |= weft__failed(u[i], atomic_load_explicit(&u[i]->state, memory_order_acquire));
        }
    }
    bool satisfied = ndone == k || (return_when == WEFT_FIRST_COMPLETED && ndone > 0) ||
                     (return_when == WEFT_FIRST_EXCEPTION && failed);
    bool waiting = !satisfied && !d.once;
    if (waiting) {
        atomic_init(&w.pending, k - ndone);
    } else {
        for (size_t i = 0; i < k; i++)
            if (nodes[i].waiter != NULL)
                weft__unlink_locked(u[i], &nodes[i]);
    }
    for (size_t i = 0; i < k; i++)
        weft__wunlock(&u[i]->lock);

    if (waiting) {
        while (atomic_load_explicit(&w.event, memory_order_acquire) == 0) {
            if (weft__park(&w.event, 0, &d) == ETIMEDOUT)
                break;
        }
        for (size_t i = 0; i < k; i++)
            if (nodes[i].waiter != NULL)
                weft__unlink(u[i], &nodes[i]);
    }
    free(nodes);
    free(u);

    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        bool is_done = weft__state_done(atomic_load_explicit(&fs[i]->state, memory_order_acquire));
        count += is_done;
        if (done != NULL)
            done[i] = is_done;
    }
    if (n_done != NULL)
        *n_done = count;
    return WEFT_OK;
}

/* ---- as_completed() ---------------------------------------------------- */

struct weft_as_completed {
    weft__obj hdr;
    weft__waiter base;
    weft__deadline deadline;
    weft_future **fs;    /* unique, each referenced */
    size_t n;
    weft__wnode *nodes;  /* nodes[i] hangs on fs[i] while it is pending */
    weft_future **ready; /* finished, in order; n slots: each finishes once */
    size_t head, tail;   /* guarded by lock */
    size_t yielded;
    bool over;           /* timed out: the iteration ended */
    atomic_uint lock;
    atomic_uint event;
};

static void weft__as_completed_destroy(void *obj)
{
    weft_as_completed *it = obj;
    if (it->nodes != NULL)
        for (size_t i = 0; i < it->n; i++)
            weft__unlink(it->fs[i], &it->nodes[i]);
    for (size_t i = 0; i < it->n; i++)
        weft__unref(it->fs[i]);
    free(it->fs);
    free(it->nodes);
    free(it->ready);
}

static const weft__type weft__as_completed_type = { "as_completed", weft__as_completed_destroy };

static void weft__as_completed_notify(weft__waiter *w, weft_future *f, int kind)
{
    (void)kind;
    weft_as_completed *it = (weft_as_completed *)((char *)w - offsetof(weft_as_completed, base));
    weft__wlock(&it->lock);
    it->ready[it->tail++] = f;
    weft__wunlock(&it->lock);
    weft__event_set(&it->event);
}

weft_status weft_as_completed_new(weft_as_completed **out, weft_future *const *fs, size_t n, double timeout)
{
    static const char fn[] = "weft_as_completed_new";
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "%s: out is NULL", fn);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    if (st != WEFT_OK)
        return st;
    weft_future **u;
    size_t k;
    if ((st = weft__unique(fs, n, fn, &u, &k)) != WEFT_OK)
        return st;
    weft_as_completed *it = weft__obj_new(&weft__as_completed_type, sizeof *it);
    weft__wnode *nodes = malloc((k > 0 ? k : 1) * sizeof *nodes);
    weft_future **ready = malloc((k > 0 ? k : 1) * sizeof *ready);
    if (it == NULL || nodes == NULL || ready == NULL) {
        free(it);
        free(nodes);
        free(ready);
        free(u);
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    }
    it->base.notify = weft__as_completed_notify;
    it->deadline = d;
    it->fs = u;
    it->n = k;
    it->ready = ready;

    for (size_t i = 0; i < k; i++) {
        weft__ref(u[i]);
        weft__wlock(&u[i]->lock);
    }
    for (size_t i = 0; i < k; i++)
        (void)weft__listen(u[i], &nodes[i], &it->base);
    /* Futures already done come first, in the caller's order; their nodes
     * were not listed (no waiter), and get one once queued, so a duplicate
     * is queued once. */
    for (size_t i = 0; i < n; i++) {
        weft_future **hit = bsearch(&fs[i], u, k, sizeof *u, weft__ptr_cmp);
        size_t j = (size_t)(hit - u);
        if (nodes[j].waiter == NULL) {
            ready[it->tail++] = u[j];
            nodes[j].waiter = &it->base;
        }
    }
    it->nodes = nodes;
    for (size_t i = 0; i < k; i++)
        weft__wunlock(&u[i]->lock);
    *out = it;
    return WEFT_OK;
}

weft_status weft_as_completed_next(weft_as_completed *it, weft_future **out)
{
    static const char fn[] = "weft_as_completed_next";
    weft_status st = weft__check(it, &weft__as_completed_type, fn);
    if (st != WEFT_OK)
        return st;
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "%s: out is NULL", fn);
    if (it->over || it->yielded == it->n)
        return weft__fail(WEFT_EOF, "%s: every future was yielded", fn);
    for (;;) {
        weft__wlock(&it->lock);
        if (it->head < it->tail) {
            *out = it->ready[it->head++];
            weft__wunlock(&it->lock);
            it->yielded++;
            return WEFT_OK;
        }
        atomic_store_explicit(&it->event, 0, memory_order_relaxed);
        weft__wunlock(&it->lock);
        if (weft__deadline_left_ns(&it->deadline) == 0 ||
            weft__park(&it->event, 0, &it->deadline) == ETIMEDOUT) {
            weft__wlock(&it->lock);
            bool any = it->head < it->tail;
            weft__wunlock(&it->lock);
            if (any)
                continue;
            it->over = true;
            return weft__fail(WEFT_TIMEOUT, "%s: %zu (of %zu) futures unfinished", fn, it->n - it->yielded,
                              it->n);
        }
    }
}

weft_status weft_as_completed_free(weft_as_completed *it)
{
    return weft__free_handle(it, &weft__as_completed_type, "weft_as_completed_free");
}
