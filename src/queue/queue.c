/* Python's Queue, LifoQueue and PriorityQueue: one object, three storages.
 *
 * The fast path takes no system call and allocates nothing: FIFO puts and
 * gets run under separate locks on separate cache lines (see
 * queue_internal.h), and a put or get wakes somebody only when a wait list
 * is not empty. A thread that has to wait first spins briefly, since on a
 * busy queue the next item or slot is usually a few hundred nanoseconds
 * away, and then sleeps on its own futex word. */
#include "queue/queue_internal.h"

#include <math.h>
#include <stdlib.h>

/* Before sleeping, a getter or putter polls the queue this many times, with
 * a few CPU pauses between polls (a pause is some 10-30 ns). Polling less
 * often than every pause matters: each poll pulls the other side's counter
 * into this core's cache, and the other side then pays a miss to write it. */
#define WEFT__QUEUE_POLLS 64     /* the most; see get_polls/put_polls */
#define WEFT__QUEUE_POLLS_MIN 2
#define WEFT__GETTER_PAUSES 2
#define WEFT__PUTTER_PAUSES 8

static inline void weft__queue_pause(int n)
{
    for (int i = 0; i < n; i++)
        weft__cpu_relax();
}

/* Adapts a spin budget to whether the last spin paid off. Racy updates are
 * fine: it is a hint. */
static inline void weft__queue_adapt(atomic_int *polls, int budget, bool paid_off)
{
    int next = paid_off ? budget * 2 : budget / 2;
    if (next > WEFT__QUEUE_POLLS)
        next = WEFT__QUEUE_POLLS;
    if (next < WEFT__QUEUE_POLLS_MIN)
        next = WEFT__QUEUE_POLLS_MIN;
    if (next != budget)
        atomic_store_explicit(polls, next, memory_order_relaxed);
}
/* Slots of a fresh FIFO ring or LIFO stack; they double as needed. */
#define WEFT__QUEUE_SLOTS0 64

static void weft__queue_destroy(void *obj);

static const weft__type weft__queue_type = { "queue", weft__queue_destroy };

/* ---- helpers ------------------------------------------------------------ */

static inline bool weft__queue_is_shut(const weft_queue *q)
{
    return atomic_load_explicit(&q->shut, memory_order_seq_cst);
}

/* Items held, without a lock. head is read first: tail only grows and is
 * never behind head, so the difference cannot go negative. */
static inline size_t weft__queue_size(weft_queue *q)
{
    if (q->kind == WEFT__FIFO) {
        size_t h = atomic_load_explicit(&q->head, memory_order_seq_cst);
        size_t t = atomic_load_explicit(&q->tail, memory_order_seq_cst);
        return t - h;
    }
    return atomic_load_explicit(&q->count, memory_order_seq_cst);
}

/* Items ever put; with `done` it gives the unfinished tasks. */
static inline size_t weft__queue_puts(weft_queue *q)
{
    return q->kind == WEFT__FIFO ? atomic_load_explicit(&q->tail, memory_order_seq_cst)
                                 : atomic_load_explicit(&q->puts, memory_order_seq_cst);
}

/* Unfinished tasks; `done` is read first and never passes the puts. */
static inline size_t weft__queue_unfinished(weft_queue *q)
{
    size_t d = atomic_load_explicit(&q->done, memory_order_seq_cst);
    return weft__queue_puts(q) - d;
}

static inline size_t weft__queue_limit(const weft_queue *q)
{
    return q->maxsize != 0 ? q->maxsize : SIZE_MAX;
}

/* Wakes one waiter of `wl` if there is one. The reference keeps the queue
 * alive should the woken thread free it before this call returns. */
static inline void weft__queue_wake_one(weft_queue *q, weft__waitlist *wl)
{
    if (WEFT__LIKELY(!weft__wait_any(wl)))
        return;
    weft__ref(q);
    weft__wait_wake_one(wl);
    weft__unref(q);
}

