/* Python's Queue, LifoQueue and PriorityQueue: one object, three storages.
 *
 * One short-hold lock guards the state. The fast path takes no system call:
 * puts and gets wake someone only when a thread is known to be parked
 * (getters/putters/joiners counts), and a getter that finds the queue empty
 * spins briefly before parking, since on a busy queue the next item is
 * usually a few hundred nanoseconds away. Sleeping threads park on a futex
 * word that a waker bumps first, so a wake between "decide to sleep" and
 * "sleep" is never lost. */
#include "queue/queue_internal.h"

#include <math.h>
#include <stdlib.h>

/* Iterations a getter or putter spins on the count before it parks. */
#define WEFT__QUEUE_SPINS 400
/* Slots of a fresh ring; it doubles as needed. */
#define WEFT__QUEUE_RING0 64

static void weft__queue_destroy(void *obj);

static const weft__type weft__queue_type = { "queue", weft__queue_destroy };

/* ---- helpers ------------------------------------------------------------ */

static weft_status weft__queue_bad_timeout(double timeout, const char *fn)
{
    if (isnan(timeout))
        return weft__fail(WEFT_EINVAL, "%s: timeout is NaN", fn);
    return weft__fail(WEFT_OVERFLOW, "%s: timeout %g is above WEFT_TIMEOUT_MAX", fn, timeout);
}

/* NaN fails the comparison too, so one test covers both bad cases. */
#define WEFT__TIMEOUT_OK(t) WEFT__LIKELY((t) <= WEFT_TIMEOUT_MAX)

static inline size_t weft__queue_count(const weft_queue *q)
{
    return atomic_load_explicit(&q->count, memory_order_relaxed);
}

static inline void weft__queue_set_count(weft_queue *q, size_t n)
{
    atomic_store_explicit(&q->count, n, memory_order_relaxed);
}

/* Stores one item; the lock is held. WEFT_NOMEM leaves the queue unchanged. */
static inline weft_status weft__queue_store(weft_queue *q, void *item, int64_t key)
{
    if (q->kind == WEFT__PRIORITY) {
        weft_status st = weft__heap_reserve(&q->u.heap);
        if (st != WEFT_OK)
            return st;
        weft__heap_push(&q->u.heap, item, key);
        return WEFT_OK;
    }
    if (WEFT__UNLIKELY(weft__ring_full(&q->u.ring))) {
        weft_status st = weft__ring_grow(&q->u.ring);
        if (st != WEFT_OK)
            return st;
    }
    weft__ring_push(&q->u.ring, item);
    return WEFT_OK;
}

/* Removes the next item; the lock is held and the queue is not empty. */
static inline void *weft__queue_take(weft_queue *q)
{
    switch (q->kind) {
    case WEFT__FIFO: return weft__ring_pop_head(&q->u.ring);
    case WEFT__LIFO: return weft__ring_pop_tail(&q->u.ring);
    default: return weft__heap_pop(&q->u.heap);
    }
}

/* Wakes threads parked on `word` after the lock is released. The reference
 * keeps the queue alive in case a woken thread (a joiner, say) frees it
 * before the wake call returns. */
static void weft__queue_wake(weft_queue *q, atomic_uint *word, int n)
{
    weft__unpark(word, n);
    weft__unref(q);
}

/* Bumps `word` so parked threads see a change; the lock is held. */
static inline void weft__queue_bump(weft_queue *q, atomic_uint *word)
{
    atomic_fetch_add_explicit(word, 1, memory_order_relaxed);
    weft__ref(q);
}

/* ---- construction ------------------------------------------------------- */

static weft_status weft__queue_make(weft_queue **out, weft__queue_kind kind, size_t maxsize,
                                    weft_queue_compare_fn cmp, void *cmp_arg, weft_free_fn free_item,
                                    const char *fn)
{
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "%s: out is NULL", fn);
    weft_queue *q = weft__obj_new(&weft__queue_type, sizeof *q);
    if (q == NULL)
        return WEFT_NOMEM;
    q->kind = kind;
    q->maxsize = maxsize;
    q->free_item = free_item;
    if (kind == WEFT__PRIORITY) {
        weft__heap_init(&q->u.heap, cmp, cmp_arg);
    } else {
        size_t cap = maxsize != 0 && maxsize < WEFT__QUEUE_RING0 ? maxsize : WEFT__QUEUE_RING0;
        weft_status st = weft__ring_init(&q->u.ring, cap);
        if (st != WEFT_OK) {
            weft__unref(q);
            return st;
        }
    }
    *out = q;
    return WEFT_OK;
}

