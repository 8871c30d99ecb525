/* Python's SimpleQueue: an unbounded FIFO whose put is reentrant and
 * async-signal-safe.
 *
 * Put never takes a lock and never calls malloc. Items travel in nodes of an
 * intrusive multi-producer list (a producer swaps itself in as the tail, then
 * links its predecessor to itself) and nodes come from a lock-free free list
 * that belongs to the queue. The free list is addressed by 32-bit node
 * indices so its head fits one 64-bit word with a change counter, which
 * defeats ABA without a double-width compare-and-swap (that may need a lock
 * in libatomic). When the free list runs dry, the producer maps a new chunk
 * of nodes with mmap, twice the size of the last one.
 *
 * Getters serialise on a short internal lock only to unlink the head node;
 * they never hold it while parked, so a put from a signal handler or from a
 * callback on a getter's thread cannot deadlock against it. */
#include "queue/queue_internal.h"

#include <math.h>
#include <sched.h>
#include <sys/mman.h>

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "put needs lock-free 64-bit atomics to be signal-safe");
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "put needs lock-free pointer atomics to be signal-safe");

#define WEFT__SQ_BASE_SHIFT 8                    /* chunk 0 holds 256 nodes */
#define WEFT__SQ_BASE (1u << WEFT__SQ_BASE_SHIFT)
#define WEFT__SQ_CHUNKS 24                       /* 256 * (2^24 - 1) < 2^32 indices */
#define WEFT__SQ_POLLS 64                        /* the most a getter polls before sleeping */
#define WEFT__SQ_POLLS_MIN 2
#define WEFT__SQ_STASH 32                        /* nodes a getter returns at once */

typedef struct weft__snode {
    _Atomic(struct weft__snode *) next;  /* the message list */
    void *item;
    atomic_uint free_next;               /* the free list: index + 1, 0 ends it */
    uint32_t index;
} weft__snode;

struct weft_simple_queue {
    weft__obj hdr;
    weft_free_fn free_item;

    /* Producers' side. `puts` is counted before an item is linked, `gets`
     * after it is unlinked, so gets <= puts and the size is their difference. */
    alignas(WEFT__CACHE_LINE) _Atomic(weft__snode *) tail;
    atomic_size_t puts;
    atomic_ullong free_head;             /* (change counter << 32) | (index + 1) */
    atomic_uint nchunks;
    _Atomic(weft__snode *) chunk[WEFT__SQ_CHUNKS];

    /* Who sleeps. A put wakes one sleeper only when no wake is in flight
     * (`waking`); a woken getter that takes an item passes the wake on if
     * items and sleepers remain, so a burst of puts costs one system call. */
    alignas(WEFT__CACHE_LINE) atomic_uint waiters;
    atomic_uint waking;
    atomic_uint seq;                     /* futex word getters park on */

    /* Getters' side. Consumed nodes gather in a private stash and go back to
     * the free list a batch at a time, so producers and getters do not
     * trade the free list's line on every item. */
    alignas(WEFT__CACHE_LINE) weft__wordlock glock;
    weft__snode *head;                   /* consumed node whose next is the oldest item */
    weft__snode *stash_first, *stash_last;
    unsigned stash_n;
    alignas(WEFT__CACHE_LINE) atomic_size_t gets;
    /* Polls before sleeping: doubled when spinning paid off, halved when
     * not, so getters stop burning CPU when producers are not running. */
    atomic_int get_polls;
};

static inline size_t weft__sq_size(weft_simple_queue *q)
{
    size_t g = atomic_load_explicit(&q->gets, memory_order_seq_cst);
    return atomic_load_explicit(&q->puts, memory_order_seq_cst) - g;
}

static void weft__sq_destroy(void *obj);

static const weft__type weft__sq_type = { "simple queue", weft__sq_destroy };

/* ---- the node pool -------------------------------------------------------- */