/* Grows the FIFO ring; the caller holds plock, this takes clock too. */
static weft_status weft__fifo_grow(weft_queue *q)
{
    size_t cap = q->mask + 1;
    if (cap > SIZE_MAX / 2 / sizeof *q->slot)
        return weft__fail(WEFT_NOMEM, "queue: ring cannot grow past %zu slots", cap);
    void **slot = malloc(2 * cap * sizeof *slot);
    if (slot == NULL)
        return weft__fail(WEFT_NOMEM, "queue: out of memory growing to %zu slots", 2 * cap);
    weft__wl_lock(&q->clock);
    size_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
    size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    size_t mask = 2 * cap - 1;
    for (size_t i = h; i != t; i++)
        slot[i & mask] = q->slot[i & q->mask];
    free(q->slot);
    q->slot = slot;
    q->mask = mask;
    weft__wl_unlock(&q->clock);
    return WEFT_OK;
}

/* Grows the LIFO stack; the caller holds clock. */
static weft_status weft__lifo_grow(weft_queue *q)
{
    size_t cap = q->mask + 1;
    if (cap > SIZE_MAX / 2 / sizeof *q->slot)
        return weft__fail(WEFT_NOMEM, "queue: stack cannot grow past %zu slots", cap);
    void **slot = realloc(q->slot, 2 * cap * sizeof *slot);
    if (slot == NULL)
        return weft__fail(WEFT_NOMEM, "queue: out of memory growing to %zu slots", 2 * cap);
    q->slot = slot;
    q->mask = 2 * cap - 1;
    return WEFT_OK;
}

/* ---- one attempt at put and get ------------------------------------------ */

/* Puts once: WEFT_OK, WEFT_FULL, WEFT_SHUTDOWN or WEFT_NOMEM. */
static inline weft_status weft__queue_try_put(weft_queue *q, void *item, int64_t key, const char *fn)
{
    if (q->kind == WEFT__FIFO) {
        weft__wl_lock(&q->plock);
        if (WEFT__UNLIKELY(atomic_load_explicit(&q->shut, memory_order_relaxed))) {
            weft__wl_unlock(&q->plock);
            return weft__fail(WEFT_SHUTDOWN, "%s: the queue is shut down", fn);
        }
        size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
        size_t cap = q->mask + 1, limit = weft__queue_limit(q);
        if (WEFT__UNLIKELY(t - q->head_seen >= (cap < limit ? cap : limit))) {
            q->head_seen = atomic_load_explicit(&q->head, memory_order_acquire);
            size_t n = t - q->head_seen;
            if (n >= limit) {
                weft__wl_unlock(&q->plock);
                return WEFT_FULL;
            }
            if (n >= cap) {
                weft_status st = weft__fifo_grow(q);
                if (st != WEFT_OK) {
                    weft__wl_unlock(&q->plock);
                    return st;
                }
            }
        }
        q->slot[t & q->mask] = item;
        /* Claim the next slot line early: the consumer read it last, and the
         * seq_cst store below would otherwise wait for that miss. */
        __builtin_prefetch(&q->slot[(t + 8) & q->mask], 1);
        atomic_store_explicit(&q->tail, t + 1, memory_order_seq_cst);
        weft__wl_unlock(&q->plock);
    } else {
        weft__wl_lock(&q->clock);
        if (WEFT__UNLIKELY(atomic_load_explicit(&q->shut, memory_order_relaxed))) {
            weft__wl_unlock(&q->clock);
            return weft__fail(WEFT_SHUTDOWN, "%s: the queue is shut down", fn);
        }
        size_t n = atomic_load_explicit(&q->count, memory_order_relaxed);
        if (n >= weft__queue_limit(q)) {
            weft__wl_unlock(&q->clock);
            return WEFT_FULL;
        }
        weft_status st = WEFT_OK;
        if (q->kind == WEFT__LIFO) {
            if (n == q->mask + 1)
                st = weft__lifo_grow(q);
            if (st == WEFT_OK)
                q->slot[n] = item;
        } else {
            st = weft__heap_reserve(&q->heap, "queue");
            if (st == WEFT_OK)
                weft__heap_push(&q->heap, item, key);
        }
        if (st != WEFT_OK) {
            weft__wl_unlock(&q->clock);
            return st;
        }
        atomic_store_explicit(&q->puts, atomic_load_explicit(&q->puts, memory_order_relaxed) + 1,
                              memory_order_release);
        atomic_store_explicit(&q->count, n + 1, memory_order_seq_cst);
        weft__wl_unlock(&q->clock);
    }
    weft__queue_wake_one(q, &q->getters);
    return WEFT_OK;
}