weft_status weft_queue_new(weft_queue **out, size_t maxsize, weft_free_fn free_item)
{
    return weft__queue_make(out, WEFT__FIFO, maxsize, NULL, NULL, free_item, "weft_queue_new");
}

weft_status weft_lifo_queue_new(weft_queue **out, size_t maxsize, weft_free_fn free_item)
{
    return weft__queue_make(out, WEFT__LIFO, maxsize, NULL, NULL, free_item, "weft_lifo_queue_new");
}

weft_status weft_priority_queue_new(weft_queue **out, size_t maxsize, weft_queue_compare_fn cmp,
                                    void *cmp_arg, weft_free_fn free_item)
{
    return weft__queue_make(out, WEFT__PRIORITY, maxsize, cmp, cmp_arg, free_item,
                            "weft_priority_queue_new");
}

/* Releases the items of a detached storage, in the order gets would have
 * returned them, then the storage itself. */
static void weft__queue_release_items(weft__queue_kind kind, void *storage, weft_free_fn free_item)
{
    if (kind == WEFT__PRIORITY) {
        weft__heap *h = storage;
        while (h->count > 0) {
            void *item = weft__heap_pop(h);
            if (free_item != NULL)
                free_item(item);
        }
        weft__heap_destroy(h);
    } else {
        weft__ring_buf *r = storage;
        while (r->count > 0) {
            void *item = kind == WEFT__FIFO ? weft__ring_pop_head(r) : weft__ring_pop_tail(r);
            if (free_item != NULL)
                free_item(item);
        }
        weft__ring_destroy(r);
    }
}

static void weft__queue_destroy(void *obj)
{
    weft_queue *q = obj;
    weft__queue_release_items(q->kind, &q->u, q->free_item);
}

weft_status weft_queue_free(weft_queue *q)
{
    return weft__free_handle(q, &weft__queue_type, "weft_queue_free");
}

/* ---- state -------------------------------------------------------------- */

weft_status weft_queue_qsize(weft_queue *q, size_t *out)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_qsize");
    if (st != WEFT_OK)
        return st;
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_queue_qsize: out is NULL");
    *out = weft__queue_count(q);
    return WEFT_OK;
}

weft_status weft_queue_empty(weft_queue *q, int *out)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_empty");
    if (st != WEFT_OK)
        return st;
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_queue_empty: out is NULL");
    *out = weft__queue_count(q) == 0;
    return WEFT_OK;
}

weft_status weft_queue_full(weft_queue *q, int *out)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_full");
    if (st != WEFT_OK)
        return st;
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_queue_full: out is NULL");
    *out = q->maxsize != 0 && weft__queue_count(q) >= q->maxsize;
    return WEFT_OK;
}

weft_status weft_queue_maxsize(weft_queue *q, size_t *out)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_maxsize");
    if (st != WEFT_OK)
        return st;
    if (out == NULL)
        return weft__fail(WEFT_EINVAL, "weft_queue_maxsize: out is NULL");
    *out = q->maxsize;
    return WEFT_OK;
}

/* ---- put ---------------------------------------------------------------- */

/* Spins without the lock while `full` (or empty, for getters) holds, so a
 * busy peer can make room before we pay for parking. Returns early on
 * shutdown. */
static inline void weft__queue_spin(weft_queue *q, bool for_room)
{
    for (int i = 0; i < WEFT__QUEUE_SPINS; i++) {
        size_t n = weft__queue_count(q);
        bool blocked = for_room ? n >= q->maxsize : n == 0;
        if (!blocked || atomic_load_explicit(&q->shut, memory_order_relaxed))
            return;
        weft__cpu_relax();
    }
}