static inline weft__snode *weft__sq_node(weft_simple_queue *q, uint32_t index)
{
    uint64_t k = (uint64_t)index + WEFT__SQ_BASE;
    unsigned c = (unsigned)(63 - __builtin_clzll(k)) - WEFT__SQ_BASE_SHIFT;
    weft__snode *chunk = atomic_load_explicit(&q->chunk[c], memory_order_acquire);
    return &chunk[k - ((uint64_t)WEFT__SQ_BASE << c)];
}

static weft__snode *weft__sq_pool_pop(weft_simple_queue *q)
{
    unsigned long long h = atomic_load_explicit(&q->free_head, memory_order_acquire);
    for (;;) {
        uint32_t first = (uint32_t)h;
        if (first == 0)
            return NULL;
        weft__snode *n = weft__sq_node(q, first - 1);
        uint32_t next = atomic_load_explicit(&n->free_next, memory_order_relaxed);
        unsigned long long nh = (((h >> 32) + 1) << 32) | next;
        if (atomic_compare_exchange_weak_explicit(&q->free_head, &h, nh, memory_order_acquire,
                                                  memory_order_acquire))
            return n;
    }
}

/* Pushes the chain first..last (linked by free_next) onto the free list. */
static void weft__sq_pool_push(weft_simple_queue *q, weft__snode *first, weft__snode *last)
{
    unsigned long long h = atomic_load_explicit(&q->free_head, memory_order_relaxed);
    unsigned long long nh;
    do {
        atomic_store_explicit(&last->free_next, (uint32_t)h, memory_order_relaxed);
        nh = (((h >> 32) + 1) << 32) | (first->index + 1);
    } while (!atomic_compare_exchange_weak_explicit(&q->free_head, &h, nh, memory_order_release,
                                                    memory_order_relaxed));
}

/* Maps the next chunk, keeps its first node for the caller and gives the
 * rest to the free list. mmap, unlike malloc, takes no user-space lock. */