/* Gets once: WEFT_OK or WEFT_EMPTY (the caller decides about shutdown). */
static inline weft_status weft__queue_try_get(weft_queue *q, void **item)
{
    weft__wl_lock(&q->clock);
    if (q->kind == WEFT__FIFO) {
        size_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
        if (h == q->tail_seen) {
            q->tail_seen = atomic_load_explicit(&q->tail, memory_order_acquire);
            if (h == q->tail_seen) {
                weft__wl_unlock(&q->clock);
                return WEFT_EMPTY;
            }
        }
        *item = q->slot[h & q->mask];
        /* Only a bounded queue has putters to wake, and only they need the
         * full barrier that pairs with a putter's enqueue-then-check. */
        if (q->maxsize != 0)
            atomic_store_explicit(&q->head, h + 1, memory_order_seq_cst);
        else
            atomic_store_explicit(&q->head, h + 1, memory_order_release);
    } else {
        size_t n = atomic_load_explicit(&q->count, memory_order_relaxed);
        if (n == 0) {
            weft__wl_unlock(&q->clock);
            return WEFT_EMPTY;
        }
        *item = q->kind == WEFT__LIFO ? q->slot[n - 1] : weft__heap_pop(&q->heap);
        atomic_store_explicit(&q->count, n - 1, memory_order_seq_cst);
    }
    weft__wl_unlock(&q->clock);
    weft__queue_wake_one(q, &q->putters);
    return WEFT_OK;
}

/* ---- construction -------------------------------------------------------- */

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
    atomic_init(&q->get_polls, WEFT__QUEUE_POLLS);
    atomic_init(&q->put_polls, WEFT__QUEUE_POLLS);
    q->free_item = free_item;
    weft__heap_init(&q->heap, cmp, cmp_arg, NULL);
    if (kind != WEFT__PRIORITY) {
        size_t cap = 1;
        while (cap < WEFT__QUEUE_SLOTS0 && (maxsize == 0 || cap < maxsize))
            cap <<= 1;
        q->slot = malloc(cap * sizeof *q->slot);
        if (q->slot == NULL) {
            weft__unref(q);
            return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
        }
        q->mask = cap - 1;
    }
    *out = weft__handle(q);
    return WEFT_OK;
}

weft_status weft_queue_new(weft_queue **out, size_t maxsize, weft_free_fn free_item)
{
    return weft__queue_make(out, WEFT__FIFO, maxsize, NULL, NULL, free_item, __func__);
}

weft_status weft_lifo_queue_new(weft_queue **out, size_t maxsize, weft_free_fn free_item)
{
    return weft__queue_make(out, WEFT__LIFO, maxsize, NULL, NULL, free_item, __func__);
}

weft_status weft_priority_queue_new(weft_queue **out, size_t maxsize, weft_queue_compare_fn cmp,
                                    void *cmp_arg, weft_free_fn free_item)
{
    return weft__queue_make(out, WEFT__PRIORITY, maxsize, cmp, cmp_arg, free_item,
                            __func__);
}

/* Items detached from a queue, in the order gets would return them. */
typedef struct weft__detached {
    weft__queue_kind kind;
    void **slot;
    size_t mask, from, to;  /* FIFO: [from, to) masked; LIFO: [0, to) from the top */
    weft__heap heap;
} weft__detached;

