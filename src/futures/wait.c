/* The module functions: wait() and as_completed(). Both lock every future
 * (in address order, so two waits never deadlock), take what is done, and
 * hang a listener node on the rest, as Python's _AcquireFutures does. */
#include "futures/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int weft__ptr_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(weft_future *const *)a, y = (uintptr_t)*(weft_future *const *)b;
    return (x > y) - (x < y);
}

/* Opens the handles: `(*out)[0..n)` are the futures in the caller's order,
 * `(*out)[n..n+k)` the same sorted without duplicates (one allocation). */
static weft_status weft__unique(weft_future *const *fs, size_t n, const char *fn, weft_future ***out,
                                size_t *n_out)
{
    if (n > 0 && fs == NULL)
        return weft__fail(WEFT_EINVAL, "%s: fs is NULL", fn);
    if (n > SIZE_MAX / 2 / sizeof(weft_future *))
        return weft__fail(WEFT_NOMEM, "%s: too many futures", fn);
    weft_future **all = malloc((n > 0 ? 2 * n : 1) * sizeof *all);
    if (all == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    for (size_t i = 0; i < n; i++) {
        weft_status st;
        if ((all[i] = weft__open(fs[i], &weft__future_type, fn, &st)) == NULL) {
            free(all);
            return st;
        }
    }
    weft_future **u = all + n;
    if (n > 0)
        memcpy(u, all, n * sizeof *u);
    qsort(u, n, sizeof *u, weft__ptr_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || u[k - 1] != u[i])
            u[k++] = u[i];
    *out = all;
    *n_out = k;
    return WEFT_OK;
}

static void weft__unlink_locked(weft_future *f, weft__lnode *node)
{
    for (weft__lnode **p = &f->listeners; *p != NULL; p = &(*p)->next) {
        if (*p == node) {
            *p = node->next;
            break;
        }
    }
}

static void weft__unlink(weft_future *f, weft__lnode *node)
{
    weft__wl_lock(&f->lock);
    weft__unlink_locked(f, node);
    weft__wl_unlock(&f->lock);
}

/* Under the future's lock: lists `node` unless the future is done (then
 * node->listener is NULL). */
static bool weft__listen(weft_future *f, weft__lnode *node, weft__listener *w)
{
    node->listener = NULL;
    node->next = NULL;
    if (!weft__future_mark_listened(f))
        return false;
    node->listener = w;
    node->next = f->listeners;
    f->listeners = node;
    return true;
}

/* Sets an event word to 1 and wakes its sleeper if it was 0. */
static void weft__event_set(atomic_uint *ev)
{
    if (atomic_exchange_explicit(ev, 1, memory_order_release) == 0)
        weft__unpark(ev, INT32_MAX);
}

/* ---- wait() ------------------------------------------------------------ */

typedef struct weft__wait_listener {
    weft__listener base;
    int mode;
    atomic_size_t pending; /* futures not yet done */
    atomic_uint event;
} weft__wait_listener;

static void weft__wait_notify(weft__listener *w, weft_future *f, int kind)
{
    (void)f;
    weft__wait_listener *ww = (weft__wait_listener *)w;
    bool last = atomic_fetch_sub_explicit(&ww->pending, 1, memory_order_acq_rel) == 1;
    if (ww->mode == WEFT_FIRST_COMPLETED || last ||
        (ww->mode == WEFT_FIRST_EXCEPTION && kind == WEFT__L_EXCEPTION))
        weft__event_set(&ww->event);
}

static bool weft__failed(const weft_future *f, unsigned s)
{
    return (s & WEFT__F_STATE) == WEFT__F_FINISHED && f->code != WEFT_OK;
}

weft_status weft_futures_wait(weft_future *const *fs, size_t n, int return_when, double timeout,
                              unsigned char *done, size_t *n_done)
{
    const char *fn = __func__;
    if (return_when != WEFT_FIRST_COMPLETED && return_when != WEFT_FIRST_EXCEPTION &&
        return_when != WEFT_ALL_COMPLETED)
        return weft__fail(WEFT_EINVAL, "%s: invalid return_when %d", fn, return_when);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    if (st != WEFT_OK)
        return st;
    weft_future **all, **u;
    size_t k;
    if ((st = weft__unique(fs, n, fn, &all, &k)) != WEFT_OK)
        return st;
    u = all + n;

    weft__wait_listener w = { .base.notify = weft__wait_notify, .mode = return_when };
    atomic_init(&w.event, 0);
    weft__lnode *nodes = malloc((k > 0 ? k : 1) * sizeof *nodes);
    if (nodes == NULL) {
        free(all);
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    }
    /* Python's _AcquireFutures: with every future locked, the done ones are
     * counted and a node hangs on each of the others. */
    for (size_t i = 0; i < k; i++)
        weft__wl_lock(&u[i]->lock);
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
            if (nodes[i].listener != NULL)
                weft__unlink_locked(u[i], &nodes[i]);
    }
    for (size_t i = 0; i < k; i++)
        weft__wl_unlock(&u[i]->lock);

    if (waiting) {
        while (atomic_load_explicit(&w.event, memory_order_acquire) == 0) {
            if (weft__park(&w.event, 0, &d) == ETIMEDOUT)
                break;
        }
        for (size_t i = 0; i < k; i++)
            if (nodes[i].listener != NULL)
                weft__unlink(u[i], &nodes[i]);
    }
    free(nodes);

    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        bool is_done = weft__state_done(atomic_load_explicit(&all[i]->state, memory_order_acquire));
        count += is_done;
        if (done != NULL)
            done[i] = is_done;
    }
    free(all);
    if (weft__interrupted)
        return WEFT__WAIT_FAILED(fn, WEFT_TIMEOUT, "%s: timed out", fn);
    if (n_done != NULL)
        *n_done = count;
    return WEFT_OK;
}