static weft_status weft__queue_put_impl(weft_queue *q, int64_t key, void *item, double timeout,
                                        const char *fn)
{
    if (!WEFT__TIMEOUT_OK(timeout))
        return weft__queue_bad_timeout(timeout, fn);
    weft__deadline d;
    bool have_deadline = false, spun = false, timed_out = false;

    weft__qlock_acquire(&q->lock);
    for (;;) {
        if (WEFT__UNLIKELY(atomic_load_explicit(&q->shut, memory_order_relaxed))) {
            weft__qlock_release(&q->lock);
            return weft__fail(WEFT_SHUTDOWN, "%s: the queue is shut down", fn);
        }
        if (q->maxsize == 0 || weft__queue_count(q) < q->maxsize)
            break;
        if (timeout == 0 || timed_out) {
            weft__qlock_release(&q->lock);
            return weft__fail(WEFT_FULL, "%s: the queue is full", fn);
        }
        if (!have_deadline) {
            (void)weft__deadline_init(&d, timeout, fn); /* timeout already checked */
            have_deadline = true;
        }
        if (!spun) {
            spun = true;
            weft__qlock_release(&q->lock);
            weft__queue_spin(q, true);
            weft__qlock_acquire(&q->lock);
            continue;
        }
        unsigned seen = atomic_load_explicit(&q->not_full, memory_order_relaxed);
        q->putters++;
        weft__qlock_release(&q->lock);
        int rc = weft__park(&q->not_full, seen, &d);
        weft__qlock_acquire(&q->lock);
        q->putters--;
        timed_out = rc == ETIMEDOUT;
    }

    weft_status st = weft__queue_store(q, item, key);
    if (WEFT__UNLIKELY(st != WEFT_OK)) {
        weft__qlock_release(&q->lock);
        return st;
    }
    weft__queue_set_count(q, weft__queue_count(q) + 1);
    q->unfinished++;
    bool wake = q->getters > 0;
    if (wake)
        weft__queue_bump(q, &q->not_empty);
    weft__qlock_release(&q->lock);
    if (wake)
        weft__queue_wake(q, &q->not_empty, 1);
    return WEFT_OK;
}

weft_status weft_queue_put(weft_queue *q, void *item, double timeout)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_put");
    if (st != WEFT_OK)
        return st;
    return weft__queue_put_impl(q, 0, item, timeout, "weft_queue_put");
}

weft_status weft_queue_put_nowait(weft_queue *q, void *item)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_put_nowait");
    if (st != WEFT_OK)
        return st;
    return weft__queue_put_impl(q, 0, item, 0, "weft_queue_put_nowait");
}

weft_status weft_queue_put_priority(weft_queue *q, int64_t priority, void *item, double timeout)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_put_priority");
    if (st != WEFT_OK)
        return st;
    if (q->kind != WEFT__PRIORITY)
        return weft__fail(WEFT_EINVAL, "weft_queue_put_priority: not a priority queue");
    return weft__queue_put_impl(q, priority, item, timeout, "weft_queue_put_priority");
}

/* ---- get ---------------------------------------------------------------- */

static weft_status weft__queue_get_impl(weft_queue *q, double timeout, void **item, const char *fn)
{
    if (item == NULL)
        return weft__fail(WEFT_EINVAL, "%s: item is NULL", fn);
    if (!WEFT__TIMEOUT_OK(timeout))
        return weft__queue_bad_timeout(timeout, fn);
    weft__deadline d;
    bool have_deadline = false, spun = false, timed_out = false;

    weft__qlock_acquire(&q->lock);
    for (;;) {
        if (WEFT__LIKELY(weft__queue_count(q) > 0))
            break;
        if (atomic_load_explicit(&q->shut, memory_order_relaxed)) {
            weft__qlock_release(&q->lock);
            return weft__fail(WEFT_SHUTDOWN, "%s: the queue is shut down", fn);
        }
        if (timeout == 0 || timed_out) {
            weft__qlock_release(&q->lock);
            return weft__fail(WEFT_EMPTY, "%s: the queue is empty", fn);
        }
        if (!have_deadline) {
            (void)weft__deadline_init(&d, timeout, fn);
            have_deadline = true;
        }
        if (!spun) {
            spun = true;
            weft__qlock_release(&q->lock);
            weft__queue_spin(q, false);
            weft__qlock_acquire(&q->lock);
            continue;
        }
        unsigned seen = atomic_load_explicit(&q->not_empty, memory_order_relaxed);
        q->getters++;
        weft__qlock_release(&q->lock);
        int rc = weft__park(&q->not_empty, seen, &d);
        weft__qlock_acquire(&q->lock);
        q->getters--;
        timed_out = rc == ETIMEDOUT;
    }

    *item = weft__queue_take(q);
    weft__queue_set_count(q, weft__queue_count(q) - 1);
    bool wake = q->putters > 0;
    if (wake)
        weft__queue_bump(q, &q->not_full);
    weft__qlock_release(&q->lock);
    if (wake)
        weft__queue_wake(q, &q->not_full, 1);
    return WEFT_OK;
}