static void weft__detached_release(weft__detached *d, weft_free_fn free_item)
{
    if (free_item == NULL)
        return;
    switch (d->kind) {
    case WEFT__FIFO:
        for (size_t i = d->from; i != d->to; i++)
            free_item(d->slot[i & d->mask]);
        break;
    case WEFT__LIFO:
        for (size_t i = d->to; i > 0; i--)
            free_item(d->slot[i - 1]);
        break;
    case WEFT__PRIORITY:
        while (d->heap.count > 0)
            free_item(weft__heap_pop(&d->heap));
        break;
    }
}

static void weft__queue_destroy(void *obj)
{
    weft_queue *q = obj;
    weft__detached d = { .kind = q->kind, .slot = q->slot, .mask = q->mask, .heap = q->heap };
    d.from = atomic_load_explicit(&q->head, memory_order_relaxed);
    d.to = q->kind == WEFT__FIFO ? atomic_load_explicit(&q->tail, memory_order_relaxed)
                                 : atomic_load_explicit(&q->count, memory_order_relaxed);
    weft__detached_release(&d, q->free_item);
    weft__heap_destroy(&d.heap);
    free(q->slot);
}

weft_status weft_queue_free(weft_queue *q)
{
    WEFT__FREE(q, weft__queue_type);
}

/* ---- state ---------------------------------------------------------------- */

weft_status weft_queue_qsize(weft_queue *q, size_t *out)
{
    WEFT__OPEN(q, weft__queue_type);
    WEFT__OUT(out);
    *out = weft__queue_size(q);
    return WEFT_OK;
}

weft_status weft_queue_empty(weft_queue *q, int *out)
{
    WEFT__OPEN(q, weft__queue_type);
    WEFT__OUT(out);
    *out = weft__queue_size(q) == 0;
    return WEFT_OK;
}

weft_status weft_queue_full(weft_queue *q, int *out)
{
    WEFT__OPEN(q, weft__queue_type);
    WEFT__OUT(out);
    *out = q->maxsize != 0 && weft__queue_size(q) >= q->maxsize;
    return WEFT_OK;
}

weft_status weft_queue_maxsize(weft_queue *q, size_t *out)
{
    WEFT__OPEN(q, weft__queue_type);
    WEFT__OUT(out);
    *out = q->maxsize;
    return WEFT_OK;
}

/* ---- put ------------------------------------------------------------------ */

static weft_status weft__queue_put_impl(weft_queue *q, int64_t key, void *item, double timeout,
                                        const char *fn)
{
    if (WEFT__UNLIKELY(weft__timeout_bad(timeout)))
        return weft__timeout_fail(timeout, fn);
    weft_status st = weft__queue_try_put(q, item, key, fn);
    if (WEFT__LIKELY(st != WEFT_FULL))
        return st;

    weft__deadline d;
    (void)weft__deadline_init(&d, timeout, fn); /* timeout already checked */
    size_t limit = weft__queue_limit(q);
    bool spun = false, timed_out = false;
    for (;;) {
        if (timeout == 0)
            return weft__fail(WEFT_FULL, "%s: the queue is full", fn);
        if (timed_out)
            return WEFT__WAIT_FAILED(fn, WEFT_FULL, "%s: the queue is full", fn);
        if (!spun) {
            /* Spin until a few slots are free, not just one: retrying for a
             * single slot makes producer and consumer trade the same cache
             * lines once per item. The spin is bounded, so a put never waits
             * longer than it would have anyway. */
            spun = true;
            size_t slack = limit / 8 < 64 ? limit / 8 : 64;
            int budget = atomic_load_explicit(&q->put_polls, memory_order_relaxed);
            bool room = false;
            for (int i = 0; i < budget && !room; i++) {
                weft__queue_pause(WEFT__PUTTER_PAUSES);
                room = weft__queue_size(q) + slack < limit || weft__queue_is_shut(q);
            }
            weft__queue_adapt(&q->put_polls, budget, room);
        } else {
            weft__waiter w;
            weft__wait_enqueue(&q->putters, &w);
            if (weft__queue_size(q) < limit || weft__queue_is_shut(q))
                (void)weft__wait_cancel(&q->putters, &w);
            else
                timed_out = weft__wait_sleep(&q->putters, &w, &d, NULL) == ETIMEDOUT;
        }
        st = weft__queue_try_put(q, item, key, fn);
        if (st != WEFT_FULL)
            return st;
    }
}