/* ---- as_completed() ---------------------------------------------------- */

struct weft_as_completed {
    weft__obj hdr;
    weft__listener base;
    weft__deadline deadline;
    weft_future **all;   /* the caller's futures, then fs: one allocation */
    weft_future **fs;    /* unique, each referenced */
    size_t n;
    weft__lnode *nodes;  /* nodes[i] hangs on fs[i] while it is pending */
    weft_future **ready; /* finished, in order; n slots: each finishes once */
    size_t head, tail;   /* guarded by lock */
    size_t yielded;
    bool over;           /* timed out: the iteration ended */
    weft__wordlock lock;
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
    free(it->all);
    free(it->nodes);
    free(it->ready);
}

static const weft__type weft__as_completed_type = { "as_completed", weft__as_completed_destroy };

static void weft__as_completed_notify(weft__listener *w, weft_future *f, int kind)
{
    (void)kind;
    weft_as_completed *it = (weft_as_completed *)((char *)w - offsetof(weft_as_completed, base));
    weft__wl_lock(&it->lock);
    it->ready[it->tail++] = f;
    weft__wl_unlock(&it->lock);
    weft__event_set(&it->event);
}

weft_status weft_as_completed_new(weft_as_completed **out, weft_future *const *fs, size_t n, double timeout)
{
    const char *fn = __func__;
    WEFT__OUT(out);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, fn);
    if (st != WEFT_OK)
        return st;
    weft_future **all, **u;
    size_t k;
    if ((st = weft__unique(fs, n, fn, &all, &k)) != WEFT_OK)
        return st;
    u = all + n;
    weft_as_completed *it = weft__obj_new(&weft__as_completed_type, sizeof *it);
    weft__lnode *nodes = malloc((k > 0 ? k : 1) * sizeof *nodes);
    weft_future **ready = malloc((k > 0 ? k : 1) * sizeof *ready);
    if (it == NULL || nodes == NULL || ready == NULL) {
        free(it);
        free(nodes);
        free(ready);
        free(all);
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    }
    it->base.notify = weft__as_completed_notify;
    it->deadline = d;
    it->all = all;
    it->fs = u;
    it->n = k;
    it->ready = ready;

    for (size_t i = 0; i < k; i++) {
        weft__ref(u[i]);
        weft__wl_lock(&u[i]->lock);
    }
    for (size_t i = 0; i < k; i++)
        (void)weft__listen(u[i], &nodes[i], &it->base);
    /* Futures already done come first, in the caller's order; their nodes
     * were not listed (no listener), and get one once queued, so a duplicate
     * is queued once. */
    for (size_t i = 0; i < n; i++) {
        weft_future **hit = bsearch(&all[i], u, k, sizeof *u, weft__ptr_cmp);
        size_t j = (size_t)(hit - u);
        if (nodes[j].listener == NULL) {
            ready[it->tail++] = u[j];
            nodes[j].listener = &it->base;
        }
    }
    it->nodes = nodes;
    for (size_t i = 0; i < k; i++)
        weft__wl_unlock(&u[i]->lock);
    *out = weft__handle(it);
    return WEFT_OK;
}

weft_status weft_as_completed_next(weft_as_completed *it, weft_future **out)
{
    const char *fn = __func__;
    WEFT__OPEN(it, weft__as_completed_type);
    WEFT__OUT(out);
    if (it->over || it->yielded == it->n)
        return weft__fail(WEFT_EOF, "%s: every future was yielded", fn);
    weft__interrupted = false; /* the deadline was set up at creation */
    for (;;) {
        weft__wl_lock(&it->lock);
        if (it->head < it->tail) {
            *out = weft__handle(it->ready[it->head++]);
            weft__wl_unlock(&it->lock);
            it->yielded++;
            return WEFT_OK;
        }
        atomic_store_explicit(&it->event, 0, memory_order_relaxed);
        weft__wl_unlock(&it->lock);
        if (weft__deadline_left_ns(&it->deadline) == 0 ||
            weft__park(&it->event, 0, &it->deadline) == ETIMEDOUT) {
            weft__wl_lock(&it->lock);
            bool any = it->head < it->tail;
            weft__wl_unlock(&it->lock);
            if (any)
                continue;
            if (weft__interrupted) /* not the end: the caller may go on */
                return WEFT__WAIT_FAILED(fn, WEFT_TIMEOUT, "%s: timed out", fn);
            it->over = true;
            return weft__fail(WEFT_TIMEOUT, "%s: %zu (of %zu) futures unfinished", fn, it->n - it->yielded,
                              it->n);
        }
    }
}

weft_status weft_as_completed_free(weft_as_completed *it)
{
    WEFT__FREE(it, weft__as_completed_type);
}