weft_status weft_queue_get(weft_queue *q, double timeout, void **item)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_get");
    if (st != WEFT_OK)
        return st;
    return weft__queue_get_impl(q, timeout, item, "weft_queue_get");
}

weft_status weft_queue_get_nowait(weft_queue *q, void **item)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_get_nowait");
    if (st != WEFT_OK)
        return st;
    return weft__queue_get_impl(q, 0, item, "weft_queue_get_nowait");
}

/* ---- task accounting ---------------------------------------------------- */

weft_status weft_queue_task_done(weft_queue *q)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_task_done");
    if (st != WEFT_OK)
        return st;
    weft__qlock_acquire(&q->lock);
    if (q->unfinished == 0) {
        weft__qlock_release(&q->lock);
        return weft__fail(WEFT_EINVAL, "weft_queue_task_done: called more times than items were put");
    }
    bool wake = --q->unfinished == 0 && q->joiners > 0;
    if (wake)
        weft__queue_bump(q, &q->all_done);
    weft__qlock_release(&q->lock);
    if (wake)
        weft__queue_wake(q, &q->all_done, INT32_MAX);
    return WEFT_OK;
}

weft_status weft_queue_join(weft_queue *q, double timeout)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_join");
    if (st != WEFT_OK)
        return st;
    if (!WEFT__TIMEOUT_OK(timeout))
        return weft__queue_bad_timeout(timeout, "weft_queue_join");
    weft__deadline d;
    (void)weft__deadline_init(&d, timeout, "weft_queue_join");
    bool timed_out = false;
    weft__qlock_acquire(&q->lock);
    while (q->unfinished > 0) {
        if (d.once || timed_out) {
            size_t left = q->unfinished;
            weft__qlock_release(&q->lock);
            return weft__fail(WEFT_TIMEOUT, "weft_queue_join: %zu tasks still unfinished", left);
        }
        unsigned seen = atomic_load_explicit(&q->all_done, memory_order_relaxed);
        q->joiners++;
        weft__qlock_release(&q->lock);
        int rc = weft__park(&q->all_done, seen, &d);
        weft__qlock_acquire(&q->lock);
        q->joiners--;
        timed_out = rc == ETIMEDOUT;
    }
    weft__qlock_release(&q->lock);
    return WEFT_OK;
}

/* ---- shutdown ----------------------------------------------------------- */

weft_status weft_queue_shutdown(weft_queue *q, int immediate)
{
    weft_status st = weft__check(q, &weft__queue_type, "weft_queue_shutdown");
    if (st != WEFT_OK)
        return st;
    __typeof__(q->u) drained;
    bool have_drained = false;

    weft__qlock_acquire(&q->lock);
    atomic_store_explicit(&q->shut, true, memory_order_relaxed);
    if (immediate) {
        size_t n = weft__queue_count(q);
        /* No put succeeds after shutdown, so the storage is never used again:
         * detach it whole and release its items once the lock is dropped, so
         * free_item may call back into this queue. */
        drained = q->u;
        if (q->kind == WEFT__PRIORITY)
            weft__heap_init(&q->u.heap, drained.heap.cmp, drained.heap.cmp_arg);
        else
            q->u.ring = (weft__ring_buf){ NULL, 0, 0, 0 };
        have_drained = true;
        weft__queue_set_count(q, 0);
        q->unfinished -= n < q->unfinished ? n : q->unfinished;
    }
    /* Everyone parked re-checks: getters and putters see the shutdown,
     * joiners see whether the drain finished their wait. */
    weft__queue_bump(q, &q->not_empty);
    weft__queue_bump(q, &q->not_full);
    weft__queue_bump(q, &q->all_done);
    weft__qlock_release(&q->lock);
    weft__queue_wake(q, &q->not_empty, INT32_MAX);
    weft__queue_wake(q, &q->not_full, INT32_MAX);
    weft__queue_wake(q, &q->all_done, INT32_MAX);
    if (have_drained)
        weft__queue_release_items(q->kind, &drained, q->free_item);
    return WEFT_OK;
}