weft_status weft_queue_put(weft_queue *q, void *item, double timeout)
{
    WEFT__OPEN(q, weft__queue_type);
    return weft__queue_put_impl(q, 0, item, timeout, __func__);
}

weft_status weft_queue_put_nowait(weft_queue *q, void *item)
{
    WEFT__OPEN(q, weft__queue_type);
    return weft__queue_put_impl(q, 0, item, 0, __func__);
}

weft_status weft_queue_put_priority(weft_queue *q, int64_t priority, void *item, double timeout)
{
    WEFT__OPEN(q, weft__queue_type);
    if (q->kind != WEFT__PRIORITY)
        return weft__fail(WEFT_EINVAL, "%s: not a priority queue", __func__);
    return weft__queue_put_impl(q, priority, item, timeout, __func__);
}

/* ---- get ------------------------------------------------------------------ */

static weft_status weft__queue_get_impl(weft_queue *q, double timeout, void **item, const char *fn)
{
    if (item == NULL)
        return weft__fail(WEFT_EINVAL, "%s: item is NULL", fn);
    if (WEFT__UNLIKELY(weft__timeout_bad(timeout)))
        return weft__timeout_fail(timeout, fn);
    weft__deadline d;
    bool have_deadline = false, spun = false, timed_out = false;
    for (;;) {
        /* Read the flag before looking for items: every put that succeeded
         * before the shutdown is then visible, so "shut down and empty" is
         * final and a non-immediate shutdown never loses an item. */
        bool shut = weft__queue_is_shut(q);
        if (WEFT__LIKELY(weft__queue_try_get(q, item) == WEFT_OK))
            return WEFT_OK;
        if (shut)
            return weft__fail(WEFT_SHUTDOWN, "%s: the queue is shut down", fn);
        if (timeout == 0)
            return weft__fail(WEFT_EMPTY, "%s: the queue is empty", fn);
        if (timed_out)
            return WEFT__WAIT_FAILED(fn, WEFT_EMPTY, "%s: the queue is empty", fn);
        if (!have_deadline) {
            (void)weft__deadline_init(&d, timeout, fn);
            have_deadline = true;
        }
        if (!spun) {
            spun = true;
            int budget = atomic_load_explicit(&q->get_polls, memory_order_relaxed);
            bool ready = false;
            for (int i = 0; i < budget && !ready; i++) {
                weft__queue_pause(WEFT__GETTER_PAUSES);
                ready = weft__queue_size(q) > 0 || weft__queue_is_shut(q);
            }
            weft__queue_adapt(&q->get_polls, budget, ready);
            continue;
        }
        weft__waiter w;
        weft__wait_enqueue(&q->getters, &w);
        if (weft__queue_size(q) > 0 || weft__queue_is_shut(q))
            (void)weft__wait_cancel(&q->getters, &w);
        else
            timed_out = weft__wait_sleep(&q->getters, &w, &d, NULL) == ETIMEDOUT;
    }
}

weft_status weft_queue_get(weft_queue *q, double timeout, void **item)
{
    WEFT__OPEN(q, weft__queue_type);
    return weft__queue_get_impl(q, timeout, item, __func__);
}

weft_status weft_queue_get_nowait(weft_queue *q, void **item)
{
    WEFT__OPEN(q, weft__queue_type);
    return weft__queue_get_impl(q, 0, item, __func__);
}

/* ---- task accounting -------------------------------------------------------- */