static weft__snode *weft__sq_pool_grow(weft_simple_queue *q)
{
    unsigned c = atomic_fetch_add_explicit(&q->nchunks, 1, memory_order_relaxed);
    if (c >= WEFT__SQ_CHUNKS)
        return NULL;
    size_t n = (size_t)WEFT__SQ_BASE << c;
    weft__snode *nodes = mmap(NULL, n * sizeof *nodes, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (nodes == MAP_FAILED)
        return NULL; /* this chunk's index range simply stays unused */
    uint32_t base = (uint32_t)(((size_t)WEFT__SQ_BASE << c) - WEFT__SQ_BASE);
    for (size_t i = 0; i < n; i++) {
        nodes[i].index = base + (uint32_t)i;
        atomic_init(&nodes[i].next, NULL);
        atomic_init(&nodes[i].free_next, i + 1 < n ? base + (uint32_t)i + 2 : 0);
    }
    atomic_store_explicit(&q->chunk[c], nodes, memory_order_release);
    if (n > 1)
        weft__sq_pool_push(q, &nodes[1], &nodes[n - 1]);
    return &nodes[0];
}

/* ---- construction ----------------------------------------------------------- */

weft_status weft_simple_queue_new(weft_simple_queue **out, weft_free_fn free_item)
{
    WEFT__OUT(out);
    weft_simple_queue *q = weft__obj_new(&weft__sq_type, sizeof *q);
    if (q == NULL)
        return WEFT_NOMEM;
    q->free_item = free_item;
    atomic_init(&q->get_polls, WEFT__SQ_POLLS);
    weft__snode *stub = weft__sq_pool_grow(q);
    if (stub == NULL) {
        weft__unref(q);
        return weft__fail(WEFT_NOMEM, "%s: out of memory for the node pool", __func__);
    }
    atomic_store_explicit(&stub->next, NULL, memory_order_relaxed);
    q->head = stub;
    atomic_store_explicit(&q->tail, stub, memory_order_relaxed);
    *out = weft__handle(q);
    return WEFT_OK;
}

static void weft__sq_destroy(void *obj)
{
    weft_simple_queue *q = obj;
    if (q->head != NULL) {
        for (weft__snode *n = atomic_load_explicit(&q->head->next, memory_order_acquire); n != NULL;
             n = atomic_load_explicit(&n->next, memory_order_acquire)) {
            if (q->free_item != NULL)
                q->free_item(n->item);
        }
    }
    unsigned chunks = atomic_load_explicit(&q->nchunks, memory_order_relaxed);
    for (unsigned c = 0; c < chunks && c < WEFT__SQ_CHUNKS; c++) {
        weft__snode *nodes = atomic_load_explicit(&q->chunk[c], memory_order_relaxed);
        if (nodes != NULL)
            munmap(nodes, ((size_t)WEFT__SQ_BASE << c) * sizeof *nodes);
    }
}

weft_status weft_simple_queue_free(weft_simple_queue *q)
{
    WEFT__FREE(q, weft__sq_type);
}

/* Wakes one sleeping getter unless a wake is already on its way. */
static inline void weft__sq_wake(weft_simple_queue *q)
{
    if (atomic_load_explicit(&q->waiters, memory_order_seq_cst) > 0 &&
        atomic_exchange_explicit(&q->waking, 1, memory_order_seq_cst) == 0) {
        atomic_fetch_add_explicit(&q->seq, 1, memory_order_seq_cst);
        weft__unpark(&q->seq, 1);
    }
}

/* ---- put ------------------------------------------------------------------------ */

static weft_status weft__sq_put(weft_simple_queue *q, void *item, const char *fn)
{
    int saved_errno = errno; /* a signal handler must leave errno as it found it */
    weft__snode *n = weft__sq_pool_pop(q);
    if (WEFT__UNLIKELY(n == NULL)) {
        n = weft__sq_pool_grow(q);
        if (n == NULL) {
            errno = saved_errno;
            return weft__fail(WEFT_NOMEM, "%s: node pool exhausted and mmap failed", fn);
        }
    }
    n->item = item;
    atomic_store_explicit(&n->next, NULL, memory_order_relaxed);
    /* Count first, so the count never falls below the linked items and a
     * getter that sees it raised knows an item is at most a few
     * instructions away. seq_cst pairs with the getter's waiters/count
     * check: one of the two sides sees the other. */
    atomic_fetch_add_explicit(&q->puts, 1, memory_order_seq_cst);
    weft__snode *prev = atomic_exchange_explicit(&q->tail, n, memory_order_acq_rel);
    atomic_store_explicit(&prev->next, n, memory_order_release);
    weft__sq_wake(q);
    errno = saved_errno;
    return WEFT_OK;
}

weft_status weft_simple_queue_put(weft_simple_queue *q, void *item)
{
    WEFT__OPEN(q, weft__sq_type);
    return weft__sq_put(q, item, __func__);
}

weft_status weft_simple_queue_put_nowait(weft_simple_queue *q, void *item)
{
    WEFT__OPEN(q, weft__sq_type);
    return weft__sq_put(q, item, __func__);
}

/* ---- get ------------------------------------------------------------------------ */

/* Unlinks the oldest item if it is fully linked. */
static bool weft__sq_try_pop(weft_simple_queue *q, void **item)
{
    weft__wl_lock(&q->glock);
    weft__snode *head = q->head;
    weft__snode *next = atomic_load_explicit(&head->next, memory_order_acquire);
    if (next == NULL) {
        weft__wl_unlock(&q->glock);
        return false;
    }
    *item = next->item;
    q->head = next; /* `next` becomes the new stub */
    atomic_store_explicit(&q->gets, atomic_load_explicit(&q->gets, memory_order_relaxed) + 1,
                          memory_order_release);
    atomic_store_explicit(&head->free_next, q->stash_n ? q->stash_first->index + 1 : 0,
                          memory_order_relaxed);
    q->stash_first = head;
    if (q->stash_n++ == 0)
        q->stash_last = head;
    weft__snode *first = NULL, *last = NULL;
    if (q->stash_n == WEFT__SQ_STASH) {
        first = q->stash_first;
        last = q->stash_last;
        q->stash_n = 0;
    }
    weft__wl_unlock(&q->glock);
    if (first != NULL)
        weft__sq_pool_push(q, first, last);
    return true;
}

static weft_status weft__sq_get(weft_simple_queue *q, double timeout, void **item, const char *fn)
{
    if (item == NULL)
        return weft__fail(WEFT_EINVAL, "%s: item is NULL", fn);
    if (WEFT__UNLIKELY(weft__timeout_bad(timeout)))
        return weft__timeout_fail(timeout, fn);
    weft__deadline d;
    bool have_deadline = false, spun = false, timed_out = false, parked = false;
    unsigned in_flight = 0;
    for (;;) {
        if (weft__sq_try_pop(q, item)) {
            if (parked && weft__sq_size(q) > 0)
                weft__sq_wake(q); /* pass the wake on */
            return WEFT_OK;
        }
        if (timeout == 0)
            return weft__fail(WEFT_EMPTY, "%s: the queue is empty", fn);
        if (timed_out)
            return WEFT__WAIT_FAILED(fn, WEFT_EMPTY, "%s: the queue is empty", fn);
        if (!have_deadline) {
            (void)weft__deadline_init(&d, timeout, fn);
            have_deadline = true;
        }
        if (weft__sq_size(q) > 0) {
            /* A put is between counting and linking: it finishes in a few
             * instructions unless its thread was preempted or interrupted,
             * so pause first and yield the CPU only if that was not enough. */
            if (++in_flight % 16 != 0)
                weft__cpu_relax();
            else
                sched_yield();
            timed_out = weft__deadline_left_ns(&d) == 0;
            continue;
        }
        if (!spun) {
            spun = true;
            int budget = atomic_load_explicit(&q->get_polls, memory_order_relaxed);
            bool ready = false;
            for (int i = 0; i < budget && !ready; i++) {
                weft__cpu_relax();
                weft__cpu_relax();
                ready = weft__sq_size(q) > 0;
            }
            int next = ready ? budget * 2 : budget / 2;
            next = next > WEFT__SQ_POLLS ? WEFT__SQ_POLLS : next < WEFT__SQ_POLLS_MIN ? WEFT__SQ_POLLS_MIN : next;
            if (next != budget)
                atomic_store_explicit(&q->get_polls, next, memory_order_relaxed);
            continue;
        }
        atomic_fetch_add_explicit(&q->waiters, 1, memory_order_seq_cst);
        /* A flag left set by a wake that found nobody must not silence the
         * puts that come for us. */
        atomic_store_explicit(&q->waking, 0, memory_order_seq_cst);
        unsigned seen = atomic_load_explicit(&q->seq, memory_order_seq_cst);
        int rc = 0;
        if (weft__sq_size(q) == 0)
            rc = weft__park(&q->seq, seen, &d);
        atomic_fetch_sub_explicit(&q->waiters, 1, memory_order_seq_cst);
        atomic_store_explicit(&q->waking, 0, memory_order_seq_cst);
        parked = true;
        timed_out = rc == ETIMEDOUT;
    }
}

weft_status weft_simple_queue_get(weft_simple_queue *q, double timeout, void **item)
{
    WEFT__OPEN(q, weft__sq_type);
    return weft__sq_get(q, timeout, item, __func__);
}

weft_status weft_simple_queue_get_nowait(weft_simple_queue *q, void **item)
{
    WEFT__OPEN(q, weft__sq_type);
    return weft__sq_get(q, 0, item, __func__);
}

/* ---- state ---------------------------------------------------------------------- */

weft_status weft_simple_queue_qsize(weft_simple_queue *q, size_t *out)
{
    WEFT__OPEN(q, weft__sq_type);
    WEFT__OUT(out);
    *out = weft__sq_size(q);
    return WEFT_OK;
}

weft_status weft_simple_queue_empty(weft_simple_queue *q, int *out)
{
    WEFT__OPEN(q, weft__sq_type);
    WEFT__OUT(out);
    *out = weft__sq_size(q) == 0;
    return WEFT_OK;
}