weft_status weft_queue_task_done(weft_queue *q)
{
    WEFT__OPEN(q, weft__queue_type);
    size_t d = atomic_load_explicit(&q->done, memory_order_seq_cst);
    size_t left;
    bool held = false;
    for (;;) {
        left = weft__queue_puts(q) - d;
        if (left == 0) {
            if (held)
                weft__unref(q);
            return weft__fail(WEFT_EINVAL, "%s: called more times than items were put", __func__);
        }
        /* The last task_done may release a join whose thread then frees the
         * queue: hold a reference across the wake. It is taken while this
         * task is still counted, so join cannot have returned yet. */
        if (left == 1 && !held) {
            weft__ref(q);
            held = true;
        }
        if (atomic_compare_exchange_weak_explicit(&q->done, &d, d + 1, memory_order_seq_cst,
                                                  memory_order_seq_cst))
            break;
    }
    if (left == 1 && weft__wait_any(&q->joiners))
        weft__wait_wake_all(&q->joiners);
    if (held)
        weft__unref(q);
    return WEFT_OK;
}

weft_status weft_queue_join(weft_queue *q, double timeout)
{
    WEFT__OPEN(q, weft__queue_type);
    if (WEFT__UNLIKELY(weft__timeout_bad(timeout)))
        return weft__timeout_fail(timeout, __func__);
    weft__deadline d;
    (void)weft__deadline_init(&d, timeout, __func__);
    bool timed_out = false;
    for (;;) {
        size_t left = weft__queue_unfinished(q);
        if (left == 0)
            return WEFT_OK;
        if (d.once || timed_out)
            return WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: %zu tasks still unfinished", __func__, left);
        weft__waiter w;
        weft__wait_enqueue(&q->joiners, &w);
        if (weft__queue_unfinished(q) == 0)
            (void)weft__wait_cancel(&q->joiners, &w);
        else
            timed_out = weft__wait_sleep(&q->joiners, &w, &d, NULL) == ETIMEDOUT;
    }
}

/* ---- shutdown ------------------------------------------------------------- */

weft_status weft_queue_shutdown(weft_queue *q, int immediate)
{
    WEFT__OPEN(q, weft__queue_type);
    weft__detached d = { .kind = q->kind };
    size_t n = 0;

    if (q->kind == WEFT__FIFO)
        weft__wl_lock(&q->plock);
    weft__wl_lock(&q->clock);
    atomic_store_explicit(&q->shut, true, memory_order_seq_cst);
    if (immediate) {
        /* No put succeeds from now on, so nothing writes the storage again:
         * detach the items and release them once the locks are dropped, so
         * free_item may call back into this queue. */
        d.slot = q->slot;
        d.mask = q->mask;
        if (q->kind == WEFT__FIFO) {
            d.from = atomic_load_explicit(&q->head, memory_order_relaxed);
            d.to = atomic_load_explicit(&q->tail, memory_order_relaxed);
            n = d.to - d.from;
            atomic_store_explicit(&q->head, d.to, memory_order_seq_cst);
            q->tail_seen = d.to; /* consumers' cache must not lag behind head */
        } else {
            d.to = n = atomic_load_explicit(&q->count, memory_order_relaxed);
            if (q->kind == WEFT__PRIORITY) {
                d.heap = q->heap;
                weft__heap_init(&q->heap, d.heap.cmp, d.heap.cmp_arg, NULL);
            }
            atomic_store_explicit(&q->count, 0, memory_order_seq_cst);
        }
        /* Python counts the dropped items as done, never past the puts. */
        size_t cur = atomic_load_explicit(&q->done, memory_order_seq_cst), left;
        do
            left = weft__queue_puts(q) - cur;
        while (!atomic_compare_exchange_weak_explicit(&q->done, &cur, cur + (n < left ? n : left),
                                                      memory_order_seq_cst, memory_order_seq_cst));
    }
    weft__wl_unlock(&q->clock);
    if (q->kind == WEFT__FIFO)
        weft__wl_unlock(&q->plock);

    weft__wait_wake_all(&q->getters);
    weft__wait_wake_all(&q->putters);
    weft__wait_wake_all(&q->joiners);
    if (immediate) {
        weft__detached_release(&d, q->free_item);
        weft__heap_destroy(&d.heap);
    }
    return WEFT_OK;
}
